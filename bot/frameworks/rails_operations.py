"""The Rails migration DSL as schema operations (tree-sitter Ruby)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.core.column_types import ColumnType
from bot.core.operations import ColumnSpec, MigrationOps, Op, Operation
from bot.core.textfile import UnreadableFile
from bot.frameworks.base import MAX_FIX_SPAN
from bot.syntax import treesitter as tsx
from bot.syntax.dialects import normalise_dialect, runs_on, volatile_call
from bot.syntax.embedded_sql import analyse_sql
from bot.syntax.ruby_branches import branch_constraints
from bot.syntax.sql_names import not_null_column

COLUMN_TYPES = {
    "string", "text", "integer", "bigint", "float", "decimal", "numeric", "datetime", "timestamp", "time", "date",
    "binary", "blob", "boolean", "json", "jsonb", "uuid", "citext", "hstore", "inet", "virtual", "column",
}  # fmt: skip
#: the option that makes a schema method a no-op where its work is already done (re-runnable)
GUARD_OPTIONS = {"create_table": "if_not_exists", "add_column": "if_not_exists", "add_index": "if_not_exists",
                 "drop_table": "if_exists", "remove_column": "if_exists", "remove_index": "if_exists"}  # fmt: skip
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


def rails_type(type_name: str, keywords: dict[str, str]) -> ColumnType | None:
    """A Rails column type (``:string, limit: 50``) as a comparable column type (PostgreSQL names)."""
    name = type_name.strip().lstrip(":").strip("'\"")
    if keywords.get("array", "").strip() == "true":
        element = rails_type(type_name, {k: v for k, v in keywords.items() if k != "array"})
        return ("array", *(element or ("unknown",)))
    limit = keywords.get("limit", "").strip()
    if name == "string":
        if limit and not limit.isdigit():  # `limit: Gemcutter::MAX_FIELD_LENGTH`: a limit, of a length not known here
            return ("varchar", "?")
        return ("varchar", limit) if limit else ("text",)  # no limit: PostgreSQL `character varying`
    if name == "decimal":
        return ("numeric", keywords.get("precision", "").strip(), keywords.get("scale", "").strip())
    if name == "integer":
        return ("bigint",) if limit == "8" else ("smallint",) if limit == "2" else ("integer",)
    families = {"text": "text", "bigint": "bigint", "boolean": "boolean", "date": "date", "datetime": "timestamp",
                "timestamp": "timestamp", "timestamptz": "timestamptz", "uuid": "uuid", "jsonb": "jsonb",
                "json": "json", "float": "double", "binary": "bytea"}  # fmt: skip
    return (families[name],) if name in families else None


def rails_operations(text: str, dialect: str) -> MigrationOps:
    """A Rails migration's forward part (``change`` or ``up``) as operations."""
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
    methods = {tsx.text(m.child_by_field_name("name")): m for m in body.named_children if m.type in tsx.RUBY_METHODS}
    forward = methods.get("change") or methods.get("up")
    if forward is None:
        return MigrationOps(transactional=transactional, dialect=dialect)
    lines = text.splitlines()
    heredocs = Heredocs([n for n in tsx.walk(root) if n.type == "heredoc_body"], {}, lines)
    heredocs.constants.update(_string_constants(root, heredocs))
    ops: list[Operation] = []
    skip: set[int] = set()
    for node in tsx.walk(forward):
        if node.type != "call" or node.id in skip:
            continue
        if not runs_on(branch_constraints(node, forward), dialect):
            continue  # a branch for another database adapter
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
                elif block is not None and ops and ops[-1].kind is Op.CREATE_TABLE:
                    new_columns = tuple(c for o in _table_block(node, block, lines) for c in o.columns)
                    ops[-1] = replace(ops[-1], columns=new_columns)  # read by the type rules only
        elif _method(node) in DATA_METHODS and _rooted_at_constant(node):
            ops.append(Operation(Op.DATA, tsx.line(node), detail=f"{tsx.text(receiver).split('.')[0]}.{_method(node)}"))
    if transactional and cls is not None:
        ops = [_with_ddl_transaction_off(o, lines, tsx.line(cls)) for o in ops]
    return MigrationOps(tuple(ops), transactional=transactional, dialect=dialect)


def _with_ddl_transaction_off(op: Operation, lines: list[str], class_line: int) -> Operation:
    """`algorithm: :concurrently` cannot run in the migration's transaction: the suggestion also
    adds `disable_ddl_transaction!` under the class line, as one edit down to the statement."""
    if op.suggestion is None or "algorithm: :concurrently" not in op.suggestion:
        return op
    if not 0 < class_line < op.line or op.line - class_line > MAX_FIX_SPAN:
        return replace(op, suggestion=None)
    indent = lines[class_line - 1][: len(lines[class_line - 1]) - len(lines[class_line - 1].lstrip())] + "  "
    between = lines[class_line : op.line - 1]
    text = "\n".join([lines[class_line - 1], f"{indent}disable_ddl_transaction!", "", *between, op.suggestion])
    return replace(op, suggestion=text, suggestion_lines=(class_line, op.line))


def _rooted_at_constant(call: tsx.Node) -> bool:
    node: tsx.Node | None = call
    while node is not None and node.type == "call":
        node = node.child_by_field_name("receiver")
    return node is not None and node.type in ("constant", "scope_resolution") and tsx.text(node) != "ActiveRecord"


def _schema_call(call: tsx.Node, dialect: str, lines: list[str], heredocs: Heredocs) -> list[Operation]:
    name = _method(call)
    line = tsx.line(call)
    positional, keywords = _args(call)
    table = _name(positional[0]) if positional else None
    column = _name(positional[1]) if len(positional) > 1 else None

    def op(kind: Op, **kw: object) -> Operation:
        if name in GUARD_OPTIONS:  # Rails 6.1+: if_not_exists: true / if_exists: true
            kw.setdefault("guarded", keywords.get(GUARD_OPTIONS[name]) == "true")
        return Operation(kind, line, table=table, detail=name, **kw)  # type: ignore[arg-type]

    if name == "create_table":
        return [op(Op.CREATE_TABLE)]
    if name == "create_view":  # Scenic: `create_view :name, version: 2, materialized: true`
        made = op(Op.CREATE_VIEW)
        return [replace(made, detail="create_view (materialized)") if keywords.get("materialized") == "true" else made]
    if name == "drop_table":
        return [op(Op.DROP_TABLE)]
    if name == "rename_table":
        return [op(Op.RENAME_TABLE, new_name=column)]
    if name == "add_column":
        default = keywords.get("default")
        volatile = volatile_call(default)
        column_type = rails_type(tsx.text(positional[2]), keywords) if len(positional) > 2 else None
        return [
            op(
                Op.ADD_COLUMN,
                column=column,
                not_null=keywords.get("null") == "false",
                has_default=default is not None and default != "nil",
                volatile_default=volatile,
                columns=(ColumnSpec(column, column_type, line, sql=False),) if column else (),
            )
        ]
    if name == "remove_column":  # remove_column(table, column, type = nil, **options)
        return [op(Op.DROP_COLUMN, column=column)]
    if name == "remove_columns":  # remove_columns(table, *columns, type: nil)
        return [op(Op.DROP_COLUMN, column=_name(p)) for p in positional[1:]] or [op(Op.DROP_COLUMN)]
    if name == "rename_column":
        return [op(Op.RENAME_COLUMN, column=column, new_name=_name(positional[2]) if len(positional) > 2 else None)]
    if name == "change_column":
        new_type = rails_type(tsx.text(positional[2]), keywords) if len(positional) > 2 else None
        return [op(Op.ALTER_COLUMN_TYPE, column=column, column_type=new_type)]
    if name == "change_column_null":
        if len(positional) > 2 and tsx.text(positional[2]) == "false":
            return [op(Op.SET_NOT_NULL, column=column)]
        if len(positional) > 2 and tsx.text(positional[2]) == "true":  # NULL allowed again: old code may not expect it
            return [op(Op.DROP_NOT_NULL, column=column)]
        return []
    if name in ("add_index", "remove_index"):
        concurrently = keywords.get("algorithm") == ":concurrently"
        suggestion = None if concurrently else _append_option(lines, call, "algorithm: :concurrently")
        kind = Op.CREATE_INDEX if name == "add_index" else Op.DROP_INDEX
        return [op(kind, concurrently=concurrently, unique=keywords.get("unique") == "true", suggestion=suggestion)]
    constraint = keywords["name"].strip().lstrip(":").strip("'\"").lower() if "name" in keywords else None
    if name == "add_foreign_key":
        not_valid = keywords.get("validate") == "false"
        return [
            op(
                Op.ADD_FOREIGN_KEY,
                not_valid=not_valid,
                suggestion=None if not_valid else _append_option(lines, call, "validate: false"),
                constraint=constraint,
            )
        ]
    if name == "add_check_constraint":
        not_valid = keywords.get("validate") == "false"
        condition = tsx.string_value(positional[1]) if len(positional) > 1 else None
        return [
            op(
                Op.ADD_CHECK,
                not_valid=not_valid,
                suggestion=None if not_valid else _append_option(lines, call, "validate: false"),
                constraint=constraint,
                column=not_null_column(condition),
            )
        ]
    if name == "add_enum_value":  # Rails 7.1+: add_enum_value :mood, "happy", before: "sad"
        return [op(Op.ADD_ENUM_VALUE, positioned="before" in keywords or "after" in keywords,
                   guarded=keywords.get("if_not_exists") == "true")]  # fmt: skip
    if name in ("validate_foreign_key", "validate_check_constraint", "validate_constraint"):
        named = _name(positional[1]) if name == "validate_constraint" and len(positional) > 1 else constraint
        return [op(Op.VALIDATE_CONSTRAINT, constraint=named)]
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


@dataclass
class Heredocs:
    """The file's heredoc bodies (tree-sitter puts them after the statement that opens them) and
    its string constants (`SQL = <<~SQL ... SQL`, `INDEX = "CREATE INDEX ..."`)."""

    bodies: list[tsx.Node]
    constants: dict[str, tuple[str, int]]
    lines: list[str]  # the file's lines, where a suggestion for embedded SQL must fit


#: methods that keep a string's SQL as it is (`<<~SQL.squish`, `"...".freeze`)
_STRING_METHODS = {"squish", "strip", "freeze", "chomp", "strip_heredoc", "dup", "squish!", "strip!"}


def sql_literal(node: tsx.Node, heredocs: Heredocs) -> tuple[str, int] | None:
    """The SQL text a node holds and its first line, when it is known before the migration runs."""
    if node.type == "call" and _method(node) in _STRING_METHODS:
        receiver = node.child_by_field_name("receiver")
        return sql_literal(receiver, heredocs) if receiver is not None else None
    if node.type == "heredoc_beginning":
        body = next((h for h in heredocs.bodies if h.start_point[0] >= node.start_point[0]), None)
        if body is None or any(c.type == "interpolation" for c in body.named_children):
            return None
        content = "".join(tsx.text(c) for c in body.named_children if c.type == "heredoc_content")
        return content, tsx.line(body)
    if node.type == "constant":
        return heredocs.constants.get(tsx.text(node))
    if node.type == "parenthesized_statements" and len(node.named_children) == 1:
        return sql_literal(node.named_children[0], heredocs)
    value = tsx.string_value(node)
    return (value, tsx.line(node)) if value is not None else None


def _string_constants(root: tsx.Node, heredocs: Heredocs) -> dict[str, tuple[str, int]]:
    found: dict[str, tuple[str, int]] = {}
    for node in tsx.walk(root):
        if node.type != "assignment":
            continue
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None or left.type != "constant":
            continue
        value = sql_literal(right, heredocs)
        if value is not None:
            found[tsx.text(left)] = value
    return found


def _execute(call: tsx.Node, positional: list[tsx.Node], dialect: str, heredocs: Heredocs) -> list[Operation]:
    line = tsx.line(call)
    if not positional:
        return []
    found = sql_literal(positional[0], heredocs)
    if found is None:
        return [Operation(Op.UNKNOWN, line, detail="execute of SQL built at run time")]
    sql, first_line = found
    ops = analyse_sql(sql, dialect, first_line=first_line, host_lines=heredocs.lines)
    if positional[0].type == "constant":  # defined elsewhere: report it where it runs
        ops = [replace(o, line=line, end_line=None, suggestion=None) for o in ops]
    return ops


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
            column_type = rails_type(name, keywords) if name in COLUMN_TYPES and name != "column" else (
                rails_type(tsx.text(args[1]), keywords) if name == "column" and len(args) > 1 else None)
            ops.append(
                Operation(
                    Op.ADD_COLUMN,
                    line,
                    table=table,
                    column=column,
                    detail=detail,
                    not_null=keywords.get("null") == "false",
                    has_default="default" in keywords,
                    columns=tuple(ColumnSpec(c, column_type, line, sql=False) for c in [column] if c),
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
