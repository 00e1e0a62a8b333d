"""Shared by the type rules of taste (squawk's ``prefer-*`` and ``ban-char-field``): every column a
migration defines or retypes, and the edit of its line that swaps the type."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from bot.core.model import ChangeSet, Finding, Migration, Severity
from bot.core.operations import ColumnSpec, Op
from bot.frameworks import traits_of
from rules._operations import each_migration

#: where a column gets its type: a new table's columns, an added column, a column retyped
_DEFINING = (Op.CREATE_TABLE, Op.ADD_COLUMN, Op.ALTER_COLUMN_TYPE)


def element(column_type: tuple[str, ...] | None) -> tuple[str, ...]:
    """The type itself, or an array's element type (``int[]`` is judged as ``int``)."""
    while column_type and column_type[0] == "array" and len(column_type) > 1:
        column_type = column_type[1:]
    return column_type or ("",)


def each_column(cs: ChangeSet) -> Iterator[tuple[Migration, ColumnSpec]]:
    """Every column the touched PostgreSQL migrations define or retype, on new tables too (a type
    is chosen once, when the table is made), temporary tables excepted."""
    for m, ops in each_migration(cs, {"postgres"}):
        for op in ops.of_kinds(_DEFINING):
            if not op.temporary:
                yield from ((m, c) for c in op.columns)


Swap = tuple[str, Callable[[str], str]]  # a pattern of the type as written, and what it becomes


def words(table: dict[str, str]) -> Swap:
    """A swap of whole words (lower-case spelling -> the new one): ``{"int": "bigint"}``."""
    pattern = r"\b(?:" + "|".join(sorted(map(re.escape, table), key=len, reverse=True)) + r")\b"
    return pattern, lambda written: table[written.lower()]


def retyped(lines: list[str], column: ColumnSpec, swap: Swap | None) -> str | None:
    """The column's SQL line with its type swapped, when the line names the column and exactly one
    match of the swap's pattern follows it; else no suggestion."""
    if swap is None or not column.sql or not 0 < column.line <= len(lines):
        return None
    line = lines[column.line - 1]
    name = re.search(rf'(?<![\w"]){re.escape(column.name)}(?![\w"])|"{re.escape(column.name)}"', line, re.IGNORECASE)
    if name is None:
        return None
    pattern, replace = swap
    found = list(re.compile(pattern, re.IGNORECASE).finditer(line, name.end()))
    if len(found) != 1:
        return None
    hit = found[0]
    return line[: hit.start()] + replace(hit.group(0)) + line[hit.end() :]


def type_findings(
    cs: ChangeSet,
    rule: str,
    severity: Severity,
    wrong: Callable[[tuple[str, ...]], bool],  # of the (element) type
    message: Callable[[ColumnSpec], str],
    help: str,
    swap: Swap | None,
    about_range: bool = False,
) -> Iterator[Finding]:
    """One finding per column whose (element) type is ``wrong``, with the retyped line as a suggestion;
    ``about_range``: the rule is about running out of values, so a column whose values are capped
    where it is declared (Django ``choices``, a ``MaxValueValidator``) is fine."""
    lines: dict[str, list[str]] = {}  # each file split once, however many columns it has
    for m, column in each_column(cs):
        if column.type is None or not wrong(element(column.type)):
            continue
        if column.bounded and about_range:  # the values are capped where the column is declared: they cannot run out
            continue
        source = traits_of(m.framework).generated_from
        if m.path not in lines:
            lines[m.path] = cs.texts.get(m.path, "").splitlines()
        suggestion = retyped(lines[m.path], column, swap) if source is None else None
        own = traits_of(m.framework).type_fixes.get(rule) if not column.sql else None  # the fix in the DSL's terms
        said = own or help if source is None else f"{help} This SQL is generated from {source}: change the type there and generate it again."
        yield Finding(rule, severity, m.path, column.line, message(column), said, m.framework, suggestion=suggestion,
                      suggestion_lines=(column.line, column.line) if suggestion is not None else None)  # fmt: skip
