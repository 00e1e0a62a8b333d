"""PostgreSQL: an index dropped without `CONCURRENTLY`.

Lock: `DROP INDEX` takes an ACCESS EXCLUSIVE lock on the index's table: reads and writes wait,
and the drop itself waits behind any long-running query, queueing everything after it.

Safe alternative: `DROP INDEX CONCURRENTLY` (outside a transaction: a migration of its own with
the transaction off; `algorithm: :concurrently` in Rails, `postgresql_concurrently=True` in
Alembic, `RemoveIndexConcurrently` in Django).
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import concurrent_fix, each_operation, finding, what

ID = "require-concurrent-index-deletion"
SEVERITY = Severity.WARNING
SUMMARY = "PostgreSQL: DROP INDEX without CONCURRENTLY locks the table against reads and writes."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'PostgreSQL `DROP INDEX` without `CONCURRENTLY`'

EXAMPLES = {
    'sql': (
        'DROP INDEX users_name;',
        '-- +goose NO TRANSACTION\nDROP INDEX CONCURRENTLY users_name;',
    ),
    'knex': (
        'exports.up = async function (knex) {\n  await knex.schema.alterTable("users", (t) => {\n    t.dropIndex([], "users_name");\n  });\n};',
        'exports.config = { transaction: false };\n\nexports.up = async function (knex) {\n  await knex.raw("DROP INDEX CONCURRENTLY users_name");\n};',
    ),
    'laravel': (
        "    public function up(): void\n    {\n        Schema::table('users', function (Blueprint $table) {\n            $table->dropIndex('users_name');\n        });\n    }",
        "    public $withinTransaction = false;\n\n    public function up(): void\n    {\n        DB::statement('DROP INDEX CONCURRENTLY users_name');\n    }",
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, {Op.DROP_INDEX}, dialects={"postgres"}):
        if op.concurrently:
            continue
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"{what(op)} without `CONCURRENTLY` takes an ACCESS EXCLUSIVE lock on the table: reads and writes wait.",
            concurrent_fix(m),
        )
