"""Knex migrations as schema operations."""

from __future__ import annotations

from bot.core.column_types import ColumnType, builder_type
from bot.core.operations import ColumnSpec, MigrationOps, Op, Operation
from bot.frameworks._js_calls import (
    arguments_of,
    call_chain,
    calls_in,
    name_value,
    parse_source,
    sql_argument,
    string_value,
)
from bot.syntax import treesitter as tsx
from bot.syntax.dialects import normalise_dialect, volatile_call
from bot.syntax.jsmodule import exported_functions

KNEX_TYPES = {
    "string", "text", "integer", "bigInteger", "bigint", "tinyint", "smallint", "mediumint", "float", "double",
    "decimal", "boolean", "date", "datetime", "time", "timestamp", "binary", "json", "jsonb", "uuid", "enu", "enum",
    "specificType", "increments", "bigIncrements", "geometry", "geography", "point",
}  # fmt: skip
DATA = {"insert", "update", "del", "delete", "truncate", "upsert", "increment", "decrement"}
#: the PostgreSQL type each Knex column builder makes (``string`` and ``decimal`` take arguments)
_PG_TYPES = {
    "text": ("text",), "integer": ("integer",), "bigInteger": ("bigint",), "bigint": ("bigint",),
    "smallint": ("smallint",), "tinyint": ("smallint",), "float": ("real",), "double": ("double",),
    "boolean": ("boolean",), "date": ("date",), "datetime": ("timestamptz",), "timestamp": ("timestamptz",),
    "time": ("time",), "binary": ("bytea",), "json": ("json",), "jsonb": ("jsonb",), "uuid": ("uuid",),
    "increments": ("serial",), "bigIncrements": ("bigserial",),
}  # fmt: skip


def knex_type(builder: str, args: list[tsx.Node]) -> ColumnType | None:
    """The column type a Knex builder makes on PostgreSQL: ``string('name', 100)`` is
    ``varchar(100)`` (255 unless told), ``decimal('n', 12, 2)`` ``numeric(12, 2)`` (8, 2 unless told)."""
    if builder == "specificType" and len(args) > 1:
        spelled = string_value(args[1])
        return _specific(spelled) if spelled else None
    return builder_type(builder, [tsx.text(a) for a in args[1:] if tsx.text(a).isdigit()], _PG_TYPES)


def _specific(spelled: str) -> ColumnType | None:
    from bot.syntax.sql_types import type_named  # lazy: sqlglot

    return type_named(spelled)



def knex_operations(path: str, text: str, dialect: str) -> MigrationOps:
    dialect = normalise_dialect(dialect)
    root = parse_source(text, path)
    exported = exported_functions(root) if root is not None else {}
    up = exported.get("up")
    if root is None or up is None:
        return MigrationOps(dialect=dialect)
    transactional = "transaction: false" not in tsx.text(root).replace("transaction:false", "transaction: false")
    ops: list[Operation] = []
    for call in calls_in(up):
        ops.extend(_knex_call(call, dialect))
    return MigrationOps(tuple(ops), transactional=transactional, dialect=dialect)


def _knex_call(call: tsx.Node, dialect: str) -> list[Operation]:
    root, links = call_chain(call)
    names = [n for n, _ in links]
    line = tsx.line(call)
    if "raw" in names:
        return sql_argument(dict(links)["raw"], dialect)
    for method, node in links:
        args = arguments_of(node)
        table = name_value(args[0]) if args else None
        if method in ("createTable", "createTableIfNotExists", "createTableLike"):
            defined = _knex_table(table, args[1]) if len(args) > 1 and method != "createTableLike" else []
            columns = tuple(c for o in defined if o.kind is Op.ADD_COLUMN for c in o.columns)
            return [Operation(Op.CREATE_TABLE, line, table=table, detail=method, columns=columns)]
        if method in ("dropTable", "dropTableIfExists"):
            return [Operation(Op.DROP_TABLE, line, table=table, detail=method)]
        if method == "renameTable":
            return [
                Operation(
                    Op.RENAME_TABLE,
                    line,
                    table=table,
                    new_name=name_value(args[1]) if len(args) > 1 else None,
                    detail=method,
                )
            ]
        if method in ("alterTable", "table") and "schema" in names and len(args) > 1:
            return _knex_table(table, args[1])
    if root is not None and root.type == "identifier" and any(n in DATA for n in names):
        table = next(
            (name_value(arguments_of(node)[0]) for n, node in links if n in ("()", "into", "table", "from") and arguments_of(node)), None
        )
        return [Operation(Op.DATA, line, table=table, detail=".".join(n for n in names if n != "()"))]
    return []


def _knex_table(table: str | None, callback: tsx.Node) -> list[Operation]:
    params = callback.child_by_field_name("parameters") or callback.child_by_field_name("parameter")
    param = tsx.text(params.named_children[0] if params is not None and params.named_children else params)
    ops: list[Operation] = []
    for call in calls_in(callback):
        root, links = call_chain(call)
        if root is None or tsx.text(root) != param or not links:
            continue
        first, node = links[0]
        names = {n for n, _ in links}
        args = arguments_of(node)
        column = name_value(args[0]) if args else None
        line = tsx.line(call)

        def op(kind: Op, detail: str = first, line: int = line, column: str | None = column, **kw: object) -> Operation:
            return Operation(kind, line, table=table, column=column, detail=detail, **kw)  # type: ignore[arg-type]

        if first in KNEX_TYPES:
            made = knex_type(first, args)
            if "alter" in names:
                # what Knex writes for PostgreSQL: DROP DEFAULT, DROP NOT NULL, TYPE, then SET DEFAULT
                # and SET NOT NULL where the column says so; each judged against the column before it
                # (``bot.pipeline.judging``): the NOT NULL set again after being dropped is a scan
                ops.append(op(Op.SET_DEFAULT, f"{first}().alter()", implied=True))
                ops.append(op(Op.DROP_NOT_NULL, f"{first}().alter()", implied=True))
                ops.append(op(Op.ALTER_COLUMN_TYPE, f"{first}().alter()", column_type=made))
                if any(m == "defaultTo" for m, _n in links):
                    ops.append(op(Op.SET_DEFAULT, f"{first}().defaultTo().alter()", has_default=True))
                if "notNullable" in names:
                    ops.append(op(Op.SET_NOT_NULL, f"{first}().notNullable().alter()"))
                continue
            default = next((arguments_of(n) for m, n in links if m == "defaultTo"), None)
            not_null = "notNullable" in names or first in ("increments", "bigIncrements")
            ops.append(
                op(
                    Op.ADD_COLUMN,
                    not_null=not_null,
                    has_default=default is not None,
                    volatile_default=volatile_call(tsx.text(default[0])) if default else None,
                    columns=(ColumnSpec(column, made, line, sql=False, not_null=not_null),) if column else (),
                )
            )
            if "references" in names or "inTable" in names:
                ops.append(op(Op.ADD_FOREIGN_KEY, f"{first}().references()"))
            if "index" in names:
                ops.append(op(Op.CREATE_INDEX, f"{first}().index()"))
            if "unique" in names or "primary" in names:
                key = "primary" if "primary" in names else "unique"
                ops.append(op(Op.ADD_UNIQUE, f"{first}().{key}()", primary_key=key == "primary"))
        elif first in ("dropColumn", "dropColumns"):
            ops.extend(Operation(Op.DROP_COLUMN, line, table=table, column=name_value(a), detail=first) for a in args)
        elif first == "renameColumn":
            ops.append(op(Op.RENAME_COLUMN, new_name=name_value(args[1]) if len(args) > 1 else None))
        elif first == "index":
            ops.append(op(Op.CREATE_INDEX))
        elif first in ("unique", "primary"):
            ops.append(op(Op.ADD_UNIQUE, primary_key=first == "primary"))
        elif first == "dropIndex":
            ops.append(op(Op.DROP_INDEX))
        elif first == "foreign":
            ops.append(op(Op.ADD_FOREIGN_KEY))
        elif first == "dropNullable":
            ops.append(op(Op.SET_NOT_NULL))
        elif first == "check":
            ops.append(op(Op.ADD_CHECK))
    return ops
