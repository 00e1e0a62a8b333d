"""A column renamed on an existing table.

What goes wrong: during a rolling deploy the old code keeps running next to the new one; the
moment the rename commits, every query of the old code that names the column fails. The rename
itself is instant, the outage lasts until the last old instance is gone (and comes back on a
rollback). Not reported: a column the change itself adds (earlier in the migration, or in an
earlier migration of the change: the replayed schema says so), which no running code reads yet.

Safe alternative (expand/contract): add the new column, write to both, backfill, switch reads
to the new column, deploy, then drop the old column in a later release. Rails: `ignored_columns`
while the code changes; Django: `db_column=` to keep the database name.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op, Operation
from rules._operations import added_by_the_change, each_operation, finding, where

ID = "renaming-column"
SEVERITY = Severity.ERROR
SUMMARY = "Renaming a column breaks the old code still running during a rolling deploy."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'renaming a column breaks the old code still running during a rolling deploy'

EXAMPLES = {
    'sql': (
        'ALTER TABLE users RENAME COLUMN name TO full_name;',
        'ALTER TABLE users ADD COLUMN full_name varchar(100);',
    ),
    'knex': (
        'exports.up = async function (knex) {\n  await knex.schema.alterTable("users", (t) => {\n    t.renameColumn("name", "full_name");\n  });\n};',
        'exports.up = async function (knex) {\n  await knex.schema.alterTable("users", (t) => {\n    t.string("full_name", 100);\n  });\n};',
    ),
    'laravel': (
        "    public function up(): void\n    {\n        Schema::table('users', function (Blueprint $table) {\n            $table->renameColumn('name', 'full_name');\n        });\n    }",
        "    public function up(): void\n    {\n        Schema::table('users', function (Blueprint $table) {\n            $table->string('full_name', 100)->nullable();\n        });\n    }",
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, ops, op in each_operation(cs, {Op.RENAME_COLUMN}):
        if added_by_the_change(cs, m, ops, op):
            continue  # no running code reads a column the change itself adds
        old, new = op.column or "the column", op.new_name or "its new name"
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"Renaming `{old}`{_known(op)} of {where(op)} to `{new}` breaks every query of the old code still "
            "running during the deploy.",
            f"Expand/contract: add `{new}`, write both, backfill, switch reads, deploy, then drop `{old}` later.",
            suggestion=False,
        )


def _known(op: Operation) -> str:
    """`` (a varchar(50) column, used by index `users_name`)`` when the replayed schema knows it."""
    return f" ({op.context})" if op.context else ""
