"""Shared adapter for JavaScript/TypeScript tools whose migrations export ``up`` and ``down``
(Knex, Sequelize): a versioned file name in a migrations directory, read with tree-sitter.

Where: the directories the tool's configuration file names (strict), else any directory
called ``migrations``. Identity: the file name (the tools record it); order: its timestamp.
Rollback: the exported ``down``; missing, or a body of only comments (the generated skeleton)
or ``return Promise.resolve()``, means a rollback does nothing.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping

from bot.core.model import Migration, RollbackIssue, RollbackProblem
from bot.core.textfile import UnreadableFile
from bot.frameworks.base import Candidate, Framework, ParseResult, PathIndex, base_name, failure
from bot.syntax import treesitter as tsx
from bot.syntax.jsmodule import does_nothing, exported_functions


class ExportedUpDownFramework(Framework):
    #: the only files it can run (a diff reads nothing else)
    file_globs: tuple[str, ...] = ("*.js", "*.ts", "*.cjs", "*.mjs")
    file_pattern: re.Pattern[str]  # group 1: the timestamp, group 2: the name
    config_names: tuple[str, ...] = ()
    default_directory = "migrations"

    def aux_wanted(self, index: PathIndex) -> list[str]:
        return [p for p, _d, n in index.entries if n in self.config_names]

    def guessed_name(self, name: str) -> bool:
        """In a directory no configuration names, which file names are taken for this tool's."""
        return True

    def order_of(self, name: str, matched: re.Match[str]) -> tuple[int, ...]:
        """The order the tool runs its migrations in: the timestamp by default."""
        return (int(matched.group(1)),)

    def configured_directories(self, config_path: str, root: tsx.Node) -> list[str]:
        """Migration directories a configuration file names (relative to the repository)."""
        raise NotImplementedError

    def _configured(self, aux: Mapping[str, str]) -> set[str]:
        directories: set[str] = set()
        for path, text in aux.items():
            if base_name(path) not in self.config_names:
                continue
            language = tsx.language_for(path) or "javascript"
            try:
                root = tsx.parse(text, language)
            except UnreadableFile:
                continue
            directories.update(self.configured_directories(path, root))
        return directories

    def same_code(self, before: str, after: str) -> bool:
        """Comments, layout, and what prettier adds or takes away (semicolons, trailing commas,
        quote style) change nothing the runner executes (``bot.syntax.treesitter.same_tokens``;
        TypeScript's grammar reads the JavaScript files too)."""
        return super().same_code(before, after) or tsx.same_tokens(before, after, "typescript")

    def select(self, index: PathIndex, aux: Mapping[str, str]) -> list[Candidate]:
        configured = self._configured(aux)
        found = []
        for path, directory, name in index.entries:
            if not self.file_pattern.match(name):
                continue
            if directory in configured:
                found.append(Candidate(self.name, path, directory, strict=True))
            elif base_name(directory) == self.default_directory and self.guessed_name(name):
                found.append(Candidate(self.name, path, directory or "."))
        return found

    def parse(self, candidate: Candidate, blob_sha: str, text: str) -> ParseResult:
        name = base_name(candidate.path)
        matched = self.file_pattern.match(name)
        assert matched is not None  # select() only lets matching names through
        try:
            root = tsx.parse(text, tsx.language_for(candidate.path) or "javascript")
        except UnreadableFile as exc:
            return failure(candidate, blob_sha, exc.message, exc.line)
        exported = exported_functions(root)
        if "up" not in exported:
            if candidate.strict:
                return failure(candidate, blob_sha, f"exports no `up` function: {self.name} cannot run it", 1)
            return None
        up = exported["up"]
        down = exported.get("down")
        if down is None:
            rollback: tuple[RollbackIssue, ...] = (RollbackIssue(RollbackProblem.MISSING, tsx.line(up), "exports no `down` function", help='Export a `down` that reverses `up` (throw an `Error` in it if it truly cannot be reversed).'),)
        elif does_nothing(down):
            rollback = (RollbackIssue(RollbackProblem.EMPTY, tsx.line(down), "has a `down` that does nothing", help='Export a `down` that reverses `up` (throw an `Error` in it if it truly cannot be reversed).'),)
        else:
            rollback = ()
        stem = name.rsplit(".", 1)[0]
        return Migration(
            framework=self.name,
            path=candidate.path,
            blob_sha=blob_sha,
            key=stem,
            name=matched.group(2),
            namespace=candidate.namespace,
            order=self.order_of(name, matched),
            key_line=1,
            rollback=rollback,
        )


def relative_to(config_path: str, value: str) -> str:
    """A directory named in a configuration file, as a repository path."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(config_path), value))
    return "" if joined == "." else joined
