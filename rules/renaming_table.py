"""A table renamed.

What goes wrong: the old code still running during a rolling deploy queries the old name and
fails from the moment the rename commits until the last old instance stops.

Safe alternative (expand/contract): create the new table (or a view with the new name over the
old table), write to both, backfill, switch reads, deploy, then drop the old table later. In
PostgreSQL, renaming the table and leaving a view under the old name keeps simple old queries
working during the switch: a rename followed, in the same migration, by `CREATE VIEW <old name>`
is not reported (outline renames this way; a simple view reads and writes through to the table).
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import MigrationOps, Op, Operation
from rules._operations import each_operation, finding, where

ID = "renaming-table"
SEVERITY = Severity.ERROR
SUMMARY = "Renaming a table breaks the old code still running during a rolling deploy."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'renaming a table breaks the old code still running during a rolling deploy'

EXAMPLES = {
    'sql': (
        'ALTER TABLE users RENAME TO people;',
        'CREATE TABLE people (id bigint PRIMARY KEY);',
    ),
    'knex': (
        'exports.up = async function (knex) {\n  await knex.schema.renameTable("users", "people");\n};',
        'exports.up = async function (knex) {\n  await knex.schema.createTable("people", (t) => { t.bigIncrements("id"); });\n};',
    ),
    'laravel': (
        "    public function up(): void\n    {\n        Schema::rename('users', 'people');\n    }",
        "    public function up(): void\n    {\n        Schema::create('people', function (Blueprint $table) { $table->id(); });\n    }",
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, ops, op in each_operation(cs, {Op.RENAME_TABLE}):
        if _view_left_under_the_old_name(ops, op):
            continue
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"Renaming {where(op)}"
            + (f" to `{op.new_name}`" if op.new_name else "")
            + " breaks every query of the old code still running during the deploy.",
            "Expand/contract: create the new table (or a view under the old name), write both, backfill, switch "
            "reads, then drop the old one later.",
            suggestion=False,
        )


def _view_left_under_the_old_name(ops: MigrationOps, op: Operation) -> bool:
    """A view with the table's old name is created after the rename, in the same migration."""
    after = ops.position(op)
    return any(o.table == op.table and ops.position(o) > after for o in ops.of_kinds({Op.CREATE_VIEW}))
