"""GitHub API access with githubkit: App JWT, installation tokens, retries, and the calls we make.

githubkit signs requests with the App's JWT, exchanges it for an installation token on first
use and caches the token until a minute before it expires; a token GitHub refuses sooner (401:
revoked, or expired early by clock skew) is dropped and the call retried once with a new one
(``bot.github.tokens``). Retries: a rate limit whose ``retry-after`` / ``x-ratelimit-reset`` is
a few seconds away is waited out, a longer one ends the call (``bot.github.rate_limit``: the job
waits in the queue); 5xx answers are retried three times, waiting 1, 4 and 9 times
``retry_base_seconds`` (quadratic, not exponential). ``RepoApi`` names every call the App
makes, so the number of calls per event is visible in one place (and counted by the tests).
"""

from __future__ import annotations

import base64
import fnmatch
import functools
import logging
import re
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, TypeVar, cast

from githubkit import AppAuthStrategy, GitHub
from githubkit.exception import GitHubException, RequestFailed
from githubkit.retry import RetryChainDecision
from githubkit.typing import RetryOption

from bot import __version__
from bot.core.settings import Settings
from bot.core.versions import highest_tag
from bot.github.rate_limit import WaitBriefly
from bot.github.tokens import RenewDeadToken, TokenCacheStrategy
from bot.pipeline import symlinks

log = logging.getLogger("migration_guard.github")
PER_PAGE = 100


class RetryServerErrors:
    """Retry 5xx answers ``attempts`` times, waiting base, 4 x base, 9 x base ..."""

    def __init__(self, attempts: int, base_seconds: float) -> None:
        self.attempts = attempts
        self.base_seconds = base_seconds

    def __call__(self, exc: GitHubException, retry_count: int) -> RetryOption:
        if retry_count < self.attempts and isinstance(exc, RequestFailed) and exc.response.status_code >= 500:
            log.warning("GitHub answered %s to %s; retrying", exc.response.status_code, exc.request.url)
            return RetryOption(True, timedelta(seconds=self.base_seconds * (retry_count + 1) ** 2))
        return RetryOption(False)


class GitHubApp:
    """The App's identity and one client per installation (token cached by githubkit)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        tokens = TokenCacheStrategy()  # tokens of this App only (githubkit's default is process-wide)
        self.app = GitHub(
            AppAuthStrategy(str(settings.app_id), settings.private_key),
            base_url=settings.api_url + "/",
            user_agent=f"migration-guard/{__version__}",
            http_cache=False,  # blobs and parse results are cached by SHA in our own store
            cache_strategy=tokens,
            auto_retry=RetryChainDecision(
                RenewDeadToken(tokens), WaitBriefly(), RetryServerErrors(3, settings.retry_base_seconds)
            ),
            timeout=30.0,
        )
        self._installations: dict[int, GitHub] = {}
        self._lock = threading.Lock()

    def installation(self, installation_id: int) -> GitHub:
        with self._lock:
            if installation_id not in self._installations:
                self._installations[installation_id] = self.app.with_auth(
                    self.app.auth.as_installation(installation_id)
                )
            return self._installations[installation_id]

    def repo(self, installation_id: int, owner: str, name: str, before_write: BeforeWrite | None = None) -> RepoApi:
        return RepoApi(self.installation(installation_id), owner, name, installation_id, before_write)


#: GitHub refuses a comment or review body longer than this
MAX_BODY_CHARS = 65_536
_CUT_NOTE = "\n\n… (cut: GitHub takes at most 65,536 characters; the check run has the full report)"


def bounded(body: str) -> str:
    """A comment body GitHub accepts: cut with a note when too long, keeping our marker at the end."""
    if len(body) <= MAX_BODY_CHARS:
        return body
    marker = ""
    last = body.rstrip().rsplit("\n", 1)[-1]
    if last.startswith("<!-- migration-guard:"):
        marker = "\n" + last
    keep = MAX_BODY_CHARS - len(_CUT_NOTE) - len(marker)
    return body[:keep] + _CUT_NOTE + marker


#: the repository permissions the calls below need (permission -> "read" or "write"), filled by
#: ``needs``: the App's manifest asks for exactly these (``bot.app.manifest``)
PERMISSIONS: dict[str, str] = {}
_F = TypeVar("_F", bound=Callable[..., Any])


#: asked before every write (``RepoApi(before_write=...)``); raises to stop it (the App's lease check)
BeforeWrite = Callable[[], None]


def needs(permission: str, level: str) -> Callable[[_F], _F]:
    """Declare the permission a call needs; ``write`` implies ``read``. A ``write`` call first asks
    its ``RepoApi``'s ``before_write``, so no write can skip the App's lease check."""

    def declare(call: _F) -> _F:
        if PERMISSIONS.get(permission) != "write":
            PERMISSIONS[permission] = level
        if level != "write":
            return call

        @functools.wraps(call)
        def write(self: RepoApi, *args: Any, **kwargs: Any) -> Any:
            if self.before_write is not None:
                self.before_write()
            return call(self, *args, **kwargs)

        return cast(_F, write)

    return declare


class RepoApi:
    """Every REST and GraphQL call the App makes on one repository."""

    def __init__(
        self, gh: GitHub, owner: str, name: str, installation_id: int = 0, before_write: BeforeWrite | None = None
    ) -> None:
        """``before_write``: the App's worker passes its lease check; the Action, which has no store
        and no rival, none."""
        self.gh = gh
        self.owner = owner
        self.name = name
        self.installation_id = installation_id
        self._gitlinks: dict[str, frozenset[str]] = {}  # commit -> its submodule paths, seen by ``tree``
        #: blob SHA -> size, as the trees read so far gave it: a blob too big to check is never fetched
        self.blob_sizes: dict[str, int] = {}
        self.before_write = before_write

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def _pages(self, method: Any, **kwargs: Any) -> Iterator[Any]:
        """Follow ``Link: rel="next"`` (no extra call for an empty last page)."""
        page = 1
        while True:
            response = method(self.owner, self.name, **kwargs, per_page=PER_PAGE, page=page)
            yield from response.parsed_data
            if 'rel="next"' not in response.headers.get("link", ""):
                return
            page += 1

    # -- reading ---------------------------------------------------------------------------
    @needs("pull_requests", "read")
    def pull_request_files(self, number: int) -> list[Any]:
        return list(self._pages(self.gh.rest.pulls.list_files, pull_number=number))

    @needs("contents", "read")
    def merge_base(self, base: str, head: str) -> str:
        """The merge base of two commits: what a pull request's diff starts from (the compare API,
        asked for one commit per page: its ``files`` are capped at 300 and not read)."""
        data = self.gh.rest.repos.compare_commits(self.owner, self.name, f"{base}...{head}", per_page=1).parsed_data
        return data.merge_base_commit.sha

    @needs("contents", "read")
    def branch_sha(self, branch: str) -> str | None:
        try:
            return self.gh.rest.git.get_ref(self.owner, self.name, f"heads/{branch}").parsed_data.object_.sha
        except RequestFailed as exc:
            if exc.response.status_code == 404:
                return None
            raise

    @needs("contents", "read")
    def tag_sha(self, tag: str) -> str | None:
        try:
            obj = self.gh.rest.git.get_ref(self.owner, self.name, f"tags/{tag}").parsed_data.object_
        except RequestFailed as exc:
            if exc.response.status_code == 404:
                return None
            raise
        return obj.sha

    @needs("contents", "read")
    def newest_tag(self, pattern: str) -> tuple[str, str] | None:
        """(tag, commit SHA) of the highest-versioned tag matching a glob such as ``v*`` (one call).

        Tags are ordered by the numbers in their names (``v1.10`` after ``v1.9``): release tags are
        versions, and reading every tag's date would cost a call per tag. Annotated tags point at
        a tag object; ``tree`` accepts its SHA as well as a commit's."""
        prefix = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
        refs = self.gh.rest.git.list_matching_refs(self.owner, self.name, f"tags/{prefix}").parsed_data
        names = [(r.ref.removeprefix("refs/tags/"), r.object_.sha) for r in refs]
        matching = [(n, sha) for n, sha in names if fnmatch.fnmatchcase(n, pattern)]
        if not matching:
            return None
        best = highest_tag(n for n, _sha in matching)
        return next(item for item in matching if item[0] == best)

    @needs("contents", "read")
    def tree(self, commit_sha: str) -> tuple[dict[str, str], bool]:
        """path -> blob SHA of a commit (one call, recursive), and whether GitHub truncated it.
        Submodules (items of type ``commit``) are left out, as the CLI's ``git ls-tree`` reading
        leaves them out, and remembered for ``gitlinks``; each blob's ``size`` in ``blob_sizes``."""
        data = self.gh.rest.git.get_tree(self.owner, self.name, commit_sha, recursive="1").parsed_data
        files: dict[str, str] = {}
        links: dict[str, str] = {}
        gitlinks: set[str] = set()
        for item in data.tree:
            if item.type == "blob" and item.path and item.sha:
                (links if item.mode == "120000" else files)[item.path] = item.sha
                if isinstance(item.size, int):  # githubkit's UNSET when GitHub leaves it out
                    self.blob_sizes[item.sha] = item.size
            elif item.type == "commit" and item.path:
                gitlinks.add(item.path)
        self._gitlinks[commit_sha] = frozenset(gitlinks)
        if links:  # a migration that is a symlink is checked as the file it points to
            files = symlinks.resolve(files, links, lambda shas: {sha: self.blob(sha) for sha in shas})
        return files, bool(data.truncated)

    def gitlinks(self, commit_sha: str) -> frozenset[str]:
        """Paths of the commit that are submodules: a commit of another repository, no blob here,
        never a migration. Remembered from ``tree`` (no extra call once the tree was read)."""
        if commit_sha not in self._gitlinks:
            self.tree(commit_sha)
        return self._gitlinks[commit_sha]

    @needs("contents", "read")
    def blob(self, sha: str) -> bytes:
        data = self.gh.rest.git.get_blob(self.owner, self.name, sha).parsed_data
        if data.encoding == "base64":
            return base64.b64decode(data.content)
        return data.content.encode("utf-8")

    @needs("contents", "read")
    def archive(self, commit_sha: str) -> bytes:
        """The commit's files as a gzipped tarball (GitHub redirects to codeload; one API call)."""
        return self.gh.rest.repos.download_tarball_archive(self.owner, self.name, commit_sha).content

    @needs("pull_requests", "read")
    def pulls_for_commit(self, sha: str) -> list[Any]:
        return self.gh.rest.repos.list_pull_requests_associated_with_commit(self.owner, self.name, sha).parsed_data

    @needs("pull_requests", "read")
    def pull_request(self, number: int) -> Any:
        return self.gh.rest.pulls.get(self.owner, self.name, number).parsed_data

    # -- check runs ------------------------------------------------------------------------
    @needs("checks", "write")
    def create_check_run(self, data: dict[str, Any]) -> int:
        return self.gh.rest.checks.create(self.owner, self.name, data=cast(Any, data)).parsed_data.id

    @needs("checks", "write")
    def update_check_run(self, check_run_id: int, data: dict[str, Any]) -> None:
        self.gh.rest.checks.update(self.owner, self.name, check_run_id, data=cast(Any, data))

    @needs("checks", "read")
    def check_runs_for(self, sha: str, name: str) -> list[Any]:
        response = self.gh.rest.checks.list_for_ref(self.owner, self.name, sha, check_name=name, filter_="latest")
        return list(response.parsed_data.check_runs)

    # -- reviews ---------------------------------------------------------------------------
    @needs("pull_requests", "write")
    def create_review(self, number: int, data: dict[str, Any]) -> int:
        data = {**data, "body": bounded(data.get("body", ""))}
        if "comments" in data:
            data["comments"] = [{**c, "body": bounded(c.get("body", ""))} for c in data["comments"]]
        return self.gh.rest.pulls.create_review(self.owner, self.name, number, data=cast(Any, data)).parsed_data.id

    @needs("pull_requests", "read")
    def review_comments(self, number: int) -> list[Any]:
        return list(self._pages(self.gh.rest.pulls.list_review_comments, pull_number=number))

    @needs("pull_requests", "read")
    def reviews(self, number: int) -> list[Any]:
        return list(self._pages(self.gh.rest.pulls.list_reviews, pull_number=number))

    # -- conversation (slash commands) -------------------------------------------------------
    @needs("issues", "write")
    def react(self, comment_id: int, kind: str, content: str) -> None:
        """``kind``: ``issue`` (PR conversation) or ``review`` (a review thread)."""
        if kind == "review":
            self.gh.rest.reactions.create_for_pull_request_review_comment(
                self.owner,
                self.name,
                comment_id,
                data=cast(Any, {"content": content}),
            )
        else:
            self.gh.rest.reactions.create_for_issue_comment(
                self.owner, self.name, comment_id, data=cast(Any, {"content": content})
            )

    @needs("issues", "write")
    def reply(self, number: int, comment_id: int, kind: str, body: str) -> None:
        body = bounded(body)
        if kind == "review":
            self.gh.rest.pulls.create_reply_for_review_comment(
                self.owner, self.name, number, comment_id, data={"body": body}
            )
        else:
            self.gh.rest.issues.create_comment(self.owner, self.name, number, data={"body": body})

    @needs("metadata", "read")
    def permission(self, username: str) -> str:
        """``admin``, ``maintain``, ``write``, ``triage``, ``read`` or ``none``."""
        try:
            data = self.gh.rest.repos.get_collaborator_permission_level(self.owner, self.name, username).parsed_data
        except RequestFailed as exc:
            if exc.response.status_code == 404:
                return "none"
            raise
        return data.role_name or data.permission

    # -- deployments -------------------------------------------------------------------------
    @needs("deployments", "read")
    def newest_successful_deployment(self, environment: str, scan: int = 10) -> tuple[str, str] | None:
        """(commit SHA, ref) of the newest deployment to ``environment`` whose latest status is success."""
        deployments = self.gh.rest.repos.list_deployments(self.owner, self.name, environment=environment, per_page=scan)
        for deployment in deployments.parsed_data:
            statuses = self.gh.rest.repos.list_deployment_statuses(self.owner, self.name, deployment.id, per_page=1)
            latest = statuses.parsed_data[0] if statuses.parsed_data else None
            if latest is not None and latest.state == "success":
                return deployment.sha, deployment.ref
        return None

    @needs("pull_requests", "write")
    def minimize_comment(self, node_id: str) -> None:
        self.gh.graphql.request(
            "mutation($id: ID!) { minimizeComment(input: {subjectId: $id, classifier: OUTDATED}) "
            "{ minimizedComment { isMinimized } } }",
            {"id": node_id},
        )
