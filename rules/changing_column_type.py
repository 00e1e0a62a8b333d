"""A column's type changed on an existing table.

Lock: most type changes rewrite the table and its indexes under an ACCESS EXCLUSIVE lock
(PostgreSQL), or copy the table (MySQL `ALGORITHM=COPY`): no reads or writes until done. Old
code still running during the deploy may also write values the new type rejects. Changes that
PostgreSQL makes in the catalog only (the same type, a wider `varchar`, `varchar` to `text`, a
`numeric` with more digits and the same scale) are not reported when the column's type before the
migration is known from the replayed history (SQL files, Django fields, Rails, Alembic's
`existing_type`); when it is not known (Knex `.alter()` and Laravel `->change()` today), the change
is reported. A `USING` expression that computes new values (anything but the column or a cast of
it) rewrites the table, and a new `COLLATE` rebuilds every index on the column, whatever the types.

Safe alternative: add a new column of the new type, write to both (trigger or application),
backfill in batches, switch reads, then drop the old column in a later deploy. On MySQL, state
`ALGORITHM=INPLACE, LOCK=NONE` so the change fails fast instead of copying under a lock.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import column, each_operation, finding, what, where

ID = "changing-column-type"
SEVERITY = Severity.WARNING
SUMMARY = "Changing a column's type usually rewrites the table under an exclusive lock."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'a type change that rewrites the table (MySQL `MODIFY`/`CHANGE COLUMN` too, with MySQL advice)'

EXAMPLES = {
    'sql': (
        'ALTER TABLE users ALTER COLUMN id TYPE int;',
        'ALTER TABLE users ALTER COLUMN name TYPE varchar(100);',
    ),
    'knex': (
        'exports.up = async function (knex) {\n  await knex.schema.alterTable("users", (t) => {\n    t.integer("id").alter();\n  });\n};',
        'exports.up = async function (knex) {\n  await knex.schema.alterTable("users", (t) => {\n    t.bigInteger("org_id_new");\n  });\n};',
    ),
    'laravel': (
        "    public function up(): void\n    {\n        Schema::table('users', function (Blueprint $table) {\n            $table->integer('id')->change();\n        });\n    }",
        "    public function up(): void\n    {\n        Schema::table('users', function (Blueprint $table) {\n            $table->bigInteger('org_id_new')->nullable();\n        });\n    }",
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, ops, op in each_operation(cs, {Op.ALTER_COLUMN_TYPE}):
        mysql = ops.dialect == "mysql"
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"{what(op)} on {column(op)} of {where(op)} "
            + (
                "may copy the table (ALGORITHM=COPY) under a lock."
                if mysql
                else f"{op.recomputes}, under an ACCESS EXCLUSIVE lock."
                if op.recomputes
                else "rewrites the table under an ACCESS EXCLUSIVE lock."
                if op.known_rewrite
                else "rewrites the table under an ACCESS EXCLUSIVE lock unless the change is catalog-only (the "
                "column's type before it is not known here)."
            ),
            "State `ALGORITHM=INPLACE, LOCK=NONE` so MySQL refuses a blocking copy."
            if mysql
            else "Add a new column, write both, backfill, switch reads, then drop the old column later.",
        )
