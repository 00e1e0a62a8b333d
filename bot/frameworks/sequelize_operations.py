"""Sequelize migrations as schema operations."""

from __future__ import annotations

import re

from bot.core.column_types import ColumnType
from bot.core.operations import ColumnSpec, MigrationOps, Op, Operation
from bot.frameworks._js_calls import (
    arguments_of,
    call_chain,
    calls_in,
    name_value,
    object_literal,
    parse_source,
    sql_argument,
)
from bot.syntax import treesitter as tsx
from bot.syntax.dialects import normalise_dialect, volatile_call
from bot.syntax.jsmodule import exported_functions

#: the PostgreSQL type of each Sequelize data type (``STRING``, ``CHAR`` and ``DECIMAL`` take arguments)
_PG_TYPES = {
    "TEXT": ("text",), "CITEXT": ("citext",), "INTEGER": ("integer",), "BIGINT": ("bigint",),
    "SMALLINT": ("smallint",), "TINYINT": ("smallint",), "FLOAT": ("real",), "REAL": ("real",),
    "DOUBLE": ("double",), "BOOLEAN": ("boolean",), "DATE": ("timestamptz",), "DATEONLY": ("date",),
    "TIME": ("time",), "UUID": ("uuid",), "JSON": ("json",), "JSONB": ("jsonb",), "BLOB": ("bytea",),
    "INET": ("inet",),
}  # fmt: skip
_TYPE = re.compile(r"\b(?:Sequelize|DataTypes)\.(\w+)(?:\(\s*(\d+)(?:\s*,\s*(\d+))?\s*\))?")


def sequelize_type(written: str | None) -> ColumnType | None:
    """The column type of ``type: Sequelize.STRING(100)`` on PostgreSQL (``STRING`` alone is
    ``varchar(255)``, ``DECIMAL`` alone is ``numeric``); ``None`` for what it does not know."""
    found = _TYPE.search(written or "")
    if found is None:
        return None
    name, first, second = found.groups()
    if name == "STRING":
        return ("varchar", first or "255")
    if name == "CHAR":
        return ("char", first or "255")
    if name in ("DECIMAL", "NUMERIC"):
        return ("numeric", first or "", second or "")
    return _PG_TYPES.get(name)


def _created_columns(definitions: tsx.Node | None, line: int) -> tuple[ColumnSpec, ...]:
    """``createTable('t', { id: { type: ... }, name: { type: ... } })``: each column and its type."""
    specs = []
    for pair in definitions.named_children if definitions is not None and definitions.type == "object" else []:
        if pair.type != "pair":
            continue
        name, value = tsx.text(pair.child_by_field_name("key")), pair.child_by_field_name("value")
        options = object_literal(value)  # `{ type: ..., allowNull: ... }`; empty for the type alone
        not_null = options.get("allowNull") == "false" or options.get("primaryKey") == "true"
        specs.append(ColumnSpec(name.strip("'\"`"), sequelize_type(tsx.text(value)), line, sql=False, not_null=not_null))
    return tuple(specs)


def sequelize_operations(path: str, text: str, dialect: str) -> MigrationOps:
    dialect = normalise_dialect(dialect)
    root = parse_source(text, path)
    exported = exported_functions(root) if root is not None else {}
    up = exported.get("up")
    if up is None:
        return MigrationOps(transactional=False, dialect=dialect)
    ops: list[Operation] = []
    for call in _calls(up):
        ops.extend(_sequelize_call(call, dialect))
    # sequelize-cli runs each migration without a transaction unless the migration opens one
    return MigrationOps(tuple(ops), transactional="transaction(" in tsx.text(up), dialect=dialect)


_FUNCTIONS = ("arrow_function", "function_expression", "function")


def _calls(fn: tsx.Node) -> list[tsx.Node]:
    """The calls of a function body, and those inside the callback of a
    ``queryInterface.sequelize.transaction(async (t) => { ... })`` (outline writes 47 of its 301
    migrations so: they were read as doing nothing)."""
    found: list[tsx.Node] = []
    for call in calls_in(fn):
        _root, links = call_chain(call)
        callbacks = [a for name, node in links if name == "transaction" for a in arguments_of(node) if a.type in _FUNCTIONS]
        if callbacks:
            for callback in callbacks:
                found.extend(_calls(callback))
        else:
            found.append(call)
    return found


def _sequelize_call(call: tsx.Node, dialect: str) -> list[Operation]:
    _root, links = call_chain(call)
    if not links:
        return []
    method, node = links[-1] if links[-1][0] != "()" else links[-2] if len(links) > 1 else links[-1]
    args = arguments_of(node)
    line = tsx.line(call)
    table = name_value(args[0]) if args else None
    column = name_value(args[1]) if len(args) > 1 else None
    options = object_literal(args[2]) if len(args) > 2 else {}
    written = tsx.text(args[2]) if len(args) > 2 else None  # the options, or the type alone

    def op(kind: Op, **kw: object) -> Operation:
        return Operation(kind, line, table=table, detail=method, **kw)  # type: ignore[arg-type]

    if method == "query":
        return sql_argument(node, dialect)
    if method == "createTable":
        return [op(Op.CREATE_TABLE, columns=_created_columns(args[1] if len(args) > 1 else None, line))]
    if method == "dropTable":
        return [op(Op.DROP_TABLE)]
    if method == "renameTable":
        return [op(Op.RENAME_TABLE, new_name=column)]
    if method == "addColumn":
        ops = [
            op(
                Op.ADD_COLUMN,
                column=column,
                not_null=options.get("allowNull") == "false",
                has_default="defaultValue" in options,
                volatile_default=volatile_call(options.get("defaultValue")),
                columns=(ColumnSpec(column, sequelize_type(options.get("type") or written), line, sql=False),)
                if column else (),
            )
        ]
        if "references" in options:
            ops.append(op(Op.ADD_FOREIGN_KEY, column=column, with_column=True))  # addColumn writes REFERENCES inline
        return ops
    if method == "removeColumn":
        return [op(Op.DROP_COLUMN, column=column)]
    if method == "renameColumn":
        return [op(Op.RENAME_COLUMN, column=column, new_name=name_value(args[2]) if len(args) > 2 else None)]
    if method == "changeColumn":
        # what Sequelize's PostgreSQL query generator writes (changeColumnQuery): the whole column
        # restated, NOT NULL and the default dropped unless given; with `references`, a foreign key
        # (validated) instead of the type; each judged against the column before it (bot.pipeline.judging)
        refs = "references" in options
        ops = []
        if options.get("allowNull") == "false":
            ops.append(op(Op.SET_NOT_NULL, column=column))
        elif not refs:  # restated with the column, `allowNull: true` or not: said where it was NOT NULL
            ops.append(op(Op.DROP_NOT_NULL, column=column, implied=True))
        if "defaultValue" in options:
            ops.append(op(Op.SET_DEFAULT, column=column, has_default=True))
        elif not refs:
            ops.append(op(Op.SET_DEFAULT, column=column, implied=True))
        if options.get("unique") == "true":
            ops.append(op(Op.ADD_UNIQUE, column=column))
        if refs:
            ops.append(op(Op.ADD_FOREIGN_KEY, column=column))
        else:
            ops.append(op(Op.ALTER_COLUMN_TYPE, column=column, column_type=sequelize_type(options.get("type") or written)))
        return ops
    if method in ("addIndex", "removeIndex"):
        options = object_literal(args[2]) if len(args) > 2 else object_literal(args[1]) if len(args) > 1 else {}
        concurrently = options.get("concurrently") == "true"
        kind = Op.CREATE_INDEX if method == "addIndex" else Op.DROP_INDEX
        return [op(kind, concurrently=concurrently, unique=options.get("unique") == "true")]
    if method == "addConstraint":
        options = object_literal(args[1]) if len(args) > 1 else {}
        constraint = options.get("type", "").strip("'\"").lower()
        if constraint == "foreign key":
            return [op(Op.ADD_FOREIGN_KEY)]
        if constraint == "check":
            return [op(Op.ADD_CHECK)]
        if constraint in ("unique", "primary key"):
            return [op(Op.ADD_UNIQUE, primary_key=constraint == "primary key")]
        return [op(Op.UNKNOWN)]
    if method in ("bulkInsert", "bulkUpdate", "bulkDelete", "upsert", "insert", "update", "delete"):
        return [op(Op.DATA)]
    return []
