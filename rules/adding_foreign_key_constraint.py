"""PostgreSQL: a foreign key added to an existing table without `NOT VALID`.

Lock: adding a foreign key takes SHARE ROW EXCLUSIVE locks on both tables and scans the
referencing table to validate every row: writes to both tables wait for the whole scan.

Not reported: a foreign key declared with the nullable column it adds, without a default
(`ADD COLUMN org_id bigint REFERENCES orgs`, Django's `AddField(ForeignKey(null=True))`): the
column is all NULL and PostgreSQL checks no row (measured on PostgreSQL 15: 1 ms on 2 million
rows, against 146 ms for the same key added by a separate `ADD CONSTRAINT`).

Safe alternative: add the foreign key `NOT VALID` (Rails: `add_foreign_key ..., validate: false`),
which is instant and enforces new rows, then in a later migration `VALIDATE CONSTRAINT`
(`validate_foreign_key` in Rails), which scans without blocking writes.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import MigrationOps, Op, Operation
from rules._operations import each_operation, finding, later_migration, what, where

ID = "adding-foreign-key-constraint"
SEVERITY = Severity.WARNING
SUMMARY = "PostgreSQL: a foreign key without NOT VALID blocks writes on both tables while it validates."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'a foreign key without `NOT VALID` (Rails `validate: false`)'

EXAMPLES = {
    'sql': (
        'ALTER TABLE users ADD CONSTRAINT fk_org FOREIGN KEY (org_id) REFERENCES orgs (id);',
        'ALTER TABLE users ADD CONSTRAINT fk_org FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID;',
    ),
    'rails': (
        '  def change\n    add_foreign_key :users, :orgs\n  end',
        '  def change\n    add_foreign_key :users, :orgs, validate: false\n  end',
    ),
    'alembic': (
        '    op.create_foreign_key("fk_org", "users", "orgs", ["org_id"], ["id"])',
        '    op.create_foreign_key("fk_org", "users", "orgs", ["org_id"], ["id"], postgresql_not_valid=True)',
    ),
    'knex': (
        'exports.up = async function (knex) {\n  await knex.schema.alterTable("users", (t) => {\n    t.foreign("org_id").references("orgs.id");\n  });\n};',
        'exports.up = async function (knex) {\n  await knex.raw("ALTER TABLE users ADD CONSTRAINT fk_org FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID");\n};',
    ),
    'laravel': (
        "    public function up(): void\n    {\n        Schema::table('users', function (Blueprint $table) {\n            $table->foreign('org_id')->references('id')->on('orgs');\n        });\n    }",
        "    public function up(): void\n    {\n        DB::statement('ALTER TABLE users ADD CONSTRAINT fk_org FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID');\n    }",
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    empty_columns: dict[int, dict[tuple[str | None, str | None], int]] = {}  # per migration, read once
    for m, ops, op in each_operation(cs, {Op.ADD_FOREIGN_KEY}, dialects={"postgres"}):
        if op.not_valid:
            continue
        if id(ops) not in empty_columns:
            empty_columns[id(ops)] = _empty_columns_added(ops)
        empty = _on_new_empty_column(ops, op, empty_columns[id(ops)])
        if empty and op.with_column:
            continue  # declared with the column it adds, all NULL: PostgreSQL reads no row to check it
        if empty:
            message = (
                f"{what(op)} on {where(op)} without `NOT VALID`: `{op.column}` is a column this migration adds, still "
                "all NULL, so no row can fail the check, but PostgreSQL still reads every row of the table to "
                "check it, under SHARE ROW EXCLUSIVE locks on both tables: writes to either wait for one full scan."
            )
        else:
            message = (
                f"{what(op)} on {where(op)} without `NOT VALID` scans it under SHARE ROW EXCLUSIVE locks on both "
                "tables: writes to either wait."
            )
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            message,
            "Add the foreign key `NOT VALID` (Rails: `validate: false`), then `VALIDATE CONSTRAINT` "
            + (later_migration(m) if ops.transactional else "after it: this migration runs outside a transaction, "
               "so the add commits at once and the validation lets writes go on."),
        )


def _empty_columns_added(ops: MigrationOps) -> dict[tuple[str | None, str | None], int]:
    """(table, column) -> where the migration first adds it nullable and without a default."""
    added: dict[tuple[str | None, str | None], int] = {}
    for i, other in enumerate(ops.operations):
        if other.kind is Op.ADD_COLUMN and not other.not_null and not other.has_default:
            added.setdefault((other.table, other.column), i)
    return added


def _on_new_empty_column(ops: MigrationOps, op: Operation, added: dict[tuple[str | None, str | None], int]) -> bool:
    """The key column is added earlier in the same migration, nullable and without a default."""
    if op.column is None or (op.table, op.column) not in added:
        return False
    return added[(op.table, op.column)] < ops.position(op)
