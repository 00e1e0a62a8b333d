"""Shared by the zero-downtime rules: walking the operations of the migrations a change touches."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from bot.core.model import ChangeSet, Finding, Migration, Role, Severity
from bot.core.operations import MigrationOps, Op, Operation


def each_operation(
    cs: ChangeSet,
    kinds: Collection[Op],
    dialects: Collection[str] | None = None,
    existing_tables_only: bool = True,
) -> Iterator[tuple[Migration, MigrationOps, Operation]]:
    """Operations of the given kinds in touched forward migrations; by default only on tables the
    migration did not create itself (a new table has no rows and no readers)."""
    for m in cs.judged_migrations():
        if m.role is not Role.UP:
            continue
        ops = cs.operations(m)
        if dialects is not None and ops.dialect not in dialects:
            continue
        for op in ops.operations:
            if op.kind in kinds and (not existing_tables_only or ops.on_existing_table(op)):
                yield m, ops, op


def finding(
    rule: str, severity: Severity, m: Migration, op: Operation, message: str, help: str, suggestion: bool = True
) -> Finding:
    return Finding(
        rule,
        severity,
        m.path,
        op.line,
        message,
        help,
        m.framework,
        end_line=op.end_line if op.end_line and op.end_line != op.line else None,
        suggestion=op.suggestion if suggestion else None,
    )


def where(op: Operation) -> str:
    """ "`users`" or "the table" for messages."""
    return f"`{op.table}`" if op.table else "the table"


def what(op: Operation) -> str:
    return f"`{op.detail}`" if op.detail else "this operation"


#: how each front end spells "build the index concurrently, outside a transaction"
CONCURRENT_FIX = {
    "rails": "Use `algorithm: :concurrently` and add `disable_ddl_transaction!` to the migration class.",
    "alembic": "Pass `postgresql_concurrently=True` inside `with op.get_context().autocommit_block():`.",
    "django": "Use `AddIndexConcurrently` / `RemoveIndexConcurrently` (django.contrib.postgres.operations) "
    "and set `atomic = False` on the migration.",
    "sequelize": "Pass `concurrently: true` in the index options.",
    "knex": "knex's index builders cannot do it: use `knex.raw('CREATE INDEX CONCURRENTLY ...')` and "
    "`exports.config = { transaction: false }`.",
    "typeorm": "Use `queryRunner.query('CREATE INDEX CONCURRENTLY ...')` and set `transaction = false` on the class.",
    "laravel": "Use `DB::statement('CREATE INDEX CONCURRENTLY ...')` and `public $withinTransaction = false;`.",
    "goose": "Use `CREATE INDEX CONCURRENTLY` and add `-- +goose NO TRANSACTION` at the top of the file.",
    "dbmate": "Use `CREATE INDEX CONCURRENTLY` and write `-- migrate:up transaction:false`.",
}
SQL_CONCURRENT_FIX = "Use `CREATE INDEX CONCURRENTLY` / `DROP INDEX CONCURRENTLY`, alone in its migration file."

#: how each front end turns its transaction off
NO_TRANSACTION_FIX = {
    "rails": "Add `disable_ddl_transaction!` to the migration class.",
    "alembic": "Move the operation into `with op.get_context().autocommit_block():`.",
    "django": "Set `atomic = False` on the Migration class.",
    "knex": "Add `exports.config = { transaction: false };`.",
    "typeorm": "Set `transaction = false` on the migration class.",
    "laravel": "Add `public $withinTransaction = false;` to the migration class.",
    "goose": "Add `-- +goose NO TRANSACTION` at the top of the file.",
    "dbmate": "Write the up marker as `-- migrate:up transaction:false`.",
    "sequelize": "Run it outside `queryInterface.sequelize.transaction(...)`.",
}
NO_TRANSACTION_SQL = "Put the concurrent statement alone in its own migration file, so no transaction wraps it."

EXISTING = {Op.CREATE_TABLE}
__all__ = ["CONCURRENT_FIX", "EXISTING", "NO_TRANSACTION_FIX", "each_operation", "finding", "what", "where"]
