"""What a migration does to the database: one list of schema operations for every front end.

SQL files, ``RunSQL``/``op.execute``/``execute``/``query``/``raw``/``DB::statement`` strings,
Alembic ``op.*`` calls, Django operations, the Rails DSL and the JS/PHP schema builders all
become ``Operation`` records with their source lines, so each zero-downtime rule is written
once, over this list.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property


class Op(enum.StrEnum):
    CREATE_TABLE = "create-table"
    DROP_TABLE = "drop-table"
    RENAME_TABLE = "rename-table"
    ADD_COLUMN = "add-column"
    DROP_COLUMN = "drop-column"
    RENAME_COLUMN = "rename-column"
    ALTER_COLUMN_TYPE = "alter-column-type"
    SET_NOT_NULL = "set-not-null"
    CREATE_INDEX = "create-index"
    DROP_INDEX = "drop-index"
    ADD_FOREIGN_KEY = "add-foreign-key"
    ADD_CHECK = "add-check"
    ADD_UNIQUE = "add-unique"
    VALIDATE_CONSTRAINT = "validate-constraint"
    DROP_NOT_NULL = "drop-not-null"
    DROP_CONSTRAINT = "drop-constraint"  # ALTER TABLE ... DROP CONSTRAINT: ACCESS EXCLUSIVE, briefly
    #: CREATE TRIGGER (SHARE ROW EXCLUSIVE: writes wait) / DROP TRIGGER (ACCESS EXCLUSIVE) on ``table``
    CREATE_TRIGGER = "create-trigger"
    DROP_TRIGGER = "drop-trigger"
    #: CREATE [OR REPLACE] VIEW ``table`` (not materialized): what a renamed table leaves under its
    #: old name for the code still running (outline's compatibility views)
    CREATE_VIEW = "create-view"
    SET_DEFAULT = "set-default"  # ALTER COLUMN ... SET / DROP DEFAULT (``has_default``): the catalog only, under ACCESS EXCLUSIVE
    REINDEX = "reindex"  # REINDEX TABLE/INDEX/SCHEMA/DATABASE
    DETACH_PARTITION = "detach-partition"
    DROP_DATABASE = "drop-database"
    ADD_ENUM_VALUE = "add-enum-value"  # ALTER TYPE ... ADD VALUE
    DOMAIN_CONSTRAINT = "domain-constraint"  # CREATE DOMAIN ... CHECK / NOT NULL, ALTER DOMAIN ... ADD CONSTRAINT
    REWRITE_TABLE = "rewrite-table"  # VACUUM FULL, CLUSTER: the table rewritten under ACCESS EXCLUSIVE
    BEGIN = "begin"  # BEGIN / START TRANSACTION written in the migration
    COMMIT = "commit"  # COMMIT / END / ROLLBACK / ABORT: ends the transaction in progress
    SET = "set"  # SET [LOCAL|SESSION] name = value: ``setting`` names it (not recorded when it turns it off)
    DATA = "data"  # INSERT/UPDATE/DELETE, RunPython, model calls, bulk_insert ...
    UNKNOWN = "unknown"  # DDL we could not analyse: said as a notice, never silence
    #: the migration (past a bound, a parser crash, the guard's time) was not analysed at all; said
    #: as an error by default (``not_analysed``), with what a text scan found in it beside it
    NOT_ANALYSED = "not-analysed"
    OTHER = "other"  # harmless to locks and old code (SET, COMMENT, CREATE FUNCTION ...)


SCHEMA_OPS = {
    Op.CREATE_TABLE,
    Op.DROP_TABLE,
    Op.RENAME_TABLE,
    Op.ADD_COLUMN,
    Op.DROP_COLUMN,
    Op.RENAME_COLUMN,
    Op.ALTER_COLUMN_TYPE,
    Op.SET_NOT_NULL,
    Op.CREATE_INDEX,
    Op.DROP_INDEX,
    Op.ADD_FOREIGN_KEY,
    Op.ADD_CHECK,
    Op.ADD_UNIQUE,
    Op.DROP_NOT_NULL,
    Op.DROP_CONSTRAINT,
    Op.SET_DEFAULT,
    Op.REINDEX,
    Op.DETACH_PARTITION,
    Op.DROP_DATABASE,
}


#: statements that change neither the schema nor the data
HARMLESS = frozenset({Op.OTHER, Op.BEGIN, Op.COMMIT, Op.SET})


@dataclass(frozen=True)
class Declaration:
    """A column as its framework declares it, where that says more than the type: a Django field's
    class and the source text of each keyword (``CharField``, ``(("max_length", "20"),)``). Kept in
    the schema so a later ``AlterField`` is compared with the field it replaces."""

    cls: str
    kwargs: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str | None:
        return dict(self.kwargs).get(name)


@dataclass(frozen=True)
class ColumnSpec:
    """A column as a ``CREATE TABLE`` or ``ADD COLUMN`` defines it, or the new type an ``ALTER
    COLUMN ... TYPE`` gives it: what the type rules (``prefer-text-field``, ...) read, on its own line."""

    name: str
    #: PostgreSQL's name and arguments (``bot.core.column_types``): ``("varchar", "100")``,
    #: ``("serial",)``, an array ``("array", "integer")``; None where the front end cannot tell
    type: tuple[str, ...] | None
    line: int
    #: written in SQL (the type word on its line can be swapped for a suggestion); False in a DSL
    sql: bool = True
    #: the values are bounded where the column is declared (Django `choices=`, a `MaxValueValidator`):
    #: an integer that cannot run out
    bounded: bool = False
    #: the framework's own declaration of the column (a Django field), where it has one
    declared: Declaration | None = None
    #: NOT NULL where it is defined (a primary key's columns too); None: not said
    not_null: bool | None = None


@dataclass(frozen=True)
class Operation:
    kind: Op
    line: int
    table: str | None = None  # normalised: unquoted names lower-cased, "schema.table" kept
    column: str | None = None
    new_name: str | None = None
    end_line: int | None = None
    concurrently: bool = False
    not_null: bool = False
    has_default: bool = False
    volatile_default: str | None = None  # the volatile function a default calls
    #: ``volatile_default`` is a function whose volatility is unknown (not a PostgreSQL built-in):
    #: presumed volatile, as squawk does, and said so
    presumed_volatile: bool = False
    not_valid: bool = False
    unique: bool = False
    using_index: bool = False
    primary_key: bool = False  # ADD_UNIQUE that adds the table's PRIMARY KEY
    #: a foreign key declared in the definition of the column it adds, in the same statement
    #: (``ADD COLUMN c int REFERENCES t``, Django's inline ``REFERENCES``): PostgreSQL checks no row
    #: of a new column that is all NULL, where a separate ``ADD CONSTRAINT`` reads them all
    with_column: bool = False
    #: a step the framework takes because the migration restates a whole column, not one it writes
    #: (Sequelize's ``changeColumn`` drops NOT NULL unless ``allowNull: false``): judged only where
    #: the schema knows it changes something
    implied: bool = False
    #: the default only fills the existing rows and is dropped at once (Django's ``AddField`` does
    #: so with every default, and with ``''`` for a ``blank=True`` text field, unless ``db_default``
    #: keeps it): code that does not write the column, as the code still running, fails to insert
    default_dropped: bool = False
    #: IF [NOT] EXISTS: a re-run after a partial failure does not stop here (None: a DSL, not said)
    guarded: bool | None = None
    #: the table is named with its schema (``public.users``, kept as ``users``); None: a DSL, not said
    qualified: bool | None = None
    positioned: bool = False  # ADD VALUE ... BEFORE/AFTER
    temporary: bool = False  # CREATE TEMPORARY TABLE: gone at the session's end, nobody else reads it
    #: names longer than PostgreSQL's 63 bytes the statement uses (silently truncated)
    long_names: tuple[str, ...] = ()
    repeated: str | None = None  # a column the statement names twice (SET a = 1, a = 2; INSERT (a, a))
    outside_transaction: bool = False  # e.g. inside Alembic's autocommit_block()
    cascade: bool = False  # TRUNCATE ... CASCADE: every table referencing it is emptied too
    setting: str | None = None  # the run-time setting a SET gives a value (lower case): ``lock_timeout``
    constraint: str | None = None  # the constraint a CHECK adds or VALIDATE names (lower case)
    index: str | None = None  # the index a CREATE INDEX makes or a DROP INDEX names (its table: the schema's)
    index_columns: tuple[str, ...] = ()  # the columns a CREATE INDEX covers, where named
    #: for DDL that could not be analysed (``UNKNOWN``): the tables it may change, where that can be
    #: told (a ``DO`` block's static DDL; none for ``CREATE TYPE``); None: any (``EXECUTE``, opaque SQL)
    may_change: tuple[str, ...] | None = None
    #: the table's name in the database where the migration names it otherwise (Django's ``db_table``)
    db_table: str | None = None
    column_type: tuple[str, ...] | None = None  # the new type of ALTER COLUMN ... TYPE (``column_types``)
    #: the type the migration itself says the column had (Alembic's ``existing_type``): judged
    #: against it before the replayed schema's
    previous_type: tuple[str, ...] | None = None
    #: the columns a CREATE TABLE defines, the one an ADD COLUMN adds, the retyped one of ALTER ... TYPE
    columns: tuple[ColumnSpec, ...] = ()
    #: ALTER COLUMN ... TYPE judged against the column's known type before it: not catalog-only
    known_rewrite: bool = False
    #: why an ALTER COLUMN ... TYPE is never catalog-only, whatever the types: "computes every value
    #: again through its `USING` expression", "changes its collation: every index on it is rebuilt"
    recomputes: str | None = None
    #: what the schema before the migration says about the target ("a varchar(50) column, used by
    #: index users_name"), from the replayed schema (``bot.core.schema``); empty when unknown
    context: str = ""
    detail: str = ""  # what the statement is, for messages ("CREATE INDEX", "add_index", ...)
    suggestion: str | None = None  # the source line rewritten, when the fix is a local edit
    #: when the fix spans lines (a marker at the top of the file, then the statement rewritten):
    #: the lines (first, last) ``suggestion`` replaces, one contiguous range as GitHub requires
    suggestion_lines: tuple[int, int] | None = None


def _at(pair: tuple[int, Operation]) -> int:
    return pair[0]


@dataclass(frozen=True)
class MigrationOps:
    """A migration's ``up`` as operations, and whether it runs inside a transaction."""

    operations: tuple[Operation, ...] = ()
    transactional: bool = True
    #: the transaction is PostgreSQL's implicit one around a multi-statement query (the tool sends
    #: the file as one string: golang-migrate, Flyway, Prisma), not one the runner opened: a
    #: ``BEGIN``/``COMMIT`` written in the file then takes over, as intended
    implicit: bool = False
    dialect: str = "postgres"
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: what changes only the framework's idea of the schema, not the database (Django's
    #: ``SeparateDatabaseAndState(state_operations=...)``): replayed into the schema, never judged
    state_changes: tuple[Operation, ...] = ()

    @cached_property
    def _positions(self) -> tuple[dict[int, int], dict[str, int], dict[str, int]]:
        """Index of each operation, where each table (or view: nobody reads one made in the same
        migration before it commits) is first created and where last dropped (one pass, not one per
        question: a file of thousands of statements stays linear)."""
        index = {id(o): i for i, o in enumerate(self.operations)}
        created: dict[str, int] = {}
        dropped: dict[str, int] = {}
        for i, o in enumerate(self.operations):
            if o.kind in (Op.CREATE_TABLE, Op.CREATE_VIEW) and o.table and o.table not in created:
                created[o.table] = i
            elif o.kind is Op.DROP_TABLE and o.table:
                dropped[o.table] = i
        return index, created, dropped

    @cached_property
    def _by_kind(self) -> dict[Op, tuple[tuple[int, Operation], ...]]:
        """Each kind's operations with where they stand: forty rules each ask for a few kinds, and
        a file of thousands of statements must not be walked once per rule."""
        found: dict[Op, list[tuple[int, Operation]]] = {}
        for i, o in enumerate(self.operations):
            found.setdefault(o.kind, []).append((i, o))
        return {kind: tuple(at) for kind, at in found.items()}

    def of_kinds(self, kinds: Collection[Op]) -> list[Operation]:
        """The operations of these kinds, in the migration's order."""
        index = self._by_kind
        present = [index[kind] for kind in kinds if kind in index]
        if not present:
            return []
        if len(present) == 1:
            return [o for _i, o in present[0]]
        return [o for _i, o in sorted((pair for found in present for pair in found), key=_at)]

    @cached_property
    def _added_columns(self) -> dict[tuple[str | None, str], int]:
        """(table, column) -> where this migration first adds it (one pass, not one per question)."""
        found: dict[tuple[str | None, str], int] = {}
        for i, o in self._by_kind.get(Op.ADD_COLUMN, ()):
            for name in (o.column, *(c.name for c in o.columns)):
                if name:
                    found.setdefault((o.table, name), i)
        return found

    def adds_column_before(self, op: Operation) -> bool:
        """The migration adds the column ``op`` names before ``op``."""
        at = self._added_columns.get((op.table, op.column or ""))
        return at is not None and at < self.position(op)

    def position(self, op: Operation) -> int:
        """Where the operation stands in the migration (past the end for one not in it)."""
        return self._positions[0].get(id(op), len(self.operations))

    def dropped_later(self, op: Operation) -> bool:
        """The operation's table is dropped later in this migration: what happens to it meanwhile
        (an index dropped, a column removed) is moot; the drop is judged on its own."""
        if op.table is None or op.kind is Op.DROP_TABLE:
            return False
        index, _created, dropped = self._positions
        return dropped.get(op.table, -1) > index.get(id(op), len(self.operations))

    def on_existing_table(self, op: Operation) -> bool:
        """False for a table this migration created before the operation (no rows, no readers)."""
        if op.table is None:
            return True
        index, created, _dropped = self._positions
        return not (op.table in created and created[op.table] < index.get(id(op), len(self.operations)))
