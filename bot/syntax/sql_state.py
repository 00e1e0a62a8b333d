"""The schema a SQL migration runs against, replayed from the earlier migrations of its
directory: column types per table and which table each index is on.

Only what the rules ask is kept. A statement sqlglot cannot read is skipped; a table the replay
never saw is simply unknown, and the operations on it are judged as before (conservatively).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import cast

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from bot.core.column_types import ColumnType, catalog_only, spelled
from bot.core.operations import Op, Operation
from bot.syntax.dialects import normalise_dialect
from bot.syntax.sql_names import ident, table_name


class SqlState:
    def __init__(self) -> None:
        self.columns: dict[str, dict[str, ColumnType | None]] = {}
        self.indexes: dict[str, str] = {}  # index name -> table
        self.index_columns: dict[str, tuple[str, ...]] = {}  # index name -> the columns it covers

    def apply(self, statement: exp.Expression) -> None:
        if isinstance(statement, exp.Create):
            kind = (statement.args.get("kind") or "").upper()
            if kind == "TABLE" and isinstance(statement.this, exp.Schema):
                table = table_name(statement.this.this) or ""
                self.columns[table] = {
                    ident(c.this): column_type(c.args.get("kind"))
                    for c in statement.this.expressions
                    if isinstance(c, exp.ColumnDef)
                }
            elif kind == "INDEX" and isinstance(statement.this, exp.Index):
                index, on = statement.this.this, statement.this.args.get("table")
                if index is not None and on is not None:
                    self.indexes[ident(index)] = table_name(on) or ""
                    params = statement.this.args.get("params")
                    columns = params.args.get("columns") if params is not None else None
                    self.index_columns[ident(index)] = tuple(
                        ident(c.this if isinstance(c, exp.Ordered) else c)
                        for c in columns or []
                    )
        elif isinstance(statement, exp.Drop):
            kind = (statement.args.get("kind") or "").upper()
            for dropped in statement.args.get("tables") or []:  # DROP TABLE a, b / DROP INDEX i
                name = table_name(dropped) or ""
                if kind == "TABLE":
                    self.columns.pop(name, None)
                elif kind == "INDEX":
                    self.indexes.pop(name.rpartition(".")[2], None)
                    self.index_columns.pop(name.rpartition(".")[2], None)
        elif isinstance(statement, exp.Alter):
            table = table_name(statement.this) or ""
            for action in statement.args.get("actions") or []:
                self._alter(table, action)

    def describe(self, table: str, column: str) -> str:
        """``a varchar(50) column, used by index `users_name` `` (what the replay knows; empty if nothing)."""
        known = self.columns.get(table, {})
        if column not in known:
            return ""
        kind = known[column]
        words = f"a {spelled(kind)} column" if kind else "a column"
        users = sorted(i for i, t in self.indexes.items() if t == table and column in self.index_columns.get(i, ()))
        if users:
            words += f", used by index{'es' if len(users) > 1 else ''} " + ", ".join(f"`{u}`" for u in users)
        return words

    def _alter(self, table: str, action: exp.Expression) -> None:
        columns = self.columns.setdefault(table, {})
        if isinstance(action, exp.ColumnDef):
            columns[ident(action.this)] = column_type(action.args.get("kind"))
        elif isinstance(action, exp.AlterColumn) and action.args.get("dtype") is not None:
            columns[ident(action.this)] = column_type(action.args.get("dtype"))
        elif isinstance(action, exp.ModifyColumn) and isinstance(action.this, exp.ColumnDef):
            renamed = action.args.get("rename_from")
            if renamed is not None:
                columns.pop(ident(renamed), None)
            columns[ident(action.this.this)] = column_type(action.this.args.get("kind"))
        elif isinstance(action, exp.RenameColumn) and action.args.get("to") is not None:
            old, new = ident(action.this), ident(action.args.get("to"))
            if old in columns:
                columns[new] = columns.pop(old)
        elif isinstance(action, exp.AlterRename):
            self.columns[table_name(action.this) or ""] = self.columns.pop(table, {})
        elif isinstance(action, exp.Drop) and (action.args.get("kind") or "").upper() == "COLUMN":
            for dropped in action.args.get("tables") or []:
                columns.pop(ident(dropped), None)


def replay(sql_texts: Iterable[str], dialect: str) -> SqlState:
    """The state after these migrations' forward SQL, oldest first."""
    state = SqlState()
    read = normalise_dialect(dialect)
    for text in sql_texts:
        try:
            statements = sqlglot.parse(text, read=read, error_level=ErrorLevel.IGNORE)
        except Exception:
            continue
        for statement in statements:
            if statement is not None:
                try:
                    state.apply(cast(exp.Expression, statement))  # sqlglot types results as its base Expr
                except Exception:
                    continue
    return state


def judge_with_history(ops: list[Operation], history_sql: Iterable[str], dialect: str) -> list[Operation]:
    """``judged`` against the state replayed from the earlier migrations that mention a table or
    index the operations need (the others cannot change the answer and cost parse time)."""
    wanted = {o.table for o in ops if o.kind in (Op.ALTER_COLUMN_TYPE, Op.DROP_COLUMN, Op.RENAME_COLUMN) and o.table}
    wanted |= {o.index for o in ops if o.kind is Op.DROP_INDEX and o.table is None and o.index}
    if not wanted:
        return ops
    names = [w.rpartition(".")[2].lower() for w in wanted]
    relevant = [sql for sql in history_sql if any(n in sql.lower() for n in names)]
    return judged(ops, replay(relevant, dialect), dialect)


def judged(ops: Iterable[Operation], state: SqlState, dialect: str) -> list[Operation]:
    """Operations with what the state tells: the table of a dropped index, and whether a type
    change is catalog-only (the column's type before it is known)."""
    result = []
    for op in ops:
        if op.kind is Op.DROP_INDEX and op.table is None and op.index in state.indexes:
            op = replace(op, table=state.indexes[op.index])
        elif op.kind is Op.ALTER_COLUMN_TYPE and op.column_type and op.table and op.column:
            table, column, after = op.table, op.column, op.column_type
            before = state.columns.get(table, {}).get(column)
            if before is not None:
                change = (f"{op.detail} from {spelled(before)} to {spelled(after)}" if before != after else
                          f"{op.detail} restating {spelled(after)} (its collation, charset, nullability or default change)")  # fmt: skip
                cheap = catalog_only(before, after, normalise_dialect(dialect)) and op.recomputes is None
                op = replace(op, kind=Op.OTHER if cheap else op.kind, detail=change, known_rewrite=not cheap)
            if table in state.columns:  # a later statement of the same migration sees this type
                state.columns[table][column] = after
        elif op.kind in (Op.DROP_COLUMN, Op.RENAME_COLUMN) and op.table and op.column:
            op = replace(op, context=state.describe(op.table, op.column))
        result.append(op)
    return result


_FAMILIES = {"TEXT": "text", "INT": "integer", "BIGINT": "bigint", "SMALLINT": "smallint", "BOOLEAN": "boolean",
             "DATE": "date", "TIMESTAMPTZ": "timestamptz", "TIMESTAMP": "timestamp", "UUID": "uuid", "JSONB": "jsonb",
             "JSON": "json", "DOUBLE": "double", "FLOAT": "real"}  # fmt: skip


def column_type(node: exp.Expression | None) -> ColumnType | None:
    """A sqlglot data type as a comparable column type (``bot.core.column_types``); an array is
    ``("array", *element)``; a name sqlglot keeps as user-defined (``serial4``,
    ``pg_catalog.varchar(100)``) is read as PostgreSQL reads it."""
    if not isinstance(node, exp.DataType):
        return None
    name = node.this.name if hasattr(node.this, "name") else str(node.this)
    params = [p.sql() for p in node.expressions if not isinstance(p, exp.DataType)]
    if name == "ARRAY":
        inner = next((column_type(e) for e in node.expressions if isinstance(e, exp.DataType)), None)
        return ("array", *(inner or ("unknown",)))
    if name == "USERDEFINED":
        kind = node.args.get("kind")
        spelled_as = (kind.name if isinstance(kind, exp.Dot) else kind.sql() if kind is not None else "").lower()
        if isinstance(kind, exp.Dot) and kind.this.name.lower() == "pg_catalog":
            spelled_as = kind.expression.name.lower()
        name = _PG_ALIASES.get(spelled_as, spelled_as).upper()
        if name == "VARCHAR":
            return ("varchar", params[0]) if params else ("text",)
        family = _FAMILIES.get(name)
        return (family,) if family else (name.lower(), *params)
    if name in ("VARCHAR", "NVARCHAR"):
        return ("varchar", params[0]) if params else ("text",)
    if name in ("DECIMAL", "NUMERIC"):
        return ("numeric", *[*params, "", ""][:2])
    family = _FAMILIES.get(name)
    return (family,) if family else (name.lower(), *params)


#: PostgreSQL's other names for its types, as sqlglot hands them over unmodelled
_PG_ALIASES = {"serial4": "serial", "serial8": "bigserial", "serial2": "smallserial", "int4": "int", "int8": "bigint",
               "int2": "smallint", "integer": "int", "character varying": "varchar", "bpchar": "char"}  # fmt: skip
