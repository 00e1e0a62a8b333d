"""The CLI's window on a local git repository (the only module that runs git).

Reads committed objects only: trees with ``git ls-tree``, changes with ``git diff`` between
two commits, contents with one ``git cat-file --batch`` process per batch. Uncommitted work is
never seen, by design: the change under review is what a pull request would show.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

from bot.core.diffhunks import hunk_lines
from bot.core.model import ChangeStatus, FileChange
from bot.core.textfile import MAX_FILE_BYTES
from bot.core.versions import highest_tag
from bot.frameworks import MIGRATION_FILE_GLOBS
from bot.pipeline import symlinks


class GitError(Exception):
    """A git problem, worded for the user in one line."""


_ENV = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


#: only files some framework can run are diffed: a pull request that also rewrites a 50 MB
#: fixture costs nothing more, and rename detection never reads unrelated blobs
_PATHSPEC = tuple(f":(glob)**/{glob}" for glob in MIGRATION_FILE_GLOBS)


class GitRepo:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise GitError(f"{path}: no such directory")
        try:
            top = self._git("rev-parse", "--show-toplevel").strip()
        except GitError:
            raise GitError(f"{path}: not a git repository") from None
        self.root = Path(top)
        self._gitlinks: dict[str, frozenset[str]] = {}  # commit -> its submodule paths, seen by ``tree``
        self._sizes: dict[str, int | None] = {}  # blob -> its size (None: not a blob), seen by ``blob_sizes``

    def _git(self, *args: str, input: bytes | None = None) -> str:
        return self._git_bytes(*args, input=input).decode("utf-8", "surrogateescape")

    def _git_bytes(self, *args: str, input: bytes | None = None) -> bytes:
        try:
            done = subprocess.run(
                ["git", "-c", "core.quotepath=off", *args],
                cwd=self.path,
                input=input,
                capture_output=True,
                env=_ENV,
                check=False,
            )
        except FileNotFoundError:
            raise GitError("git is not installed or not on PATH") from None
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitError(message[-1] if message else f"git {args[0]} failed")
        return done.stdout

    # -- refs ----------------------------------------------------------------------------
    def resolve(self, ref: str) -> str | None:
        """The commit a ref names, or None."""
        if not ref or ref.startswith("-"):
            return None
        try:
            return self._git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}").strip()
        except GitError:
            return None

    def default_base(self) -> str | None:
        for ref in ("origin/HEAD", "main", "master"):
            if self.resolve(ref):
                return ref
        return None

    def is_shallow(self) -> bool:
        """A clone made with ``--depth`` (``actions/checkout``'s default): history may be missing."""
        return self._git("rev-parse", "--is-shallow-repository").strip() == "true"

    def has_commit(self, sha: str) -> bool:
        try:
            self._git("cat-file", "-e", f"{sha}^{{commit}}")
        except GitError:
            return False
        return True

    def fetch(self, remote: str, *refs: str, unshallow: bool = False) -> bool:
        """Fetch ``refs`` (branch names or commit SHAs) from ``remote``, with all their history when
        ``unshallow``; whether git succeeded."""
        args = ["fetch", "--quiet", "--no-tags", *(["--unshallow"] if unshallow else []), remote, *refs]
        try:
            self._git(*args)
        except GitError:
            return False
        return True

    def index_tree(self) -> str:
        """The index (what is staged) written as a tree object: ``check --staged`` checks it."""
        return self._git("write-tree").strip()

    def uncommitted_paths(self) -> list[str]:
        """Paths with staged, unstaged or untracked changes (``git status``)."""
        out = self._git_bytes("status", "--porcelain=v1", "-z", "--untracked-files=all")
        entries = out.decode("utf-8", "surrogateescape").split("\0")
        paths, skip = [], False
        for entry in entries:
            if skip:  # the old name of a rename
                skip = False
                continue
            if len(entry) > 3:
                paths.append(entry[3:])
                skip = entry[0] in "RC"
        return paths

    def merge_base(self, a: str, b: str) -> str | None:
        try:
            return self._git("merge-base", a, b).strip() or None
        except GitError:
            return None

    def newest_tag(self, pattern: str) -> str | None:
        """The highest-versioned tag matching a glob (``v1.10`` after ``v1.9``), as the App picks it."""
        out = self._git("for-each-ref", "--format=%(refname:short)", f"refs/tags/{pattern}")
        return highest_tag(line for line in out.splitlines() if line.strip())

    def git_dir(self) -> Path:
        common = self._git("rev-parse", "--git-common-dir").strip()
        path = Path(common)
        return path if path.is_absolute() else (self.path / path).resolve()

    # -- content -------------------------------------------------------------------------
    def tree(self, commit: str) -> dict[str, str]:
        """path -> blob SHA for every file of the commit (submodules left out, see ``gitlinks``; a
        migration that is a symbolic link maps to the blob of the file it points to, see
        ``bot.pipeline.symlinks``)."""
        out = self._git_bytes("ls-tree", "-r", "-z", "--full-tree", commit)
        tree: dict[str, str] = {}
        links: dict[str, str] = {}
        gitlinks: set[str] = set()
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, _, raw_path = record.partition(b"\t")
            mode, kind, sha = meta.split(b" ")
            path = raw_path.decode("utf-8", "surrogateescape")
            if kind == b"blob":
                (links if mode == b"120000" else tree)[path] = sha.decode()
            elif kind == b"commit":
                gitlinks.add(path)
        self._gitlinks[commit] = frozenset(gitlinks)
        return symlinks.resolve(tree, links, self.read_blobs) if links else tree

    def gitlinks(self, commit: str) -> frozenset[str]:
        """Paths of the commit that are submodules (mode 160000): they name a commit of another
        repository, which this one does not hold, so they are no file and never a migration.
        Remembered from ``tree`` (the same listing), read when that was not called."""
        if commit not in self._gitlinks:
            self.tree(commit)
        return self._gitlinks[commit]

    def read_blobs(self, shas: Iterable[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        out = self._git_bytes("cat-file", "--batch", input=("\n".join(wanted) + "\n").encode())
        blobs: dict[str, bytes] = {}
        pos = 0
        for sha in wanted:
            end = out.index(b"\n", pos)
            header = out[pos:end].split(b" ")
            pos = end + 1
            if len(header) < 3 or header[1] == b"missing":
                raise GitError(f"object {sha} is missing from the repository")
            size = int(header[2])
            blobs[sha] = out[pos : pos + size]
            pos += size + 1
        return blobs

    def blob_sizes(self, shas: Iterable[str]) -> dict[str, int]:
        """Sizes of the given blobs, from their headers (``git cat-file --batch-check``): nothing
        is read, so a blob too big to check is refused before it is loaded. Remembered: the diff
        and the reading of the files ask for the same blobs."""
        wanted = list(dict.fromkeys(shas))
        unknown = [sha for sha in wanted if sha not in self._sizes]
        if unknown:
            out = self._git("cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)",
                            input=("\n".join(unknown) + "\n").encode())  # fmt: skip
            for sha in unknown:
                self._sizes[sha] = None
            for line in out.splitlines():
                sha, kind, *rest = line.split(" ")
                if kind == "blob" and rest:
                    self._sizes[sha] = int(rest[0])
        return {sha: size for sha in wanted if (size := self._sizes[sha]) is not None}

    def changes(self, old: str, new: str) -> list[FileChange]:
        """Files changed from ``old`` to ``new`` (renames detected), with the lines they touch."""
        raw = self._git_bytes("diff", "--raw", "-z", "-M", "--no-abbrev", "--no-ext-diff", old, new, "--", *_PATHSPEC)
        fields = raw.split(b"\0")
        entries: list[tuple[str, str, str, str, str | None]] = []
        i = 0
        while i < len(fields) - 1:
            meta = fields[i].decode()
            if not meta.startswith(":"):
                i += 1
                continue
            _old_mode, _new_mode, old_sha, new_sha, status = meta[1:].split(" ")
            first = fields[i + 1].decode("utf-8", "surrogateescape")
            if status[0] in "RC":
                second = fields[i + 2].decode("utf-8", "surrogateescape")
                entries.append((status[0], old_sha, new_sha, second, first))
                i += 3
            else:
                entries.append((status[0], old_sha, new_sha, first, None))
                i += 2
        # A file too big to check is not diffed either: its patch would bring it into memory whole.
        sizes = self.blob_sizes(sha for e in entries for sha in e[1:3] if sha != "0" * 40) if entries else {}
        unread = {e[3] for e in entries if any(sizes.get(sha, 0) > MAX_FILE_BYTES for sha in e[1:3])}
        patches = self._patches(old, new, unread) if entries else {}
        result: list[FileChange] = []
        zero = "0" * 40
        for letter, old_sha, new_sha, path, old_path in entries:
            lines = hunk_lines(patches.get(path, ""))
            if letter == "A":
                result.append(FileChange(ChangeStatus.ADDED, path, None, None, new_sha, 1, lines.added))
            elif letter == "D":
                result.append(FileChange(ChangeStatus.DELETED, path, path, old_sha, None))
            elif letter == "R":
                result.append(
                    FileChange(ChangeStatus.RENAMED, path, old_path, old_sha, new_sha, lines.first_changed, lines.added)
                )
            elif letter == "C":
                result.append(FileChange(ChangeStatus.ADDED, path, None, None, new_sha, 1, lines.added))
            else:  # M, T
                result.append(
                    FileChange(
                        ChangeStatus.MODIFIED,
                        path,
                        path,
                        old_sha if old_sha != zero else None,
                        new_sha,
                        lines.first_changed,
                        lines.added,
                    )
                )
        return result

    def _patches(self, old: str, new: str, skip: Iterable[str] = ()) -> dict[str, str]:
        """Per head-side path, the ``-U0`` patch text (hunks only); none for the paths in ``skip``."""
        excluded = tuple(f":(exclude,literal){path}" for path in skip)
        text = self._git("diff", "-U0", "--no-color", "-M", "--no-ext-diff", old, new, "--", *_PATHSPEC, *excluded)
        patches: dict[str, list[str]] = {}
        current: list[str] | None = None
        for line in text.splitlines():
            if line.startswith("diff --git "):
                current = None
            elif line.startswith("+++ ") and current is None:
                target = line[4:]
                # A deletion (+++ /dev/null) has nothing on the head side.
                current = [] if target == "/dev/null" else patches.setdefault(_unquote(target).removeprefix("b/"), [])
            elif current is not None:
                current.append(line)
        return {path: "\n".join(lines) for path, lines in patches.items()}


def _unquote(path: str) -> str:
    """Undo git's C-style quoting of unusual paths."""
    if not (path.startswith('"') and path.endswith('"')):
        return path
    body = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return body.encode("latin-1").decode("utf-8", "surrogateescape")
