"""SQL dialect names and volatile default functions: what front ends need without loading sqlglot."""

from __future__ import annotations

import re
from collections.abc import Sequence

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


#: how database names appear in code that branches on the adapter (`adapter_name == "SQLServer"`,
#: `url.startswith("mysql")`, `bind.dialect.name == "postgresql"`)
_DIALECT_WORDS = (
    ("postgis", "postgres"), ("postgres", "postgres"), ("pgsql", "postgres"), ("mysql", "mysql"), ("trilogy", "mysql"),
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
