"""A column dropped from an existing table.

What goes wrong: the old code still running during a rolling deploy may still read or write the
column (ORMs often select every column they know), and fails once the drop commits; a rollback
of the code cannot bring the data back. Not reported: a column the change itself adds, which no
running code reads and which holds no data yet; a drop in a directory that runs only after the new
code is deployed (Rails' `db/post_migrate`): that is the contract step.

Safe alternative (contract step): first deploy code that no longer uses the column (Rails:
`self.ignored_columns += ["col"]`; Django: remove the field in a release before the migration
with `SeparateDatabaseAndState`), then drop the column in a later migration.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op, Operation
from bot.frameworks import traits_of
from rules._operations import added_by_the_change, column, each_operation, finding, where

ID = "ban-drop-column"
SEVERITY = Severity.WARNING
SUMMARY = "Dropping a column breaks old code that still uses it, and its data cannot come back."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'dropping a column breaks old code that still uses it; the data is gone'

EXAMPLES = {
    'sql': (
        'ALTER TABLE users DROP COLUMN name;',
        'CREATE TABLE scratch (id int, note text);\nALTER TABLE scratch DROP COLUMN note;',
    ),
    'knex': (
        'exports.up = async function (knex) {\n  await knex.schema.alterTable("users", (t) => {\n    t.dropColumn("name");\n  });\n};',
        'exports.up = async function (knex) {\n  await knex.schema.createTable("scratch", (t) => { t.integer("id"); t.text("note"); });\n  await knex.schema.alterTable("scratch", (t) => {\n    t.dropColumn("note");\n  });\n};',
    ),
    'laravel': (
        "    public function up(): void\n    {\n        Schema::table('users', function (Blueprint $table) {\n            $table->dropColumn('name');\n        });\n    }",
        "    public function up(): void\n    {\n        Schema::create('scratch', function (Blueprint $table) { $table->id(); $table->text('note'); });\n        Schema::table('scratch', function (Blueprint $table) {\n            $table->dropColumn('note');\n        });\n    }",
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, ops, op in each_operation(cs, {Op.DROP_COLUMN}):
        if added_by_the_change(cs, m, ops, op):
            continue  # no running code reads a column the change itself adds
        if traits_of(m.framework).runs_after_deploy(m.path):
            continue  # a post-deployment migration: the old code is gone when it runs (the contract step)
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"Dropping {column(op)}{_known(op)} from {where(op)} breaks old code that still reads or "
            "writes it during the deploy, and the data is gone.",
            "Ship code that ignores the column first (Rails `ignored_columns`), then drop it in a later migration.",
            suggestion=False,
        )


def _known(op: Operation) -> str:
    """`` (a varchar(50) column, used by index `users_name`)`` when the replayed schema knows it."""
    return f" ({op.context})" if op.context else ""
