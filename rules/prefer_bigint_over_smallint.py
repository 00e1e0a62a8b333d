"""A 16-bit integer column (`smallint`, `int2`, `smallserial`).

What goes wrong: it stops at 32,767; widening it later is `ALTER COLUMN ... TYPE bigint`, which
rewrites the table and its indexes under an ACCESS EXCLUSIVE lock. squawk:
`prefer-bigint-over-smallint`. Off by default (a choice of taste: an enum-like code may never grow).

Safe alternative: `bigint` (`int8`) or `bigserial`.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from rules._types import type_findings, words

ID = "prefer-bigint-over-smallint"
SEVERITY = Severity.NOTICE
ON_BY_DEFAULT = False
SUMMARY = "A 16-bit integer column: it stops at 32,767, and widening it later rewrites the table."
GROUP = "style"
CATCHES = "`smallint`/`int2`/`smallserial` columns (arrays too) in `CREATE TABLE`, `ADD COLUMN`, `ALTER COLUMN ... TYPE`"
APPLIES_TO = ("sql", "rails", "alembic", "django", "knex", "laravel", "sequelize")

EXAMPLES = {
    "sql": ("ALTER TABLE users ADD COLUMN logins smallint;", "ALTER TABLE users ADD COLUMN logins bigint;"),
}

_WORDS = words({"smallint": "bigint", "int2": "int8", "smallserial": "bigserial", "serial2": "serial8"})


def check(cs: ChangeSet) -> Iterator[Finding]:
    return type_findings(
        cs, ID, SEVERITY, lambda t: t[0] in ("smallint", "smallserial"),
        lambda c: f"`{c.name}` is a 16-bit integer: it stops at 32,767, and widening it later rewrites the table.",
        "Use `bigint` (or `bigserial`).", _WORDS, about_range=True,
    )  # fmt: skip
