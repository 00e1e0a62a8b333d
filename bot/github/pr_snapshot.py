"""A pull request as the engine sees it, read from the GitHub API in a handful of calls.

Calls per event: the PR's files (paginated) and the PR itself (its ``changed_files`` tells whether
the list is complete: if not, the compare API's merge base and its tree), the base branch's ref, the base tree and the head
tree (one recursive call each), a deployed ref's tree only when it differs from the base, and
blobs only for what neither the blob cache nor the parse cache already holds. History is
never fetched file by file once it has been seen.
"""

from __future__ import annotations

import io
import logging
import tarfile
import time
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime

from githubkit.exception import RequestError

from bot.core.config import DEFAULT_PATH, Config, ConfigError, refuse_oversized_config
from bot.core.diffhunks import hunk_lines
from bot.core.model import ChangeSet, ChangeStatus, FileChange, RefInfo
from bot.core.textfile import MAX_FILE_BYTES, git_blob_sha
from bot.frameworks.base import PathIndex
from bot.github.client import RepoApi
from bot.github.tree_diff import PR_FILES_CAP, derived_changes, listing_incomplete, with_lines
from bot.pipeline.configuration import read_config
from bot.pipeline.detect import aux_wanted, candidate_chains, ignored_migrations, ignored_note, unmatched_paths
from bot.pipeline.snapshot import build_changeset
from bot.store import Store

log = logging.getLogger("migration_guard.snapshot")


class SnapshotError(Exception):
    """The pull request cannot be reviewed (its base branch is gone, ...): said in the check run."""


@dataclass(frozen=True)
class PullRequestRef:
    number: int
    head_sha: str
    base_ref: str


@dataclass
class Snapshot:
    base_sha: str
    config: Config | None = None
    config_error: str | None = None
    changeset: ChangeSet | None = None  # None: no migration changed (or the config is invalid)
    deployed: RefInfo | None = None
    notes: list[str] = field(default_factory=list)  # things the summary should mention
    blobs_fetched: int = 0


class ApiBlobSource:
    """Blobs by SHA: the store first, then the API, then into the store.

    Many missing blobs (the first event on a repository with a long history) come from one
    tarball of ``archive_commit`` instead of one call each; the rest, and all of them when the
    tarball cannot be had (GitHub answered 404 for a 20,000-migration repository), are fetched
    ``parallel`` at a time and stored as they arrive: an attempt that fails or is killed half-way
    leaves what it read cached, so the next attempt (or event) asks only for the rest.
    """

    def __init__(
        self, api: RepoApi, store: Store, archive_commit: str | None = None, parallel: int = 8, archive_over: int = 40
    ) -> None:
        self.api = api
        self.store = store
        self.archive_commit = archive_commit
        self.parallel = parallel
        self.archive_over = archive_over
        self.fetched = 0
        self.archives = 0

    def read_blobs(self, shas: Iterable[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(shas))
        found = self.store.get_blobs(wanted)
        missing = [s for s in wanted if s not in found]
        if len(missing) > self.archive_over and self.archive_commit is not None:
            from_archive = self._from_archive(self.archive_commit, set(missing))
            self.store.put_blobs(from_archive)
            found.update(from_archive)
            missing = [s for s in missing if s not in from_archive]
        if missing:
            found.update(self._one_by_one(missing))
        return found

    def blob_sizes(self, shas: Iterable[str]) -> dict[str, int]:
        """Sizes the trees API gave (``RepoApi.blob_sizes``): a blob over the bound is refused unread."""
        return {sha: self.api.blob_sizes[sha] for sha in shas if sha in self.api.blob_sizes}

    def _from_archive(self, commit: str, wanted: set[str]) -> dict[str, bytes]:
        """The wanted blobs found in the commit's tarball; none when GitHub cannot give it (the
        caller then reads them one by one: slower, never a failed review)."""
        self.archive_commit = None  # one archive per event at most
        self.archives += 1
        try:
            archive = self.api.archive(commit)
        except RequestError as exc:
            log.warning("%s: no archive of %s (%r); reading %d blobs one by one",
                        self.api.full_name, commit[:12], exc, len(wanted))  # fmt: skip
            return {}
        return blobs_in_archive(archive, wanted)

    def _one_by_one(self, missing: list[str]) -> dict[str, bytes]:
        """One call per blob, ``parallel`` in flight, stored every ``parallel`` arrivals; on a
        failure the blobs that did arrive are stored before it propagates."""
        fetched: dict[str, bytes] = {}
        arrived: dict[str, bytes] = {}

        def keep() -> None:
            self.store.put_blobs(arrived)
            self.fetched += len(arrived)
            fetched.update(arrived)
            arrived.clear()

        pool = ThreadPoolExecutor(max_workers=min(self.parallel, len(missing)))
        pending = {pool.submit(self.api.blob, sha): sha for sha in missing}
        try:
            for future in as_completed(pending):
                arrived[pending[future]] = future.result()
                if len(arrived) >= self.parallel:
                    keep()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            for future, sha in pending.items():  # what finished while a failure was being raised
                if sha not in fetched and future.done() and not future.cancelled() and future.exception() is None:
                    arrived[sha] = future.result()
            keep()
        return fetched


#: bounds on a repository tarball (read in memory, never extracted: no path can escape, no link
#: is followed); past them the remaining blobs are fetched one by one, which is slower but bounded
ARCHIVE_MAX_BYTES = 512 * 1024 * 1024  # the compressed download
ARCHIVE_MAX_MEMBERS = 300_000
ARCHIVE_MAX_MEMBER_BYTES = MAX_FILE_BYTES  # larger files are never migrations we read
ARCHIVE_MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024  # decompressed bytes read in all


def blobs_in_archive(archive: bytes, wanted: set[str]) -> dict[str, bytes]:
    """Files of a tarball whose git blob SHA is wanted (the archive has paths, we want SHAs).

    Only regular files are read (links and devices are skipped), each at most
    ``ARCHIVE_MAX_MEMBER_BYTES``, at most ``ARCHIVE_MAX_MEMBERS`` entries and
    ``ARCHIVE_MAX_TOTAL_BYTES`` in all: a decompression bomb costs bounded time and memory.
    """
    found: dict[str, bytes] = {}
    if len(archive) > ARCHIVE_MAX_BYTES:
        return found
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as tar:
            for count, member in enumerate(tar, start=1):
                if count > ARCHIVE_MAX_MEMBERS or total > ARCHIVE_MAX_TOTAL_BYTES:
                    break
                if not member.isfile() or member.size > ARCHIVE_MAX_MEMBER_BYTES:
                    continue
                handle = tar.extractfile(member)
                if handle is None:
                    continue
                data = handle.read(ARCHIVE_MAX_MEMBER_BYTES + 1)
                total += len(data)
                sha = git_blob_sha(data)
                if sha in wanted:
                    found[sha] = data
                    if len(found) == len(wanted):
                        break
    except (tarfile.TarError, EOFError, OSError, zlib.error):
        pass  # a broken archive: what was read counts, the rest is fetched blob by blob
    return found


_STATUS = {
    "added": ChangeStatus.ADDED,
    "copied": ChangeStatus.ADDED,
    "removed": ChangeStatus.DELETED,
    "renamed": ChangeStatus.RENAMED,
    "modified": ChangeStatus.MODIFIED,
    "changed": ChangeStatus.MODIFIED,
}


def file_changes(entries: list, base_tree: dict[str, str]) -> list[FileChange]:
    """The PR's files as ``FileChange`` records; commentable lines come from each ``patch``."""
    changes = []
    for entry in entries:
        status = _STATUS.get(entry.status)
        if status is None:  # "unchanged"
            continue
        old_path = entry.previous_filename or entry.filename if status is not ChangeStatus.ADDED else None
        lines = hunk_lines(entry.patch or "")
        changes.append(
            FileChange(
                status=status,
                path=entry.filename,
                old_path=old_path,
                old_blob=base_tree.get(old_path) if old_path else None,
                new_blob=entry.sha if status is not ChangeStatus.DELETED else None,
                first_changed_line=1 if status is ChangeStatus.ADDED else lines.first_changed,
                changed_lines=lines.added,
                context_lines=lines.context,
            )
        )
    return changes


def take_snapshot(api: RepoApi, store: Store, pr: PullRequestRef) -> Snapshot:
    base_sha = api.branch_sha(pr.base_ref)
    if base_sha is None:
        raise SnapshotError(f"the base branch `{pr.base_ref}` no longer exists")
    base_tree, truncated = api.tree(base_sha)
    snapshot = Snapshot(base_sha=base_sha)
    source = ApiBlobSource(api, store, archive_commit=base_sha)
    if truncated:
        snapshot.notes.append("GitHub truncated the repository tree (over 100,000 files): detection may be partial.")

    # Configuration from the base branch: a pull request cannot relax its own check.
    config_sha = base_tree.get(DEFAULT_PATH)
    config = Config()
    if config_sha is not None:
        try:
            refuse_oversized_config(api.blob_sizes.get(config_sha, 0), DEFAULT_PATH)  # before fetching it
            raw = source.read_blobs([config_sha])[config_sha]
            config = read_config(raw.decode("utf-8", "replace"), DEFAULT_PATH)
        except ConfigError as exc:
            snapshot.config_error = str(exc)
            return snapshot
    unmatched = unmatched_paths(config, base_tree)
    if unmatched:  # a typo there would switch detection off and pass every pull request
        snapshot.config_error = f"{DEFAULT_PATH}: paths: `{unmatched[0]}` matches no directory on `{pr.base_ref}`"
        return snapshot
    snapshot.config = config

    entries = api.pull_request_files(pr.number)
    changes = file_changes(entries, base_tree)
    head: tuple[dict[str, str], bool] | None = None
    changed_files = api.pull_request(pr.number).changed_files
    derived: set[str] = set()
    if listing_incomplete(len(entries), changed_files):
        # Never decide from a truncated list: the one migration may sort after the 3,000th file.
        head = api.tree(pr.head_sha)
        merge_base = api.merge_base(base_sha, pr.head_sha)
        fork_tree = base_tree if merge_base == base_sha else api.tree(merge_base)[0]
        listed = {c.path for c in changes}
        changes = derived_changes(fork_tree, head[0], changes)
        derived = {c.path for c in changes if c.path not in listed}
        snapshot.notes.append(
            f"GitHub listed {len(entries):,} of this pull request's {changed_files:,} changed files (it lists at most "
            f"{PR_FILES_CAP:,}): every change was derived from the trees of the merge base and the head instead."
        )
    touches, ignored, candidates = _touches_migrations(changes, base_tree, config, source)
    if not touches:
        if ignored:
            snapshot.notes.append(ignored_note(ignored, 0))
        return snapshot
    if derived:
        changes = with_lines(changes, derived, candidates, source.read_blobs)

    head_tree, head_truncated = head if head is not None else api.tree(pr.head_sha)
    deployed_tree, deployed = base_tree, RefInfo(pr.base_ref, base_sha)
    if config.deployed is not None:
        deployed_tree, deployed = _deployed(api, config, base_tree, RefInfo(pr.base_ref, base_sha), snapshot, store)
    changeset, _parser = build_changeset(
        source=source,
        config=config,
        head_tree=head_tree,
        base_tree=base_tree,
        deployed_tree=deployed_tree,
        changes=changes,
        cache=store.parse_cache(),
        base_ref=RefInfo(pr.base_ref, base_sha),
        head_ref=RefInfo(f"#{pr.number}", pr.head_sha),
        deployed_ref=deployed,
        gitlinks=api.gitlinks(pr.head_sha) | api.gitlinks(base_sha),
    )
    if head_truncated and not truncated:
        snapshot.notes.append("GitHub truncated the head tree: detection may be partial.")
    snapshot.changeset = changeset
    snapshot.deployed = deployed
    snapshot.blobs_fetched = source.fetched
    return snapshot


def _touches_migrations(
    changes: list[FileChange], base_tree: dict[str, str], config: Config, source: ApiBlobSource
) -> tuple[bool, list[str], set[str]]:
    """Could any changed path be a migration? Paths and ``alembic.ini`` only: no head tree needed if not.
    Also the changed paths that would be migrations but for ``ignore_paths`` (said, never silent),
    and the changed paths that can be migrations."""
    changed = {c.path for c in changes} | {c.old_path for c in changes if c.old_path}
    index = PathIndex(set(base_tree) | changed)
    aux_paths = [p for p in aux_wanted(index, config) if p in base_tree and p.endswith(".ini")]
    blobs = source.read_blobs(base_tree[p] for p in aux_paths)
    aux = {p: blobs[base_tree[p]].decode("utf-8", "replace") for p in aux_paths}
    chains = candidate_chains(index, aux, config)
    candidates = {path for path in changed if path in chains}
    if candidates:
        return True, [], candidates
    return False, ignored_migrations(index, aux, config, changed), set()


#: how long a deployed commit read from GitHub (or a deployment_status event) is trusted
DEPLOYED_FRESH_SECONDS = 60.0


def _deployed(
    api: RepoApi, config: Config, base_tree: dict[str, str], base: RefInfo, snapshot: Snapshot, store: Store
) -> tuple[dict[str, str], RefInfo]:
    assert config.deployed is not None
    if config.deployed.environment:
        environment = config.deployed.environment
        cached = store.deployed_sha(api.full_name, environment)
        known: tuple[str, str | None] | None = cached[:2] if cached else None
        read_at = cached[2] if cached else 0.0
        if cached is None or time.time() - read_at > DEPLOYED_FRESH_SECONDS:
            # A deployment_status event may never come (not subscribed, lost): ask GitHub again
            # rather than trust a commit that production may have moved past.
            found = api.newest_successful_deployment(environment)
            if found is not None:
                store.set_deployed(api.full_name, environment, found[0], found[1])
                known, read_at = found, time.time()
        if known is None:
            snapshot.notes.append(
                f"No successful deployment to `{environment}` was found; the base branch counted as deployed."
            )
            return base_tree, base
        when = datetime.fromtimestamp(read_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        snapshot.notes.append(f"The deployment of `{environment}` was read from GitHub at {when}.")
        tree, _truncated = api.tree(known[0])
        return tree, RefInfo(f"{environment} (deployment of {known[1] or known[0][:12]})", known[0])
    name = config.deployed.ref or config.deployed.branch or config.deployed.tag or ""
    if config.deployed.tag and any(ch in name for ch in "*?["):
        newest = api.newest_tag(name)
        if newest is None:
            snapshot.notes.append(f"No tag matches `{name}`; the base branch counted as deployed.")
            return base_tree, base
        name, sha = newest
        tree, _truncated = api.tree(sha)
        return tree, RefInfo(name, sha)
    resolved = api.branch_sha(name) or api.tag_sha(name)
    if resolved is None:
        snapshot.notes.append(f"The deployed ref `{name}` does not exist; the base branch counted as deployed.")
        return base_tree, base
    tree, _truncated = api.tree(resolved)
    return tree, RefInfo(name, resolved)
