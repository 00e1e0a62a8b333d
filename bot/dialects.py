"""SQL dialect names and volatile default functions: what front ends need without loading sqlglot."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.operations import Operation

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


def analyse_sql(sql: str, dialect: str, first_line: int = 1) -> list[Operation]:
    """SQL embedded in a migration, analysed with sqlglot, imported on first use: most runs of the
    CLI never analyse SQL, and sqlglot is the heaviest import."""
    from bot.sql_operations import sql_operations

    return sql_operations(sql, dialect, first_line=first_line)
