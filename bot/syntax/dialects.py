"""SQL dialect names and volatile default functions: what front ends need without loading sqlglot."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.operations import Operation

DIALECTS = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "cockroachdb": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
    "sqlserver": "tsql",
    "tsql": "tsql",
    "oracle": "oracle",
}

VOLATILE = {
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "setseed",
    "uuid",  # MySQL
}


_VOLATILE_CALL = re.compile(r"\b(" + "|".join(sorted(VOLATILE, key=len, reverse=True)) + r")\s*\(", re.IGNORECASE)


def volatile_call(text: str | None) -> str | None:
    """The volatile function a default expression written as text calls (``gen_random_uuid()``)."""
    found = _VOLATILE_CALL.search(text or "")
    return f"{found.group(1).lower()}()" if found else None


def normalise_dialect(name: str | None) -> str:
    return DIALECTS.get((name or "postgres").lower(), (name or "postgres").lower())


def analyse_sql(sql: str, dialect: str, first_line: int = 1, host_lines: Sequence[str] | None = None) -> list[Operation]:
    """SQL embedded in a migration, analysed with sqlglot, imported on first use: most runs of the
    CLI never analyse SQL, and sqlglot is the heaviest import.

    A suggestion rewrites a line of the SQL; in the migration file that line sits inside host code
    (`op.execute("CREATE INDEX ...")`), so it is offered only where the SQL line appears once on
    the host line and can be replaced in place; otherwise it is dropped (said in words instead)."""
    from bot.syntax.sql_operations import sql_operations

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


#: how database names appear in code that branches on the adapter (`adapter_name == "SQLServer"`,
#: `url.startswith("mysql")`, `bind.dialect.name == "postgresql"`)
_DIALECT_WORDS = (
    ("postgis", "postgres"), ("postgres", "postgres"), ("mysql", "mysql"), ("trilogy", "mysql"),
    ("mariadb", "mysql"), ("sqlite", "sqlite"), ("sqlserver", "tsql"), ("mssql", "tsql"), ("oracle", "oracle"),
)  # fmt: skip
_ADAPTER_WORDS = ("adapter", "dialect", "url", "engine", "driver", "connection", "bind", "vendor", "database")


def branch_dialects(condition: str) -> tuple[frozenset[str], bool] | None:
    """The databases a condition in migration code selects, and whether it excludes them instead
    (`!=`, `not`, `unless`), when the condition is about the database adapter; else ``None``."""
    lowered = condition.lower()
    if not any(w in lowered for w in _ADAPTER_WORDS):
        return None
    named = frozenset(d for word, d in _DIALECT_WORDS if word in lowered)
    if not named:
        return None
    negated = "!=" in condition or "!~" in condition or lowered.lstrip().startswith(("not ", "!"))
    return named, negated


def branch_constraint(named: frozenset[str], taken: bool) -> str:
    """One branch's condition as a string: `mysql|sqlite` (runs only there) or `!tsql` (never there)."""
    return ("" if taken else "!") + "|".join(sorted(named))


def runs_on(constraints: Sequence[str], dialect: str) -> bool:
    """Whether code under these branch constraints runs on ``dialect`` (all must hold)."""
    for constraint in constraints:
        excluded = constraint.startswith("!")
        names = set(constraint.lstrip("!").split("|"))
        if (dialect in names) == excluded:
            return False
    return True
