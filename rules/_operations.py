"""Shared by the zero-downtime rules: walking the operations of the migrations a change touches."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from bot.core.model import ChangeSet, Finding, Migration, Role, Severity
from bot.core.operations import MigrationOps, Op, Operation
from bot.frameworks import traits_of


def each_migration(cs: ChangeSet, dialects: Collection[str] | None = None) -> Iterator[tuple[Migration, MigrationOps]]:
    """Touched forward migrations whose content will run, with their operations (in ``dialects``)."""
    for m, ops in cs.judged_forward():
        if dialects is None or ops.dialect in dialects:
            yield m, ops


def each_operation(
    cs: ChangeSet,
    kinds: Collection[Op],
    dialects: Collection[str] | None = None,
    existing_tables_only: bool = True,
) -> Iterator[tuple[Migration, MigrationOps, Operation]]:
    """Operations of the given kinds in touched forward migrations; by default only on existing
    tables: not one the migration created before the operation, nor one another migration of this
    change creates (a new table has no rows and no readers, whichever migration made it)."""
    creators = _answers(cs)[1]
    for m, ops in each_migration(cs, dialects):
        for op in ops.of_kinds(kinds):
            if existing_tables_only and not _on_existing_table(m, ops, op, creators):
                continue
            yield m, ops, op


def added_by_the_change(cs: ChangeSet, m: Migration, ops: MigrationOps, op: Operation) -> bool:
    """The column the operation names is one this change adds (earlier in this migration, or in an
    earlier one of the change: the replayed schema says so): no running code reads it yet."""
    if op.column is None:
        return False
    if ops.adds_column_before(op):
        return True
    schema = cs.schemas.get(m.path)
    known = schema.column(op.table, op.column) if schema is not None else None
    return known is not None and known.added


def _on_existing_table(m: Migration, ops: MigrationOps, op: Operation, creators: Creators) -> bool:
    """The operation's table exists before the migration and stays: neither created earlier in it
    nor by another migration of this change, nor dropped later in it."""
    made_elsewhere = creators.get(((m.framework, m.namespace), op.table or ""), set()) - {m.path}
    return ops.on_existing_table(op) and not made_elsewhere and not ops.dropped_later(op)


def _creators(created: Created) -> Creators:
    """(scope, table) -> the migrations of the change that create it: one lookup per operation
    instead of a scan of every migration (a change of hundreds of files stays linear)."""
    index: dict[tuple[tuple[str, str], str], set[str]] = {}
    for (path, scope), tables in created.items():
        for table in tables:
            index.setdefault((scope, table), set()).add(path)
    return index


Created = dict[tuple[str, tuple[str, str]], set[str]]
Creators = dict[tuple[tuple[str, str], str], set[str]]
#: the last change sets asked about, with their answers: every rule asks about the same one, and a
#: change of hundreds of migrations must not be scanned once per rule (identity, not equality: a
#: change set is only ever asked about while it is alive, and it is kept alive here)
_ANSWERS: list[tuple[ChangeSet, Created, Creators]] = []


def _answers(cs: ChangeSet) -> tuple[Created, Creators]:
    """(path, (framework, namespace)) -> the tables that migration, added by this change, creates;
    and the same as (scope, table) -> the migrations that create it."""
    for known, answer, index in _ANSWERS:
        if known is cs:
            return answer, index
    added = cs.added_paths()
    created: Created = {}
    for m in cs.head.migrations:  # not only the judged ones: a suggestion is re-checked on its file alone
        if m.path in added:
            created.update(_created_by(cs, m))
    return _remember(cs, created)


def _created_by(cs: ChangeSet, m: Migration) -> Created:
    if m.role is not Role.UP or m.path not in cs.analysed:
        return {}
    tables = {o.table for o in cs.operations(m).operations if o.kind is Op.CREATE_TABLE and o.table}
    return {(m.path, (m.framework, m.namespace)): tables} if tables else {}


def _remember(cs: ChangeSet, created: Created) -> tuple[Created, Creators]:
    creators = _creators(created)
    _ANSWERS.insert(0, (cs, created, creators))
    del _ANSWERS[4:]
    return created, creators


def seed_created(after: ChangeSet, before: ChangeSet, path: str) -> None:
    """``after`` is ``before`` with the migration at ``path`` rewritten (a suggestion re-checked):
    its answer is ``before``'s with that one migration's tables read again, not a new scan."""
    known, index = _answers(before)
    # ``before``'s answers with that one migration taken out and read again: shallow copies, not
    # a rebuild per re-checked suggestion (that made a change of thousands of files quadratic)
    mine = [key for key in known if key[0] == path]
    created, creators = dict(known), dict(index)
    for key in mine:
        for table in created.pop(key):
            left = creators[(key[1], table)] - {path}
            if left:
                creators[(key[1], table)] = left
            else:
                del creators[(key[1], table)]
    rewritten = next((m for m in after.head.migrations if m.path == path), None)
    if rewritten is not None and path in after.added_paths():
        for (p, scope), tables in _created_by(after, rewritten).items():
            created[(p, scope)] = tables
            for table in tables:
                creators[(scope, table)] = creators.get((scope, table), set()) | {p}
    # ``before`` stays first: every suggestion of the run is re-checked against it, and evicted it
    # was rebuilt (a scan of the whole change) for each one
    _ANSWERS.insert(1 if _ANSWERS and _ANSWERS[0][0] is before else 0, (after, created, creators))
    del _ANSWERS[4:]


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
        suggestion_lines=op.suggestion_lines if suggestion and op.suggestion is not None else None,
    )


def where(op: Operation) -> str:
    """ "`users`" or "the table" for messages."""
    return f"`{op.table}`" if op.table else "the table"


def column(op: Operation, otherwise: str = "a column") -> str:
    """ "`email`", or "a column" in plain words when the front end could not tell which."""
    return f"`{op.column}`" if op.column else otherwise


def what(op: Operation) -> str:
    return f"`{op.detail}`" if op.detail else "this operation"


SQL_CONCURRENT_FIX = "Use `CREATE INDEX CONCURRENTLY` / `DROP INDEX CONCURRENTLY`, alone in its migration file."
NO_TRANSACTION_SQL = "Put the concurrent statement alone in its own migration file, so no transaction wraps it."


def later_migration(m: Migration) -> str:
    """"in a later migration.", with the caveat of a runner that applies several in one transaction."""
    caveat = traits_of(m.framework).shared_transaction
    if caveat and "transaction_per_migration" not in m.runner_sets:
        return f"in a later migration. {caveat}"
    return "in a later migration."


def concurrent_fix(m: Migration) -> str:
    """How this migration's tool builds or drops an index without blocking writes."""
    return traits_of(m.framework).concurrent_index_fix or SQL_CONCURRENT_FIX


def no_transaction_fix(m: Migration) -> str:
    """How this migration's tool runs a migration outside a transaction."""
    return traits_of(m.framework).no_transaction_fix or NO_TRANSACTION_SQL


#: operations that take a lock which makes other sessions' reads or writes wait (ACCESS EXCLUSIVE,
#: SHARE, SHARE ROW EXCLUSIVE) while they wait for it themselves; concurrent forms excepted
_BLOCKING = {Op.ADD_COLUMN, Op.DROP_COLUMN, Op.RENAME_COLUMN, Op.RENAME_TABLE, Op.ALTER_COLUMN_TYPE, Op.SET_NOT_NULL,
             Op.DROP_NOT_NULL, Op.CREATE_INDEX, Op.DROP_INDEX, Op.ADD_FOREIGN_KEY, Op.ADD_CHECK, Op.ADD_UNIQUE,
             Op.DROP_TABLE, Op.REINDEX, Op.DETACH_PARTITION, Op.DROP_CONSTRAINT, Op.SET_DEFAULT,
             Op.CREATE_TRIGGER, Op.DROP_TRIGGER}  # fmt: skip


def first_blocking_without(cs: ChangeSet, setting: str, source: str | None) -> Iterator[tuple[Migration, Operation]]:
    """Per PostgreSQL migration, its first statement that takes a blocking lock on an existing
    table before any ``SET <setting>`` (TRUNCATE counts: ACCESS EXCLUSIVE), unless the runner sets it
    for every migration (strong_migrations' initializer, Alembic's env.py). ``source``: where the
    configuration says the setting is made (``None``: not said: then only migrations of tools whose
    runner is not the usual place for it are judged)."""
    if source in ("set-by-role", "set-by-runner"):
        return
    done: set[str] = set()
    creators = _answers(cs)[1]
    kinds = {*_BLOCKING, Op.SET, Op.DATA}
    for m, ops, op in each_operation(cs, kinds, dialects={"postgres"}, existing_tables_only=False):
        if m.path in done or (source is None and traits_of(m.framework).timeouts_elsewhere) or setting in m.runner_sets:
            continue
        if op.kind is Op.SET:
            if op.setting == setting:
                done.add(m.path)
            continue
        blocking = (op.kind in _BLOCKING and not op.concurrently) or (op.kind is Op.DATA and op.detail == "TRUNCATE")
        if blocking and _on_existing_table(m, ops, op, creators):
            done.add(m.path)
            yield m, op


__all__ = ["added_by_the_change", "column", "concurrent_fix", "each_migration", "each_operation", "finding", "first_blocking_without", "later_migration", "no_transaction_fix", "seed_created", "what", "where"]
