"""The Rails migration DSL as schema operations (tree-sitter Ruby)."""

from __future__ import annotations

from dataclasses import replace

from bot import treesitter as tsx
from bot.dialects import analyse_sql, normalise_dialect, volatile_call
from bot.operations import MigrationOps, Op, Operation
from bot.textfile import UnreadableFile

COLUMN_TYPES = {
    "string", "text", "integer", "bigint", "float", "decimal", "numeric", "datetime", "timestamp", "time", "date",
    "binary", "blob", "boolean", "json", "jsonb", "uuid", "citext", "hstore", "inet", "virtual", "column",
}  # fmt: skip
DATA_METHODS = {
    "update_all", "delete_all", "destroy_all", "update", "update!", "create", "create!", "insert_all",
    "upsert_all", "find_each", "find_in_batches", "in_batches", "each", "save", "save!", "update_column",
    "update_columns", "destroy", "delete", "insert", "upsert",
}  # fmt: skip


def _method(call: tsx.Node) -> str:
    return tsx.text(call.child_by_field_name("method"))


def _args(call: tsx.Node) -> tuple[list[tsx.Node], dict[str, str]]:
    args = call.child_by_field_name("arguments")
    positional: list[tsx.Node] = []
    keywords: dict[str, str] = {}
    for arg in args.named_children if args is not None else []:
        pairs = [arg] if arg.type == "pair" else arg.named_children if arg.type == "hash" else []
        if pairs:
            for pair in pairs:
                if pair.type == "pair":
                    key = tsx.text(pair.child_by_field_name("key")).strip(":").strip()
                    keywords[key] = tsx.text(pair.child_by_field_name("value"))
        elif arg.type not in ("block_argument", "comment"):
            positional.append(arg)
    return positional, keywords


def _name(node: tsx.Node | None) -> str | None:
    value = tsx.string_value(node)
    return value.lower() if value is not None else None


def _append_option(lines: list[str], call: tsx.Node, option: str) -> str | None:
    """The call's line with ``option`` added as a last argument, when the call is one line."""
    if call.start_point[0] != call.end_point[0] or call.child_by_field_name("block") is not None:
        return None
    line = lines[call.start_point[0]]
    end = call.end_point[1]
    if line[end - 1 : end] == ")":
        return line[: end - 1] + f", {option})" + line[end:]
    return line[:end] + f", {option}" + line[end:]


def rails_operations(text: str, dialect: str) -> MigrationOps:
    dialect = normalise_dialect(dialect)
    try:
        root = tsx.parse(text, "ruby")
    except UnreadableFile:
        return MigrationOps(dialect=dialect)
    cls = next((n for n in tsx.walk(root) if n.type == "class"), None)
    body = cls.child_by_field_name("body") if cls is not None else None
    if body is None:
        return MigrationOps(dialect=dialect)
    transactional = not any(
        tsx.text(n) == "disable_ddl_transaction!" or (n.type == "call" and _method(n) == "disable_ddl_transaction!")
        for n in body.named_children
    )
    methods = {tsx.text(m.child_by_field_name("name")): m for m in body.named_children if m.type == "method"}
    forward = methods.get("change") or methods.get("up")
    if forward is None:
        return MigrationOps(transactional=transactional, dialect=dialect)
    lines = text.splitlines()
    heredocs = [n for n in tsx.walk(forward) if n.type == "heredoc_body"]
    ops: list[Operation] = []
    skip: set[int] = set()
    for node in tsx.walk(forward):
        if node.type != "call" or node.id in skip:
            continue
        receiver = node.child_by_field_name("receiver")
        if receiver is None:
            ops.extend(_schema_call(node, dialect, lines, heredocs))
            if _method(node) in ("create_table", "change_table"):
                block = node.child_by_field_name("block")
                for inner in tsx.walk(block) if block is not None else []:
                    if inner.type == "call" and inner.child_by_field_name("receiver") is not None:
                        skip.add(inner.id)
                if _method(node) == "change_table" and block is not None:
                    ops.extend(_table_block(node, block, lines))
        elif _method(node) in DATA_METHODS and _rooted_at_constant(node):
            ops.append(Operation(Op.DATA, tsx.line(node), detail=f"{tsx.text(receiver).split('.')[0]}.{_method(node)}"))
    return MigrationOps(tuple(ops), transactional=transactional, dialect=dialect)


def _rooted_at_constant(call: tsx.Node) -> bool:
    node: tsx.Node | None = call
    while node is not None and node.type == "call":
        node = node.child_by_field_name("receiver")
    return node is not None and node.type in ("constant", "scope_resolution") and tsx.text(node) != "ActiveRecord"


def _schema_call(call: tsx.Node, dialect: str, lines: list[str], heredocs: list[tsx.Node]) -> list[Operation]:
    name = _method(call)
    line = tsx.line(call)
    positional, keywords = _args(call)
    table = _name(positional[0]) if positional else None
    column = _name(positional[1]) if len(positional) > 1 else None

    def op(kind: Op, **kw: object) -> Operation:
        return Operation(kind, line, table=table, detail=name, **kw)  # type: ignore[arg-type]

    if name == "create_table":
        return [op(Op.CREATE_TABLE)]
    if name == "drop_table":
        return [op(Op.DROP_TABLE)]
    if name == "rename_table":
        return [op(Op.RENAME_TABLE, new_name=column)]
    if name == "add_column":
        default = keywords.get("default")
        volatile = volatile_call(default)
        return [
            op(
                Op.ADD_COLUMN,
                column=column,
                not_null=keywords.get("null") == "false",
                has_default=default is not None and default != "nil",
                volatile_default=volatile,
            )
        ]
    if name == "remove_column":  # remove_column(table, column, type = nil, **options)
        return [op(Op.DROP_COLUMN, column=column)]
    if name == "remove_columns":  # remove_columns(table, *columns, type: nil)
        return [op(Op.DROP_COLUMN, column=_name(p)) for p in positional[1:]] or [op(Op.DROP_COLUMN)]
    if name == "rename_column":
        return [op(Op.RENAME_COLUMN, column=column, new_name=_name(positional[2]) if len(positional) > 2 else None)]
    if name == "change_column":
        return [op(Op.ALTER_COLUMN_TYPE, column=column)]
    if name == "change_column_null":
        if len(positional) > 2 and tsx.text(positional[2]) == "false":
            return [op(Op.SET_NOT_NULL, column=column)]
        return []
    if name in ("add_index", "remove_index"):
        concurrently = keywords.get("algorithm") == ":concurrently"
        suggestion = None if concurrently else _append_option(lines, call, "algorithm: :concurrently")
        kind = Op.CREATE_INDEX if name == "add_index" else Op.DROP_INDEX
        return [op(kind, concurrently=concurrently, unique=keywords.get("unique") == "true", suggestion=suggestion)]
    if name == "add_foreign_key":
        not_valid = keywords.get("validate") == "false"
        return [
            op(
                Op.ADD_FOREIGN_KEY,
                not_valid=not_valid,
                suggestion=None if not_valid else _append_option(lines, call, "validate: false"),
            )
        ]
    if name == "add_check_constraint":
        not_valid = keywords.get("validate") == "false"
        return [
            op(
                Op.ADD_CHECK,
                not_valid=not_valid,
                suggestion=None if not_valid else _append_option(lines, call, "validate: false"),
            )
        ]
    if name in ("add_reference", "add_belongs_to"):
        ops = [op(Op.ADD_COLUMN, column=f"{column}_id" if column else None, not_null=keywords.get("null") == "false")]
        index = keywords.get("index", "true")
        if index != "false":
            ops.append(op(Op.CREATE_INDEX, concurrently="concurrently" in index))
        foreign_key = keywords.get("foreign_key", "false")
        if foreign_key != "false":
            ops.append(op(Op.ADD_FOREIGN_KEY, not_valid="validate: false" in foreign_key))
        return ops
    if name == "execute":
        return _execute(call, positional, dialect, heredocs)
    return []


def _execute(call: tsx.Node, positional: list[tsx.Node], dialect: str, heredocs: list[tsx.Node]) -> list[Operation]:
    line = tsx.line(call)
    if not positional:
        return []
    arg = positional[0]
    if arg.type == "heredoc_beginning":
        body = next((h for h in heredocs if h.start_point[0] >= arg.start_point[0]), None)
        if body is None or any(c.type == "interpolation" for c in body.named_children):
            return [Operation(Op.UNKNOWN, line, detail="execute of SQL built at run time")]
        content = "".join(tsx.text(c) for c in body.named_children if c.type == "heredoc_content")
        return analyse_sql(content, dialect, first_line=tsx.line(body))
    sql = tsx.string_value(arg)
    if sql is None:
        return [Operation(Op.UNKNOWN, line, detail="execute of SQL built at run time")]
    return analyse_sql(sql, dialect, first_line=line)


def _table_block(call: tsx.Node, block: tsx.Node, lines: list[str]) -> list[Operation]:
    positional, _ = _args(call)
    table = _name(positional[0]) if positional else None
    params = block.child_by_field_name("parameters")
    receiver = tsx.text(params.named_children[0]) if params is not None and params.named_children else "t"
    ops: list[Operation] = []
    for node in tsx.walk(block):
        if node.type != "call" or tsx.text(node.child_by_field_name("receiver")) != receiver:
            continue
        name = _method(node)
        args, keywords = _args(node)
        column = _name(args[0]) if args else None
        line = tsx.line(node)
        detail = f"{receiver}.{name}"
        if name in COLUMN_TYPES or name in ("references", "belongs_to"):
            ops.append(
                Operation(
                    Op.ADD_COLUMN,
                    line,
                    table=table,
                    column=column,
                    detail=detail,
                    not_null=keywords.get("null") == "false",
                    has_default="default" in keywords,
                )
            )
            if name in ("references", "belongs_to") and keywords.get("index", "true") != "false":
                ops.append(
                    Operation(
                        Op.CREATE_INDEX,
                        line,
                        table=table,
                        detail=detail,
                        concurrently="concurrently" in keywords.get("index", ""),
                    )
                )
        elif name == "remove":
            ops.extend(Operation(Op.DROP_COLUMN, line, table=table, column=_name(a), detail=detail) for a in args)
        elif name == "rename":
            ops.append(
                Operation(
                    Op.RENAME_COLUMN,
                    line,
                    table=table,
                    column=column,
                    detail=detail,
                    new_name=_name(args[1]) if len(args) > 1 else None,
                )
            )
        elif name == "change":
            ops.append(Operation(Op.ALTER_COLUMN_TYPE, line, table=table, column=column, detail=detail))
        elif name in ("index", "remove_index"):
            concurrently = keywords.get("algorithm") == ":concurrently"
            kind = Op.CREATE_INDEX if name == "index" else Op.DROP_INDEX
            ops.append(
                Operation(
                    kind,
                    line,
                    table=table,
                    concurrently=concurrently,
                    detail=detail,
                    suggestion=None if concurrently else _append_option(lines, node, "algorithm: :concurrently"),
                )
            )
    return [replace(o, table=o.table or table) for o in ops]
