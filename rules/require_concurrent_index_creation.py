"""PostgreSQL: an index built on an existing table without `CONCURRENTLY`.

Lock: `CREATE INDEX` takes a SHARE lock on the table for the whole build: every INSERT,
UPDATE and DELETE waits (reads continue). On a large table the build takes minutes, and so
does the write outage; requests pile up behind the lock until the deploy times out.

Safe alternative: `CREATE INDEX CONCURRENTLY` builds the index while writes continue (two table
scans, no blocking lock). It cannot run inside a transaction, so it goes in a migration of its
own with the transaction off (`algorithm: :concurrently` + `disable_ddl_transaction!` in Rails,
`postgresql_concurrently=True` in an `autocommit_block()` in Alembic, `AddIndexConcurrently` with
`atomic = False` in Django, `concurrently: true` in Sequelize). If it fails it leaves an INVALID
index: drop it and retry. Tables created in the same migration are exempt.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.model import ChangeSet, Finding, Severity
from bot.core.operations import Op
from rules._operations import concurrent_fix, each_operation, finding, what, where

ID = "require-concurrent-index-creation"
SEVERITY = Severity.WARNING
SUMMARY = "PostgreSQL: CREATE INDEX on an existing table without CONCURRENTLY blocks writes while it builds."
GROUP = "zero-downtime"
#: the README's "what it catches" (generated into the rule tables by tools/generate_docs.py)
CATCHES = 'PostgreSQL `CREATE INDEX` without `CONCURRENTLY` (Rails without `algorithm: :concurrently`, Alembic without `postgresql_concurrently=True`, Django `AddIndex`, Sequelize without `concurrently: true`, Knex index builders)'

EXAMPLES = {
    'sql': (
        'CREATE INDEX users_email ON users (email);',
        '-- +goose NO TRANSACTION\nCREATE INDEX CONCURRENTLY users_email ON users (email);',
    ),
    'rails': (
        '  def change\n    add_index :users, :email\n  end',
        '  disable_ddl_transaction!\n\n  def change\n    add_index :users, :email, algorithm: :concurrently\n  end',
    ),
    'alembic': (
        '    op.create_index("ix_users_email", "users", ["email"])',
        '    with op.get_context().autocommit_block():\n        op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)',
    ),
    'django': (
        "    operations = [\n        migrations.AddIndex(model_name='user', index=models.Index(fields=['email'], name='user_email')),\n    ]",
        "    atomic = False\n\n    operations = [\n        AddIndexConcurrently(model_name='user', index=models.Index(fields=['email'], name='user_email')),\n    ]",
    ),
    'knex': (
        'exports.up = async function (knex) {\n  await knex.schema.alterTable("users", (t) => {\n    t.index(["email"], "users_email");\n  });\n};',
        'exports.config = { transaction: false };\n\nexports.up = async function (knex) {\n  await knex.raw("CREATE INDEX CONCURRENTLY users_email ON users (email)");\n};',
    ),
    'laravel': (
        "    public function up(): void\n    {\n        Schema::table('users', function (Blueprint $table) {\n            $table->index('email');\n        });\n    }",
        "    public $withinTransaction = false;\n\n    public function up(): void\n    {\n        DB::statement('CREATE INDEX CONCURRENTLY users_email ON users (email)');\n    }",
    ),
}


def check(cs: ChangeSet) -> Iterator[Finding]:
    for m, _ops, op in each_operation(cs, {Op.CREATE_INDEX}, dialects={"postgres"}):
        if op.concurrently:
            continue
        yield finding(
            ID,
            SEVERITY,
            m,
            op,
            f"{what(op)} on {where(op)} without `CONCURRENTLY` takes a SHARE lock: every write to {where(op)} "
            "waits until the index is built.",
            concurrent_fix(m),
        )
