"""SQL embedded in host code (`op.execute("...")`, `execute <<~SQL`, `knex.raw(...)`): its
operations, with suggestions rewritten into the host line where that is possible."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.core.operations import Operation
from bot.syntax.sql_operations import sql_operations


def analyse_sql(sql: str, dialect: str, first_line: int = 1, host_lines: Sequence[str] | None = None) -> list[Operation]:
    """SQL embedded in a migration, analysed with sqlglot: most runs of the CLI never analyse SQL, and sqlglot is the heaviest import (front ends import this module only
    when they analyse a migration).

    A suggestion rewrites a line of the SQL; in the migration file that line sits inside host code
    (`op.execute("CREATE INDEX ...")`), so it is offered only where the SQL line appears once on
    the host line and can be replaced in place; otherwise it is dropped (said in words instead)."""
    ops = sql_operations(sql, dialect, first_line=first_line)
    if not any(o.suggestion for o in ops):
        return ops
    sql_lines = sql.splitlines()
    embedded: list[Operation] = []
    for o in ops:
        if o.suggestion is not None:
            o = replace(o, suggestion=_in_host(o, sql_lines, first_line, host_lines))
        embedded.append(o)
    return embedded


def _in_host(o: Operation, sql_lines: Sequence[str], first_line: int, host_lines: Sequence[str] | None) -> str | None:
    index = o.line - first_line
    if host_lines is None or o.suggestion is None or not 0 <= index < len(sql_lines) or o.line > len(host_lines):
        return None
    original, rewritten = sql_lines[index].strip(), o.suggestion.strip()
    host = host_lines[o.line - 1]
    if not original or host.count(original) != 1:
        return None
    return host.replace(original, rewritten)
