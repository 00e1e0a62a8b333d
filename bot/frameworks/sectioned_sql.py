"""Shared adapter for single-file SQL migrations with annotated up and down sections
(dbmate ``-- migrate:up``, goose ``-- +goose Up``).

Those tools find their sections by scanning lines for the annotation, so this does the same;
each tool module supplies its own matcher.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from bot.core.model import Migration, RollbackIssue, RollbackProblem
from bot.core.operations import MigrationOps, Operation
from bot.frameworks.base import MAX_FIX_SPAN, Candidate, Framework, ParseResult, PathIndex, base_name, failure
from bot.syntax.sqltext import is_blank_sql


@dataclass(frozen=True)
class Section:
    line: int  # the annotation's line
    body: str  # text up to the next annotation of the same kind family


def split_sections(text: str, marker: re.Pattern[str]) -> dict[str, Section]:
    """First occurrence of each section name (lower-cased group 1 of ``marker``) and its body."""
    sections: dict[str, Section] = {}
    current: str | None = None
    lines: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        found = marker.match(line)
        if found:
            current = found.group(1).lower()
            if current not in sections:
                sections[current] = Section(number, "")
                lines[current] = []
            continue
        if current is not None:
            lines[current].append(line)
    return {name: Section(s.line, "\n".join(lines[name])) for name, s in sections.items()}


def section_rollback(sections: dict[str, Section], down_marker: str) -> tuple[RollbackIssue, ...]:
    up = sections.get("up")
    down = sections.get("down")
    if down is None:
        return (
            RollbackIssue(
                RollbackProblem.MISSING,
                up.line if up else 1,
                f"has no `{down_marker}` section",
                help=f"Add a `{down_marker}` section with the SQL that reverses the up section.",
            ),
        )
    if is_blank_sql(down.body) and not (up is not None and is_blank_sql(up.body)):
        return (
            RollbackIssue(
                RollbackProblem.EMPTY,
                down.line,
                f"has an empty `{down_marker}` section",
                help=f"Write the SQL that reverses the up section under `{down_marker}`.",
            ),
        )
    return ()


class SectionedSqlFramework(Framework):
    """A tool whose migrations are ``<version>_<name>.sql`` files with annotated up/down sections."""
    #: the only files it can run (a diff reads nothing else)
    file_globs: tuple[str, ...] = ("*.sql",)
    sql_files = True
    stray_globs = ("*.sql",)
    name_form = "`<version>_<name>.sql`"

    file_pattern: re.Pattern[str] = re.compile(r"^(\d+)_(.*)\.sql\Z", re.DOTALL)  # any name, newlines too
    marker: re.Pattern[str]
    up_marker: str
    down_marker: str

    def select(self, index: PathIndex, aux: Mapping[str, str]) -> list[Candidate]:
        return [
            Candidate(self.name, p, d or ".")
            for p, d, n in index.entries
            if n.endswith(".sql") and self.file_pattern.match(n)
        ]

    #: a word on the up marker line (dbmate ``transaction:false``) or anywhere (goose) that turns
    #: the migration's transaction off
    no_transaction: re.Pattern[str]

    def operations(self, path: str, text: str, dialect: str) -> MigrationOps:
        from bot.syntax.sql_operations import (  # lazy: sqlglot loads only when a migration is analysed
            normalise_dialect,
            sql_operations,
            with_validation,
        )

        sections = split_sections(text, self.marker)
        up = sections.get("up")
        if up is None:
            return MigrationOps(dialect=normalise_dialect(dialect))
        ops = sql_operations(up.body, dialect, first_line=up.line + 1)
        transactional = self.no_transaction.search(text) is None
        if transactional:
            lines = text.splitlines()
            ops = [self._with_transaction_off(o, lines, up.line) for o in ops]
        else:
            ops = [with_validation(o) for o in ops]
        return MigrationOps(tuple(ops), transactional=transactional, dialect=normalise_dialect(dialect))

    def transaction_off(self, lines: list[str], up_line: int) -> tuple[int, list[str]]:
        """Where this tool is told to run a file outside a transaction: (the first line the edit
        replaces, what replaces that line)."""
        raise NotImplementedError

    def _with_transaction_off(self, op: Operation, lines: list[str], up_line: int) -> Operation:
        """A `CONCURRENTLY` rewrite cannot run in the file's transaction: the suggestion also turns
        the transaction off, as one contiguous edit from the marker down to the statement."""
        if op.suggestion is None or "CONCURRENTLY" not in op.suggestion.upper() or op.concurrently:
            return op
        first, replaced = self.transaction_off(lines, up_line)
        if not 0 < first < op.line or op.line - first > MAX_FIX_SPAN:
            return replace(op, suggestion=None)
        between = lines[first : op.line - 1]
        return replace(op, suggestion="\n".join([*replaced, *between, op.suggestion]), suggestion_lines=(first, op.line))

    def up_sql(self, text: str) -> str:
        up = split_sections(text, self.marker).get("up")
        return up.body if up is not None else ""

    def parse(self, candidate: Candidate, blob_sha: str, text: str) -> ParseResult:
        sections = split_sections(text, self.marker)
        message = self.unrecognised_message or f"no `{self.up_marker}` section"
        if not sections:
            return failure(candidate, blob_sha, message, 1) if candidate.strict else None
        if "up" not in sections:
            return failure(candidate, blob_sha, message, sections["down"].line)
        found = self.file_pattern.match(base_name(candidate.path))
        assert found is not None  # select() only lets matching names through
        version, name = found.groups()
        return Migration(
            framework=self.name,
            path=candidate.path,
            blob_sha=blob_sha,
            key=str(int(version)),
            name=name,
            namespace=candidate.namespace,
            order=(int(version),),
            key_line=1,
            rollback=section_rollback(sections, self.down_marker),
        )
