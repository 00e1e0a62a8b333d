"""PostgreSQL: a PRIMARY KEY added to an existing table by building its index.

Lock: `ALTER TABLE ... ADD PRIMARY KEY (col)` (or `ADD COLUMN id bigserial PRIMARY KEY`) builds the
unique index under an ACCESS EXCLUSIVE lock, and first checks that every key column is NOT NULL,
setting it with a full scan if it is not: no reads or writes for the whole build. squawk:
`adding-serial-primary-key-field` (its message: "Adding a primary key constraint requires an
ACCESS EXCLUSIVE lock").

Safe alternative: make the columns NOT NULL safely first (a `CHECK (col IS NOT NULL) NOT VALID`,
validated, then `SET NOT NULL`), build `CREATE UNIQUE INDEX CONCURRENTLY pk_idx ON t (col)`, then
`ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX pk_idx` (instant).
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding, what, where

ID = "adding-serial-primary-key-field"
SEVERITY = Severity.WARNING
SUMMARY = "PostgreSQL: ADD PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock."
GROUP = "zero-downtime"
CATCHES = "`ADD PRIMARY KEY` (or a column added `PRIMARY KEY`) on an existing table not `USING INDEX` a concurrently built one"
APPLIES_TO = ("sql", "alembic", "knex", "laravel", "sequelize", "typeorm")

EXAMPLES = {
    "sql": (
        "ALTER TABLE users ADD PRIMARY KEY (id);",
        "-- +goose NO TRANSACTION\nCREATE UNIQUE INDEX CONCURRENTLY users_pk_idx ON users (id);\n"
        "ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_pk_idx;",
    ),
    "alembic": (
        '    op.create_primary_key("users_pkey", "users", ["id"])',
        '    op.execute("ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_pk_idx")',
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, {Op.ADD_UNIQUE}, dialects={"postgres"}):
        if not op.primary_key or op.using_index:
            continue
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"{what(op)} on {where(op)} builds the primary key's index under an ACCESS EXCLUSIVE lock: reads and "
            "writes wait for the whole build.",
            "Build `CREATE UNIQUE INDEX CONCURRENTLY` on the key columns (made NOT NULL safely first), then "
            "`ADD CONSTRAINT ... PRIMARY KEY USING INDEX`.",
        )
