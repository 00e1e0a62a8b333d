"""Knex schema builders, Sequelize's queryInterface and TypeORM's queryRunner as schema operations."""

from __future__ import annotations

from bot.core.operations import MigrationOps, Op, Operation
from bot.core.textfile import UnreadableFile
from bot.syntax import treesitter as tsx
from bot.syntax.dialects import normalise_dialect, volatile_call
from bot.syntax.embedded_sql import analyse_sql
from bot.syntax.jsmodule import class_methods, exported_functions

KNEX_TYPES = {
    "string", "text", "integer", "bigInteger", "bigint", "tinyint", "smallint", "mediumint", "float", "double",
    "decimal", "boolean", "date", "datetime", "time", "timestamp", "binary", "json", "jsonb", "uuid", "enu", "enum",
    "specificType", "increments", "bigIncrements", "geometry", "geography", "point",
}  # fmt: skip
DATA = {"insert", "update", "del", "delete", "truncate", "upsert", "increment", "decrement"}


def _chain(call: tsx.Node) -> tuple[tsx.Node | None, list[tuple[str, tsx.Node]]]:
    """``a.b(x).c(y)`` -> (root ``a``, [("b", call), ("c", call)]) in call order."""
    links: list[tuple[str, tsx.Node]] = []
    node: tsx.Node | None = call
    while node is not None:
        if node.type == "call_expression":
            function = node.child_by_field_name("function")
            if function is not None and function.type == "member_expression":
                links.append((tsx.text(function.child_by_field_name("property")), node))
                node = function.child_by_field_name("object")
                continue
            links.append(("()", node))
            node = function
            continue
        if node.type == "member_expression":
            links.append((tsx.text(node.child_by_field_name("property")), node))
            node = node.child_by_field_name("object")
            continue
        if node.type in ("await_expression", "parenthesized_expression"):
            node = node.named_children[0] if node.named_children else None
            continue
        break
    links.reverse()
    return node, links


def _args(call: tsx.Node) -> list[tsx.Node]:
    args = call.child_by_field_name("arguments")
    return [a for a in (args.named_children if args is not None else []) if a.type != "comment"]


def _str(node: tsx.Node | None) -> str | None:
    value = tsx.string_value(node)
    plain_template = (
        node is not None
        and node.type == "template_string"
        and not any(c.type == "template_substitution" for c in node.named_children)
    )
    if value is None and plain_template:
        value = tsx.text(node)[1:-1]
    return value


def _name(node: tsx.Node | None) -> str | None:
    """A table or column name as given (these tools quote identifiers, so case is kept)."""
    return _str(node)


def _object(node: tsx.Node | None) -> dict[str, str]:
    """``{ key: value }`` as key -> value text (one level)."""
    if node is None or node.type != "object":
        return {}
    found = {}
    for pair in node.named_children:
        if pair.type == "pair":
            found[tsx.text(pair.child_by_field_name("key")).strip("'\"")] = tsx.text(pair.child_by_field_name("value"))
    return found


def _sql_arg(call: tsx.Node, dialect: str) -> list[Operation]:
    args = _args(call)
    found = tsx.constant_string(args[0]) if args else None
    if found is None:
        return [Operation(Op.UNKNOWN, tsx.line(call), detail="SQL built at run time")]
    sql, where = found
    return analyse_sql(sql, dialect, first_line=tsx.line(where))


def _calls(fn: tsx.Node) -> list[tsx.Node]:
    """Outermost call expressions of a function body, in source order."""
    found: list[tsx.Node] = []
    stack = [fn.child_by_field_name("body")]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if node.type == "call_expression":
            found.append(node)
            continue
        stack.extend(reversed(node.named_children))
    return found


def _parse(text: str, path: str) -> tsx.Node | None:
    try:
        return tsx.parse(text, tsx.language_for(path) or "javascript")
    except UnreadableFile:
        return None


# -- Knex --------------------------------------------------------------------------------


def knex_operations(path: str, text: str, dialect: str) -> MigrationOps:
    dialect = normalise_dialect(dialect)
    root = _parse(text, path)
    exported = exported_functions(root) if root is not None else {}
    up = exported.get("up")
    if root is None or up is None:
        return MigrationOps(dialect=dialect)
    transactional = "transaction: false" not in tsx.text(root).replace("transaction:false", "transaction: false")
    ops: list[Operation] = []
    for call in _calls(up):
        ops.extend(_knex_call(call, dialect))
    return MigrationOps(tuple(ops), transactional=transactional, dialect=dialect)


def _knex_call(call: tsx.Node, dialect: str) -> list[Operation]:
    root, links = _chain(call)
    names = [n for n, _ in links]
    line = tsx.line(call)
    if "raw" in names:
        return _sql_arg(dict(links)["raw"], dialect)
    for method, node in links:
        args = _args(node)
        table = _name(args[0]) if args else None
        if method in ("createTable", "createTableIfNotExists", "createTableLike"):
            return [Operation(Op.CREATE_TABLE, line, table=table, detail=method)]
        if method in ("dropTable", "dropTableIfExists"):
            return [Operation(Op.DROP_TABLE, line, table=table, detail=method)]
        if method == "renameTable":
            return [
                Operation(
                    Op.RENAME_TABLE,
                    line,
                    table=table,
                    new_name=_name(args[1]) if len(args) > 1 else None,
                    detail=method,
                )
            ]
        if method in ("alterTable", "table") and "schema" in names and len(args) > 1:
            return _knex_table(table, args[1])
    if root is not None and root.type == "identifier" and any(n in DATA for n in names):
        table = next(
            (_name(_args(node)[0]) for n, node in links if n in ("()", "into", "table", "from") and _args(node)), None
        )
        return [Operation(Op.DATA, line, table=table, detail=".".join(n for n in names if n != "()"))]
    return []


def _knex_table(table: str | None, callback: tsx.Node) -> list[Operation]:
    params = callback.child_by_field_name("parameters") or callback.child_by_field_name("parameter")
    param = tsx.text(params.named_children[0] if params is not None and params.named_children else params)
    ops: list[Operation] = []
    for call in _calls(callback):
        root, links = _chain(call)
        if root is None or tsx.text(root) != param or not links:
            continue
        first, node = links[0]
        names = {n for n, _ in links}
        args = _args(node)
        column = _name(args[0]) if args else None
        line = tsx.line(call)

        def op(kind: Op, detail: str = first, line: int = line, column: str | None = column, **kw: object) -> Operation:
            return Operation(kind, line, table=table, column=column, detail=detail, **kw)  # type: ignore[arg-type]

        if first in KNEX_TYPES:
            if "alter" in names:
                ops.append(op(Op.ALTER_COLUMN_TYPE, f"{first}().alter()"))
                if "notNullable" in names:
                    ops.append(op(Op.SET_NOT_NULL, f"{first}().notNullable().alter()"))
                continue
            default = next((_args(n) for m, n in links if m == "defaultTo"), None)
            ops.append(
                op(
                    Op.ADD_COLUMN,
                    not_null="notNullable" in names or first in ("increments", "bigIncrements"),
                    has_default=default is not None,
                    volatile_default=volatile_call(tsx.text(default[0])) if default else None,
                )
            )
            if "references" in names or "inTable" in names:
                ops.append(op(Op.ADD_FOREIGN_KEY, f"{first}().references()"))
            if "index" in names:
                ops.append(op(Op.CREATE_INDEX, f"{first}().index()"))
            if "unique" in names or "primary" in names:
                ops.append(op(Op.ADD_UNIQUE, f"{first}().unique()"))
        elif first in ("dropColumn", "dropColumns"):
            ops.extend(Operation(Op.DROP_COLUMN, line, table=table, column=_name(a), detail=first) for a in args)
        elif first == "renameColumn":
            ops.append(op(Op.RENAME_COLUMN, new_name=_name(args[1]) if len(args) > 1 else None))
        elif first == "index":
            ops.append(op(Op.CREATE_INDEX))
        elif first in ("unique", "primary"):
            ops.append(op(Op.ADD_UNIQUE))
        elif first == "dropIndex":
            ops.append(op(Op.DROP_INDEX))
        elif first == "foreign":
            ops.append(op(Op.ADD_FOREIGN_KEY))
        elif first == "dropNullable":
            ops.append(op(Op.SET_NOT_NULL))
        elif first == "check":
            ops.append(op(Op.ADD_CHECK))
    return ops


# -- Sequelize ---------------------------------------------------------------------------


def sequelize_operations(path: str, text: str, dialect: str) -> MigrationOps:
    dialect = normalise_dialect(dialect)
    root = _parse(text, path)
    exported = exported_functions(root) if root is not None else {}
    up = exported.get("up")
    if up is None:
        return MigrationOps(transactional=False, dialect=dialect)
    ops: list[Operation] = []
    for call in _calls(up):
        ops.extend(_sequelize_call(call, dialect))
    # sequelize-cli runs each migration without a transaction unless the migration opens one
    return MigrationOps(tuple(ops), transactional="transaction(" in tsx.text(up), dialect=dialect)


def _sequelize_call(call: tsx.Node, dialect: str) -> list[Operation]:
    _root, links = _chain(call)
    if not links:
        return []
    method, node = links[-1] if links[-1][0] != "()" else links[-2] if len(links) > 1 else links[-1]
    args = _args(node)
    line = tsx.line(call)
    table = _name(args[0]) if args else None
    column = _name(args[1]) if len(args) > 1 else None
    options = _object(args[2]) if len(args) > 2 else {}

    def op(kind: Op, **kw: object) -> Operation:
        return Operation(kind, line, table=table, detail=method, **kw)  # type: ignore[arg-type]

    if method == "query":
        return _sql_arg(node, dialect)
    if method == "createTable":
        return [op(Op.CREATE_TABLE)]
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
            )
        ]
        if "references" in options:
            ops.append(op(Op.ADD_FOREIGN_KEY, column=column))
        return ops
    if method == "removeColumn":
        return [op(Op.DROP_COLUMN, column=column)]
    if method == "renameColumn":
        return [op(Op.RENAME_COLUMN, column=column, new_name=_name(args[2]) if len(args) > 2 else None)]
    if method == "changeColumn":
        ops = [op(Op.ALTER_COLUMN_TYPE, column=column)]
        if options.get("allowNull") == "false":
            ops.append(op(Op.SET_NOT_NULL, column=column))
        return ops
    if method in ("addIndex", "removeIndex"):
        options = _object(args[2]) if len(args) > 2 else _object(args[1]) if len(args) > 1 else {}
        concurrently = options.get("concurrently") == "true"
        kind = Op.CREATE_INDEX if method == "addIndex" else Op.DROP_INDEX
        return [op(kind, concurrently=concurrently, unique=options.get("unique") == "true")]
    if method == "addConstraint":
        options = _object(args[1]) if len(args) > 1 else {}
        kind = options.get("type", "").strip("'\"").lower()
        if kind == "foreign key":
            return [op(Op.ADD_FOREIGN_KEY)]
        if kind == "check":
            return [op(Op.ADD_CHECK)]
        if kind in ("unique", "primary key"):
            return [op(Op.ADD_UNIQUE)]
        return [op(Op.UNKNOWN)]
    if method in ("bulkInsert", "bulkUpdate", "bulkDelete", "upsert", "insert", "update", "delete"):
        return [op(Op.DATA)]
    return []


# -- TypeORM -----------------------------------------------------------------------------


def typeorm_operations(path: str, text: str, dialect: str) -> MigrationOps:
    dialect = normalise_dialect(dialect)
    root = _parse(text, path)
    cls = next((n for n in tsx.walk(root) if n.type in ("class_declaration", "class")), None) if root else None
    if cls is None:
        return MigrationOps(dialect=dialect)
    up = class_methods(cls).get("up")
    body = cls.child_by_field_name("body")
    transactional = not any(
        m.type in ("public_field_definition", "field_definition")
        and "transaction" in tsx.text(m)
        and "false" in tsx.text(m)
        for m in (body.named_children if body is not None else [])
    )
    ops: list[Operation] = []
    for call in _calls(up) if up is not None else []:
        ops.extend(_typeorm_call(call, dialect))
    return MigrationOps(tuple(ops), transactional=transactional, dialect=dialect)


def _typeorm_call(call: tsx.Node, dialect: str) -> list[Operation]:
    _root, links = _chain(call)
    if not links:
        return []
    method, node = links[-1]
    args = _args(node)
    line = tsx.line(call)
    table = _name(args[0]) if args else None

    def op(kind: Op, **kw: object) -> Operation:
        return Operation(kind, line, table=table, detail=method, **kw)  # type: ignore[arg-type]

    if method == "query":
        return _sql_arg(node, dialect)
    if method == "createTable":
        name = next((v for k, v in _new_object(args[0]).items() if k == "name"), None) if args else None
        return [Operation(Op.CREATE_TABLE, line, table=(name or "").strip("'\"`").lower() or None, detail=method)]
    if method == "dropTable":
        return [op(Op.DROP_TABLE)]
    if method == "renameTable":
        return [op(Op.RENAME_TABLE)]
    if method in ("addColumn", "addColumns"):
        options = _new_object(args[1]) if len(args) > 1 else {}
        return [
            op(
                Op.ADD_COLUMN,
                not_null=options.get("isNullable", "false") == "false" and "isNullable" in options,
                has_default="default" in options,
            )
        ]
    if method in ("dropColumn", "dropColumns"):
        return [op(Op.DROP_COLUMN)]
    if method == "renameColumn":
        return [op(Op.RENAME_COLUMN)]
    if method in ("changeColumn", "changeColumns"):
        return [op(Op.ALTER_COLUMN_TYPE)]
    if method in ("createIndex", "createIndices"):
        return [op(Op.CREATE_INDEX)]
    if method in ("dropIndex", "dropIndices"):
        return [op(Op.DROP_INDEX)]
    if method in ("createForeignKey", "createForeignKeys"):
        return [op(Op.ADD_FOREIGN_KEY)]
    if method in ("createUniqueConstraint", "createPrimaryKey"):
        return [op(Op.ADD_UNIQUE)]
    if method == "createCheckConstraint":
        return [op(Op.ADD_CHECK)]
    return []


def _new_object(node: tsx.Node) -> dict[str, str]:
    """``new TableColumn({ ... })`` -> its options; a plain object too."""
    if node.type == "new_expression":
        args = node.child_by_field_name("arguments")
        node = args.named_children[0] if args is not None and args.named_children else node
    return _object(node)
