"""A pull request's file changes derived from two trees, for when GitHub's file list is incomplete.

``GET /pulls/{n}/files`` lists at most 3,000 files: a pull request of 3,049 files whose one
migration sorted last concluded "No migration changed". Deciding from a truncated list is a hole
in a required check, so when the list stops at the cap (or its length differs from the pull
request's ``changed_files``) every change is derived from the merge base's and the head's trees,
which the review reads anyway. What GitHub did list keeps its patches; for a derived file the
commentable lines come from a diff of the two blobs, computed only for files that can be
migrations (a diff of 3,000 documentation files would cost their blobs for nothing).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from bot.core.diffhunks import hunk_lines
from bot.core.model import ChangeStatus, FileChange

#: GitHub lists at most this many files of one pull request
PR_FILES_CAP = 3000


def listing_incomplete(listed: int, changed_files: int | None) -> bool:
    """GitHub's file list may have left files out: it stopped at its cap, or it disagrees with the
    pull request's own count."""
    return listed >= PR_FILES_CAP or (changed_files is not None and listed != changed_files)


def derived_changes(
    old_tree: Mapping[str, str], new_tree: Mapping[str, str], listed: Iterable[FileChange]
) -> list[FileChange]:
    """``listed`` as GitHub gave it, plus every other path whose blob differs between the trees
    (same-blob pairs of a removed and an added path are renames, as ``git diff -M`` finds exact
    ones). Derived changes carry no lines yet: ``with_lines`` adds them where they are wanted."""
    changes = list(listed)
    seen = {c.path for c in changes} | {c.old_path for c in changes if c.old_path}
    added = sorted(p for p in new_tree if p not in old_tree and p not in seen)
    removed = sorted(p for p in old_tree if p not in new_tree and p not in seen)
    by_blob: dict[str, list[str]] = {}
    for path in removed:
        by_blob.setdefault(old_tree[path], []).append(path)
    renamed_from: set[str] = set()
    for path in added:
        sources = by_blob.get(new_tree[path])
        if sources:
            old = sources.pop(0)
            renamed_from.add(old)
            changes.append(FileChange(ChangeStatus.RENAMED, path, old, old_tree[old], new_tree[path]))
        else:
            changes.append(FileChange(ChangeStatus.ADDED, path, None, None, new_tree[path], first_changed_line=1))
    changes.extend(
        FileChange(ChangeStatus.DELETED, path, path, old_tree[path], None) for path in removed if path not in renamed_from
    )
    changes.extend(
        FileChange(ChangeStatus.MODIFIED, path, path, old_tree[path], new_tree[path])
        for path in sorted(new_tree)
        if path in old_tree and old_tree[path] != new_tree[path] and path not in seen
    )
    return changes


def with_lines(changes: list[FileChange], derived: set[str], wanted: set[str],
               read: Callable[[list[str]], Mapping[str, bytes]]) -> list[FileChange]:  # fmt: skip
    """The ``derived`` changes at ``wanted`` paths with the head-side lines a review comment may
    target, from a unified diff of the two blobs (``read``: blobs by SHA)."""
    todo = [c for c in changes if c.path in derived and c.path in wanted and c.new_blob is not None]
    blobs = read([sha for c in todo for sha in (c.old_blob, c.new_blob) if sha])
    lines: dict[str, FileChange] = {}
    for c in todo:
        new = blobs.get(c.new_blob or "", b"").decode("utf-8", "replace").splitlines(keepends=True)
        old = blobs.get(c.old_blob or "", b"").decode("utf-8", "replace").splitlines(keepends=True) if c.old_blob else []
        patch = "".join(difflib.unified_diff(old, new, n=3, lineterm="\n"))
        hunks = hunk_lines(patch)
        first = 1 if c.status is ChangeStatus.ADDED else hunks.first_changed
        lines[c.path] = replace(c, first_changed_line=first, changed_lines=hunks.added, context_lines=hunks.context)
    return [lines.get(c.path, c) for c in changes]
