"""TypeORM migrations as schema operations."""

from __future__ import annotations

from bot.core.operations import MigrationOps, Op, Operation
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
from bot.syntax.dialects import normalise_dialect
from bot.syntax.jsmodule import class_methods


def typeorm_operations(path: str, text: str, dialect: str) -> MigrationOps:
    dialect = normalise_dialect(dialect)
    root = parse_source(text, path)
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
    for call in calls_in(up) if up is not None else []:
        ops.extend(_typeorm_call(call, dialect))
    return MigrationOps(tuple(ops), transactional=transactional, dialect=dialect)


def _typeorm_call(call: tsx.Node, dialect: str) -> list[Operation]:
    _root, links = call_chain(call)
    if not links:
        return []
    method, node = links[-1]
    args = arguments_of(node)
    line = tsx.line(call)
    table = name_value(args[0]) if args else None

    def op(kind: Op, **kw: object) -> Operation:
        return Operation(kind, line, table=table, detail=method, **kw)  # type: ignore[arg-type]

    if method == "query":
        return sql_argument(node, dialect)
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
        return [op(Op.ADD_UNIQUE, primary_key=method == "createPrimaryKey")]
    if method == "createCheckConstraint":
        return [op(Op.ADD_CHECK)]
    return []


def _new_object(node: tsx.Node) -> dict[str, str]:
    """``new TableColumn({ ... })`` -> its options; a plain object too."""
    if node.type == "new_expression":
        args = node.child_by_field_name("arguments")
        node = args.named_children[0] if args is not None and args.named_children else node
    return object_literal(node)
