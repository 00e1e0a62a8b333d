"""Migrations that are symbolic links: checked as the file the runner follows.

A migration tool opens `db/migrations/00006_x.sql` and reads whatever it points to; git stores
the link as a blob holding the target path. So a link to another file of the repository is
checked with that file's content; a link whose target is outside the repository or missing
keeps the link's own blob, which no tool can run as a migration and is reported as such.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Mapping
from fnmatch import fnmatchcase

from bot.frameworks import MIGRATION_FILE_GLOBS

MAX_HOPS = 8  # a chain of links longer than this (or a loop) is not followed


def could_be_migration(path: str) -> bool:
    name = path.rpartition("/")[2]
    return any(fnmatchcase(name, glob) for glob in MIGRATION_FILE_GLOBS)


def resolve(
    files: Mapping[str, str], links: Mapping[str, str], read: Callable[[Iterable[str]], Mapping[str, bytes]]
) -> dict[str, str]:
    """``files`` (path -> blob) plus every migration-like link, as the blob of the file it reaches."""
    wanted = {path: sha for path, sha in links.items() if could_be_migration(path)}
    tree = dict(files)
    if not wanted:
        return tree
    contents = read(set(links.values()))
    targets = {path: contents.get(sha, b"").decode("utf-8", "replace").strip() for path, sha in links.items()}
    for path, sha in wanted.items():
        current, hops = path, 0
        while current in targets and hops < MAX_HOPS:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(current), targets[current]))
            current, hops = target, hops + 1
        tree[path] = files.get(current, sha)  # unresolved: the link's own blob (reported, not skipped)
    return tree
