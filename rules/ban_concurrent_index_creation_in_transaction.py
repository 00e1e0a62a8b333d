"""PostgreSQL: a concurrent index operation inside a transactional migration.

What goes wrong: `CREATE INDEX CONCURRENTLY` and `DROP INDEX CONCURRENTLY` refuse to run inside
a transaction block ("cannot run inside a transaction block"). Most tools wrap each migration
in a transaction, so the migration fails at deploy time, often after the other statements of
the same migration already ran elsewhere (or rolled back), leaving environments inconsistent.

Safe alternative: turn the transaction off for that migration and keep the concurrent
statement alone in it: `disable_ddl_transaction!` (Rails), `autocommit_block()` (Alembic),
`atomic = False` (Django), `-- +goose NO TRANSACTION` (goose), `-- migrate:up transaction:false`
(dbmate), `exports.config = { transaction: false }` (Knex), `transaction = false` (TypeORM),
`$withinTransaction = false` (Laravel). A plain SQL file with several statements runs them in
one implicit transaction, so the concurrent statement needs a file of its own.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import each_operation, finding, no_transaction_fix, what

ID = "ban-concurrent-index-creation-in-transaction"
SEVERITY = Severity.ERROR
SUMMARY = "A CONCURRENTLY index operation inside a transactional migration fails at deploy time."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'a concurrent index build or drop, `REINDEX` or partition detach in a transactional migration (fails at deploy)'

EXAMPLES = {
    'sql': (
        'CREATE INDEX CONCURRENTLY users_email ON users (email);\nALTER TABLE users ADD COLUMN age int;',
        '-- +goose NO TRANSACTION\nCREATE INDEX CONCURRENTLY users_email ON users (email);',
    ),
    'rails': (
        '  def change\n    add_index :users, :email, algorithm: :concurrently\n  end',
        '  disable_ddl_transaction!\n\n  def change\n    add_index :users, :email, algorithm: :concurrently\n  end',
    ),
    'knex': (
        'exports.up = async function (knex) {\n  await knex.raw("CREATE INDEX CONCURRENTLY users_email ON users (email)");\n};',
        'exports.config = { transaction: false };\n\nexports.up = async function (knex) {\n  await knex.raw("CREATE INDEX CONCURRENTLY users_email ON users (email)");\n};',
    ),
    'laravel': (
        "    public function up(): void\n    {\n        DB::statement('CREATE INDEX CONCURRENTLY users_email ON users (email)');\n    }",
        "    public $withinTransaction = false;\n\n    public function up(): void\n    {\n        DB::statement('CREATE INDEX CONCURRENTLY users_email ON users (email)');\n    }",
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    kinds = {Op.CREATE_INDEX, Op.DROP_INDEX, Op.REINDEX, Op.DETACH_PARTITION}
    for m, ops, op in each_operation(cs, kinds, dialects={"postgres"}, existing_tables_only=False):
        if not op.concurrently or not ops.transactional or op.outside_transaction:
            continue
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"{what(op)} `CONCURRENTLY` runs inside this migration's transaction: PostgreSQL refuses "
            '("cannot run inside a transaction block") and the deploy fails.',
            no_transaction_fix(m),
            suggestion=False,
        )
