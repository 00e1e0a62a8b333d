"""The schema one database has, as its migrations leave it: tables, their columns, indexes and
constraints.

Modelled on Django's ``ProjectState``: one state per database, and every operation a transition
(``Schema.apply``), whatever front end read it (SQL files, Django, Rails, Alembic, Knex, Laravel,
Sequelize, TypeORM, Prisma: they all emit ``Operation`` facts). The engine replays each database's
migrations once, in the tool's order, and judges every migration against the state before it
(``bot.pipeline.judging``); nothing is re-read per judged migration.

What a replay cannot know stays unknown: a table made outside migrations has no entry, a column
whose new type the front end could not read has type ``None``, and a migration that could not be
analysed at all empties the state (anything may have changed). Rules read "unknown" as "judge
conservatively", never as "safe".
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace

from bot.core.column_types import ColumnType, spelled
from bot.core.operations import Declaration, Op, Operation


@dataclass(frozen=True)
class Column:
    type: ColumnType | None
    declared: Declaration | None = None
    #: NOT NULL (True), nullable (False), or not known (None)
    not_null: bool | None = None
    #: added by a migration this change judges: no deployed code reads it yet
    added: bool = False


@dataclass(frozen=True)
class Index:
    table: str
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Constraint:
    """A CHECK, FOREIGN KEY or UNIQUE constraint of a table (``Schema.constraints``), as the
    migrations left it."""

    kind: Op  # ADD_CHECK, ADD_FOREIGN_KEY or ADD_UNIQUE
    #: the column it is on, where it names one (a foreign key's one column, the ``col`` of
    #: ``CHECK (col IS NOT NULL)``)
    column: str | None = None
    #: a CHECK that is exactly ``col IS NOT NULL``: valid, it lets PostgreSQL 12+ SET NOT NULL
    #: on ``column`` without a scan
    not_null_check: bool = False
    #: checked for every row: added without NOT VALID, or validated since (VALIDATE CONSTRAINT)
    valid: bool = True


@dataclass
class Schema:
    #: table (as the migrations name it) -> column -> what is known of it
    tables: dict[str, dict[str, Column]] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    #: table as the migrations name it -> its name in the database, where they differ (Django's ``db_table``)
    db_tables: dict[str, str] = field(default_factory=dict)
    #: tables and (table, column)s a deployed migration took out of the framework's state while
    #: leaving them in the database: the running code no longer reads them (Django)
    gone_tables: set[str] = field(default_factory=set)
    gone_columns: set[tuple[str, str]] = field(default_factory=set)
    #: names the framework knows that have no table of their own (Django's proxy and unmanaged
    #: models): what is done to them changes no table
    tableless: set[str] = field(default_factory=set)
    #: table -> the names of its indexes (kept with ``indexes``: a view is taken per judged
    #: migration, and scanning every index each time made a long history quadratic)
    on_table: dict[str, set[str]] = field(default_factory=dict, repr=False, compare=False)
    #: table -> constraint name -> the constraint (an unnamed one under the name PostgreSQL gives it)
    constraints: dict[str, dict[str, Constraint]] = field(default_factory=dict)

    def column(self, table: str | None, column: str | None) -> Column | None:
        if table is None or column is None:
            return None
        return self.tables.get(table, {}).get(column)

    def type_of(self, table: str | None, column: str | None) -> ColumnType | None:
        known = self.column(table, column)
        return known.type if known is not None else None

    def apply(self, op: Operation) -> None:
        """What ``op`` does to the schema (Django's ``state_forwards``). An operation that says
        too little to follow leaves what it touches unknown."""
        kind, table = op.kind, op.table
        if kind is Op.UNKNOWN:  # DDL that could not be analysed: what it may change is not known now
            if op.may_change is not None:
                for name in op.may_change:
                    self.forget(name)
            elif table is not None:
                self.forget(table)
            else:
                self.reset()  # it could do anything: SQL built at run time, a DO block running EXECUTE
            return
        if kind is Op.NOT_ANALYSED:
            self.reset()  # not read at all
            return
        if table is None:
            if kind is Op.DROP_INDEX and op.index:
                self.drop_index(op.index)
            return
        if kind is Op.CREATE_TABLE:
            if op.temporary:
                return
            self.tables[table] = {c.name: Column(c.type, c.declared, c.not_null) for c in op.columns if c.name}
            self.tableless.discard(table.lower())  # made for real: it has a table now
            if op.db_table:
                self.db_tables[table] = op.db_table
            self.gone_tables.discard(table)
        elif kind is Op.DROP_TABLE:
            self.tables.pop(table, None)
            self.tableless.discard(table.lower())
            for name in list(self.on_table.pop(table, ())):
                self.indexes.pop(name, None)
            self.constraints.pop(table, None)
        elif kind is Op.RENAME_TABLE:
            columns = self.tables.pop(table, None)
            if op.new_name:
                if columns is None:
                    self.tables.pop(op.new_name, None)
                else:
                    self.tables[op.new_name] = columns
                for name in list(self.on_table.get(table, ())):
                    self.add_index(name, Index(op.new_name, self.indexes[name].columns))
            carried = self.constraints.pop(table, None)
            if op.new_name:
                self.constraints.pop(op.new_name, None)
                if carried is not None:
                    self.constraints[op.new_name] = carried
        elif kind is Op.ADD_COLUMN:
            columns = self.tables.setdefault(table, {})
            for spec in op.columns or ():
                columns[spec.name] = Column(spec.type, spec.declared, spec.not_null if spec.not_null is not None else op.not_null)
            if op.column and not op.columns:
                columns[op.column] = Column(None, not_null=op.not_null)
        elif kind is Op.DROP_COLUMN and op.column:
            self.tables.get(table, {}).pop(op.column, None)
            for name in list(self.on_table.get(table, ())):  # PostgreSQL drops the indexes on a dropped column
                if op.column in self.indexes[name].columns:
                    self.drop_index(name)
            on = self.constraints.get(table, {})  # and the constraints on it
            for name in [n for n, c in on.items() if c.column == op.column]:
                on.pop(name)
        elif kind is Op.RENAME_COLUMN:
            columns = self.tables.get(table)
            if columns is not None and op.column and op.new_name:
                moved = columns.pop(op.column, None)
                if moved is None:
                    columns.pop(op.new_name, None)
                else:
                    columns[op.new_name] = moved
            if op.column and op.new_name:  # a constraint on the column holds under its new name
                on = self.constraints.get(table, {})
                for name, c in list(on.items()):
                    if c.column == op.column:
                        on[name] = replace(c, column=op.new_name)
            if op.column and op.new_name:  # an index on the column covers it under its new name
                for name in list(self.on_table.get(table, ())):
                    index = self.indexes[name]
                    if op.column in index.columns:
                        renamed = tuple(op.new_name if c == op.column else c for c in index.columns)
                        self.add_index(name, Index(table, renamed))
        elif kind is Op.ALTER_COLUMN_TYPE and op.column:
            new = next((c for c in op.columns if c.name == op.column), None)
            was = self.column(table, op.column)
            self.tables.setdefault(table, {})[op.column] = Column(
                op.column_type or (new.type if new else None), new.declared if new else None,
                was.not_null if was is not None else None, was.added if was is not None else False,
            )
        elif kind in (Op.SET_NOT_NULL, Op.DROP_NOT_NULL) and op.column:
            was = self.column(table, op.column)
            if was is not None:
                self.tables[table][op.column] = replace(was, not_null=kind is Op.SET_NOT_NULL)
        elif kind is Op.CREATE_INDEX and op.index:
            self.add_index(op.index, Index(table, op.index_columns))
        elif kind is Op.DROP_INDEX and op.index:
            self.drop_index(op.index)
        elif kind in (Op.ADD_CHECK, Op.ADD_FOREIGN_KEY, Op.ADD_UNIQUE):
            name = op.constraint or _default_name(table, op)
            not_null_check = kind is Op.ADD_CHECK and op.column is not None
            self.constraints.setdefault(table, {})[name] = Constraint(kind, op.column, not_null_check, not op.not_valid)
        elif kind is Op.VALIDATE_CONSTRAINT and op.constraint:
            known = self.constraints.get(table, {}).get(op.constraint)
            if known is not None:
                self.constraints[table][op.constraint] = replace(known, valid=True)
        elif kind is Op.DROP_CONSTRAINT:
            if op.constraint:
                self.constraints.get(table, {}).pop(op.constraint, None)
            else:  # which one is not known: none of them may be relied on
                self.constraints.pop(table, None)

    def proven_not_null(self, table: str | None, column: str | None) -> bool:
        """A valid ``CHECK (column IS NOT NULL)`` is on the column: PostgreSQL 12+ sets NOT NULL
        from it without scanning the table."""
        return column is not None and any(c.not_null_check and c.valid and c.column == column
                                          for c in self.constraints.get(table or "", {}).values())  # fmt: skip

    def mark_added(self, table: str | None, column: str | None) -> None:
        """The column is added by a migration this change judges (``bot.pipeline.judging``)."""
        was = self.column(table, column)
        if was is not None and table is not None and column is not None:
            self.tables[table][column] = replace(was, added=True)

    def add_index(self, name: str, index: Index) -> None:
        self.drop_index(name)
        self.indexes[name] = index
        self.on_table.setdefault(index.table, set()).add(name)

    def drop_index(self, name: str) -> None:
        index = self.indexes.pop(name, None)
        if index is not None:
            self.on_table.get(index.table, set()).discard(name)

    def forget(self, table: str) -> None:
        self.tables.pop(table, None)
        self.constraints.pop(table, None)
        for name in list(self.on_table.pop(table, ())):
            self.indexes.pop(name, None)

    def reset(self) -> None:
        """Forget everything: what follows an unreadable migration starts from nothing known."""
        self.tables.clear()
        self.indexes.clear()
        self.on_table.clear()
        self.db_tables.clear()
        self.constraints.clear()

    def view(self, tables: Collection[str], indexes: Collection[str]) -> Schema:
        """A copy of the part of the schema that ``tables`` and ``indexes`` name: what one migration
        reads, kept beside it (the whole state per migration would make memory quadratic)."""
        names = set(indexes) | {n for t in tables for n in self.on_table.get(t, ())}
        wanted = {n: self.indexes[n] for n in names if n in self.indexes}
        return Schema(
            tables={t: dict(self.tables[t]) for t in tables if t in self.tables},
            indexes=wanted,
            on_table=_by_table(wanted),
            db_tables={t: self.db_tables[t] for t in tables if t in self.db_tables},
            gone_tables={t for t in self.gone_tables if t in tables},
            gone_columns={(t, c) for t, c in self.gone_columns if t in tables},
            tableless={t for t in tables if t in self.tableless},
            constraints={t: dict(self.constraints[t]) for t in tables if t in self.constraints},
        )

    def copy(self) -> Schema:
        return Schema({t: dict(c) for t, c in self.tables.items()}, dict(self.indexes), dict(self.db_tables),
                      set(self.gone_tables), set(self.gone_columns), set(self.tableless),
                      _by_table(self.indexes), {t: dict(c) for t, c in self.constraints.items()})  # fmt: skip

    def describe(self, table: str, column: str) -> str:
        """``a varchar(50) column, used by index `users_name` `` (what the replay knows; empty if nothing)."""
        known = self.column(table, column)
        if known is None:
            return ""
        shown = spelled(known.type) if known.type else ""
        words = f"{'an' if shown[:1] in tuple('aeiou') else 'a'} {shown} column" if shown else "a column"
        users = sorted(n for n, i in self.indexes.items() if i.table == table and column in i.columns)
        if users:
            words += f", used by index{'es' if len(users) > 1 else ''} " + ", ".join(f"`{u}`" for u in users)
        return words


def _default_name(table: str, op: Operation) -> str:
    """The name PostgreSQL gives a constraint added without one (``users_email_check``,
    ``orders_user_id_fkey``, ``users_email_key``)."""
    suffix = {Op.ADD_CHECK: "check", Op.ADD_FOREIGN_KEY: "fkey", Op.ADD_UNIQUE: "pkey" if op.primary_key else "key"}[op.kind]
    bare = table.rpartition(".")[2]
    return f"{bare}_{op.column}_{suffix}" if op.column and not op.primary_key else f"{bare}_{suffix}"


def _by_table(indexes: dict[str, Index]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for name, index in indexes.items():
        found.setdefault(index.table, set()).add(name)
    return found


def names_in(ops: Collection[Operation]) -> tuple[set[str], set[str]]:
    """The tables and indexes a migration's operations name (what ``Schema.view`` keeps for it)."""
    tables = {o.table for o in ops if o.table} | {o.new_name for o in ops if o.new_name and o.kind is Op.RENAME_TABLE}
    return tables, {o.index for o in ops if o.index}
