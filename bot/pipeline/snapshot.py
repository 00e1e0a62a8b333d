"""Assemble a ``ChangeSet`` from trees and file changes, whoever fetched them.

The CLI passes trees from ``git ls-tree`` and changes from ``git diff``; the App passes trees
from the Git Trees API and changes from the pull request's files. Both give a ``BlobSource``
for contents; everything after that is the same code.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from bot.core.config import Config
from bot.core.model import (
    ChangeSet,
    ChangeStatus,
    DatabaseSource,
    FileChange,
    Migration,
    MigrationSet,
    ParseFailure,
    RefInfo,
    ReplayStep,
    Role,
)
from bot.frameworks import BY_NAME
from bot.frameworks._database_files import RepoFiles
from bot.pipeline.detect import ignored_note
from bot.pipeline.parse_cache import ParseCache
from bot.pipeline.parsing import BlobSource, MigrationParser
from bot.pipeline.symlinks import could_be_migration


def merged_tree(base_tree: Mapping[str, str], changes: Sequence[FileChange]) -> dict[str, str]:
    """The base tip with the change applied: what the base branch holds after the merge."""
    tree = dict(base_tree)
    for change in changes:
        if change.status in (ChangeStatus.DELETED, ChangeStatus.RENAMED) and change.old_path:
            tree.pop(change.old_path, None)
        if change.status is not ChangeStatus.DELETED and change.new_blob:
            tree[change.path] = change.new_blob
    return tree


def build_changeset(
    *,
    source: BlobSource,
    config: Config,
    head_tree: Mapping[str, str],
    base_tree: Mapping[str, str],
    deployed_tree: Mapping[str, str],
    changes: Sequence[FileChange],
    cache: ParseCache | None = None,
    base_ref: RefInfo | None = None,
    head_ref: RefInfo | None = None,
    deployed_ref: RefInfo | None = None,
    gitlinks: Collection[str] = (),
) -> tuple[ChangeSet, MigrationParser]:
    """``gitlinks``: the paths that are submodules at the head or where the change starts (the
    trees leave them out); a change there is no migration's and is left out with a note."""
    changes, submodule_notes = _without_submodules(changes, gitlinks)
    parser = MigrationParser(source, config, cache)
    head = parser.parse_tree(head_tree)
    base = parser.parse_tree(base_tree)
    merged = parser.parse_tree(merged_tree(base_tree, changes))

    head_paths = head.paths()
    touched = frozenset(c.path for c in changes if c.status is not ChangeStatus.DELETED and c.path in head_paths)

    # What the deployed ref holds at the paths the change rewrites or removes.
    rewritten = {
        c.old_path: deployed_tree[c.old_path]
        for c in changes
        if c.status is not ChangeStatus.ADDED and c.old_path and c.old_path in deployed_tree
    }
    deployed: dict[str, Migration | ParseFailure] = {}
    if rewritten:
        found = parser.parse_tree(deployed_tree, only=set(rewritten))
        deployed.update({m.path: m for m in found.migrations})
        deployed.update({f.path: f for f in found.failures})

    # read in one batch: on a warm run the parse cache answered without reading any text, and one
    # read per file was two git processes each (a 1,000-file change: warm slower than cold)
    read = parser.texts(head_tree[p] for p in touched)
    texts = {p: t for p in touched if isinstance(t := read[head_tree[p]], str)}
    notes: tuple[str, ...] = tuple(submodule_notes)
    ignored = parser.ignored_migrations(head_tree, [c.path for c in changes if c.status is not ChangeStatus.DELETED])
    if ignored:
        notes += (ignored_note(ignored, len(touched)),)
    databases = _databases(head, head_tree, parser)
    replays = _replays(head, texts, parser, deployed_tree)
    parser.texts(b for c in changes if c.status is ChangeStatus.MODIFIED and (c.old_path or "") in deployed
                 for b in (c.old_blob, c.new_blob) if b)  # one batch for the edits of deployed files  # fmt: skip
    changes = tuple(_with_whitespace_flag(c, parser, deployed) for c in changes)
    changeset = ChangeSet(
        head=head,
        base=base,
        merged=merged,
        changes=changes,
        deployed_paths=frozenset(deployed_tree),
        deployed_migrations=deployed,
        touched=touched,
        texts=texts,
        base_ref=base_ref,
        head_ref=head_ref,
        deployed_ref=deployed_ref,
        config=config,
        databases=databases,
        notes=notes,
        replays=replays,
    )
    return changeset, parser


def _without_submodules(
    changes: Sequence[FileChange], gitlinks: Collection[str]
) -> tuple[list[FileChange], list[str]]:
    """The changes that are files'. A submodule's entry holds a commit of another repository, not
    a blob: reading it failed the whole check (`object ... is missing`). Left out on either side;
    one named like a migration gets a note, so nothing a reader expects is skipped in silence."""
    if not gitlinks:
        return list(changes), []
    kept: list[FileChange] = []
    notes: list[str] = []
    for change in changes:
        path = change.path if change.path in gitlinks else change.old_path
        if path is None or path not in gitlinks:
            kept.append(change)
        elif could_be_migration(path):
            notes.append(f"`{path}` is a submodule (a commit of another repository), not a migration: not checked.")
    return kept, notes


def _replays(
    head: MigrationSet, texts: Mapping[str, str], parser: MigrationParser, deployed_tree: Mapping[str, str]
) -> dict[str, tuple[ReplayStep, ...]]:
    """Per database (a tool's namespace) whose touched forward migrations include one judged
    against the schema before it (``Framework.needs_schema``), the migrations to replay, in the
    tool's order (``Framework.replay_order``). A database one of whose earlier migrations cannot be
    read is left out whole, so nothing is judged against a partial history."""
    judged: dict[tuple[str, str], list[Migration]] = {}
    for m in head.migrations:
        if m.role is Role.UP and m.path in texts:
            judged.setdefault((m.framework, m.namespace), []).append(m)
    found: dict[str, tuple[ReplayStep, ...]] = {}
    for (framework, namespace), ms in judged.items():
        adapter = BY_NAME[framework]
        if not any(adapter.needs_schema(texts[m.path]) for m in ms):
            continue
        chain = adapter.replay_order(ms, head.migrations)
        if not chain:
            continue
        read = parser.texts(e.blob_sha for e in chain if e.path not in texts)
        steps = []
        for e in chain:
            text = texts.get(e.path)
            judged_here = text is not None
            if text is None:
                value = read.get(e.blob_sha)
                if not isinstance(value, str):
                    break
                text = value
            steps.append(ReplayStep(e.path, framework, e.blob_sha, text, deployed_tree.get(e.path) == e.blob_sha, judged_here))
        else:
            found[f"{framework}:{namespace}"] = tuple(steps)
    return found


def _databases(head: MigrationSet, tree: Mapping[str, str], parser: MigrationParser) -> dict[tuple[str, str], DatabaseSource]:
    """The database each namespace of the head runs on, where the repository says it
    (``Framework.database``: its tool's configuration, ``.env.example``, ``docker-compose.yml``);
    each file read once, whatever the number of namespaces asking."""
    texts: dict[str, str | None] = {}

    def read(path: str) -> str | None:
        if path not in texts:
            sha = tree.get(path)
            texts[path] = parser.text(sha) if sha is not None else None
        return texts[path]

    files = RepoFiles(tree.keys(), read)
    found: dict[tuple[str, str], DatabaseSource] = {}
    for scope in dict.fromkeys((m.framework, m.namespace) for m in head.migrations):
        database = BY_NAME[scope[0]].database(scope[1], files)
        if database is not None:
            found[scope] = database
    return found


def _with_whitespace_flag(
    change: FileChange, parser: MigrationParser, deployed: Mapping[str, Migration | ParseFailure]
) -> FileChange:
    """Mark edits of deployed files that only touch whitespace (checksums still break), and those
    that change nothing that runs, as the file's own tool reads it (``Framework.same_code``)."""
    before = deployed.get(change.old_path or "")
    if change.status is not ChangeStatus.MODIFIED or before is None:
        return change
    if not (change.old_blob and change.new_blob):
        return change
    old, new = parser.text(change.old_blob), parser.text(change.new_blob)
    if old is None or new is None:
        return change
    return replace(
        change,
        whitespace_only="".join(old.split()) == "".join(new.split()),
        same_code=BY_NAME[before.framework].same_code(old, new),
    )
