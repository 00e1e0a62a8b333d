"""A `varchar(n)` column.

What goes wrong: the length limit is a business rule stored in the type; raising it is cheap in
PostgreSQL, but lowering it, or changing it on old versions or with an index or view on the column,
is `ALTER COLUMN ... TYPE` under an ACCESS EXCLUSIVE lock, and squawk treats every change of it as
such. `text` stores the same and a `CHECK (char_length(col) <= n)` can be changed `NOT VALID`
without a lock on reads. squawk: `prefer-text-field`. Off by default: Django's `CharField` and many
schemas use `varchar(n)` on purpose.

Safe alternative: `text`, with a `CHECK` constraint where a limit matters.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from rules._types import Swap, type_findings

ID = "prefer-text-field"
SEVERITY = Severity.NOTICE
ON_BY_DEFAULT = False
SUMMARY = "A varchar(n) column: the limit lives in the type, and changing it takes the table's strongest lock."
GROUP = "style"
CATCHES = "`varchar(n)` columns (arrays too) in `CREATE TABLE`, `ADD COLUMN`, `ALTER COLUMN ... TYPE`; plain `varchar` is `text`"
APPLIES_TO = ("sql", "rails", "alembic", "django", "knex", "laravel", "sequelize")

EXAMPLES = {
    "sql": ("CREATE TABLE notes (body varchar(100) NOT NULL);", "CREATE TABLE notes (body text NOT NULL);"),
}


#: `varchar(100)`, `character varying (100)`, `pg_catalog.varchar(100)`, `"varchar"(100)` -> text
_SWAP: Swap = (r'(?:pg_catalog\.)?(?:\bvarchar\b|"varchar"|\bcharacter\s+varying\b)\s*\(\s*\d+\s*\)', lambda _written: "text")


def check(cs: ChangeSet) -> Iterator[Finding]:
    return type_findings(
        cs, ID, SEVERITY, lambda t: t[0] == "varchar" and len(t) > 1 and bool(t[1]),
        lambda c: f"`{c.name}` is a `varchar` with a length: changing the limit later takes an ACCESS EXCLUSIVE lock.",
        "Use `text`, with a `CHECK (char_length(...) <= n)` constraint where the limit matters.", _SWAP,
    )  # fmt: skip
