"""Laravel's Schema builder and DB facade as schema operations (tree-sitter PHP)."""

from __future__ import annotations

from bot.core.column_types import ColumnType, builder_type
from bot.core.operations import ColumnSpec, MigrationOps, Op, Operation
from bot.core.textfile import UnreadableFile
from bot.syntax import treesitter as tsx
from bot.syntax.dialects import normalise_dialect, runs_on, volatile_call
from bot.syntax.embedded_sql import analyse_sql
from bot.syntax.ruby_branches import PHP_BRANCHES, branch_constraints

COLUMN_TYPES = {
    "string", "text", "mediumText", "longText", "char", "integer", "bigInteger", "smallInteger", "tinyInteger",
    "unsignedBigInteger", "unsignedInteger", "float", "double", "decimal", "boolean", "date", "dateTime",
    "dateTimeTz", "time", "timestamp", "timestampTz", "json", "jsonb", "uuid", "ulid", "binary", "enum", "ipAddress",
    "foreignId", "foreignUuid", "foreignIdFor", "id", "increments", "bigIncrements", "year", "set",
}  # fmt: skip
NULLABLE_BY_DEFAULT = {"timestamps", "softDeletes", "nullableTimestamps", "rememberToken"}
#: the PostgreSQL type each Blueprint column method makes (``string``, ``char`` and ``decimal`` take arguments)
_PG_TYPES = {
    "text": ("text",), "mediumText": ("text",), "longText": ("text",), "integer": ("integer",),
    "unsignedInteger": ("integer",), "bigInteger": ("bigint",), "unsignedBigInteger": ("bigint",),
    "smallInteger": ("smallint",), "tinyInteger": ("smallint",), "float": ("double",), "double": ("double",),
    "boolean": ("boolean",), "date": ("date",), "dateTime": ("timestamp",), "dateTimeTz": ("timestamptz",),
    "time": ("time",), "timestamp": ("timestamp",), "timestampTz": ("timestamptz",), "json": ("json",),
    "jsonb": ("jsonb",), "uuid": ("uuid",), "foreignUuid": ("uuid",), "binary": ("bytea",), "ipAddress": ("inet",),
    "foreignId": ("bigint",), "id": ("bigserial",), "increments": ("serial",), "bigIncrements": ("bigserial",),
}  # fmt: skip


def laravel_type(method: str, args: list[tsx.Node]) -> ColumnType | None:
    """The column type a Blueprint method makes on PostgreSQL: ``string('name', 100)`` is
    ``varchar(100)`` (255 unless told), ``decimal('n', 12, 2)`` ``numeric(12, 2)`` (8, 2 unless told)."""
    return builder_type(method, [tsx.text(a) for a in args[1:] if tsx.text(a).isdigit()], _PG_TYPES)


def _args(call: tsx.Node) -> list[tsx.Node]:
    args = call.child_by_field_name("arguments")
    found = []
    for arg in args.named_children if args is not None else []:
        if arg.type == "argument" and arg.named_children:
            found.append(arg.named_children[-1])
    return found


def _name(node: tsx.Node | None) -> str | None:
    value = tsx.string_value(node)
    return value.lower() if value is not None else None


def _chain(call: tsx.Node) -> tuple[tsx.Node | None, list[tuple[str, tsx.Node]]]:
    links: list[tuple[str, tsx.Node]] = []
    node: tsx.Node | None = call
    while node is not None and node.type in ("member_call_expression", "nullsafe_member_call_expression"):
        links.append((tsx.text(node.child_by_field_name("name")), node))
        node = node.child_by_field_name("object")
    links.reverse()
    return node, links


def laravel_operations(text: str, dialect: str) -> MigrationOps:
    dialect = normalise_dialect(dialect)
    try:
        root = tsx.parse(text, "php")
    except UnreadableFile:
        return MigrationOps(dialect=dialect)
    cls = next((n for n in tsx.walk(root) if n.type in ("class_declaration", "anonymous_class")), None)
    body = cls.child_by_field_name("body") if cls is not None else None
    if body is None:
        return MigrationOps(dialect=dialect)
    transactional = not any(
        m.type == "property_declaration" and "withinTransaction" in tsx.text(m) and "false" in tsx.text(m)
        for m in body.named_children
    )
    up = next(
        (
            m
            for m in body.named_children
            if m.type == "method_declaration" and tsx.text(m.child_by_field_name("name")) == "up"
        ),
        None,
    )
    ops: list[Operation] = []
    for node in tsx.walk(up) if up is not None else []:
        if node.type in ("scoped_call_expression", "member_call_expression") and not runs_on(_driver_branches(node, up), dialect):
            continue  # a branch for another database (`if (DB::getDriverName() === 'sqlite')`)
        if node.type == "scoped_call_expression":
            ops.extend(_static_call(node, dialect))
        elif (
            node.type == "member_call_expression"
            and node.parent is not None
            and node.parent.type == "expression_statement"
        ):
            ops.extend(_data_chain(node))
    return MigrationOps(tuple(ops), transactional=transactional, dialect=dialect)


def _driver_branches(node: tsx.Node, stop: tsx.Node | None) -> tuple[str, ...]:
    """The database conditions under which ``node`` runs: an ``if``/``elseif`` on
    ``DB::getDriverName()`` (or the connection's driver), its ``else``."""
    return branch_constraints(node, stop, PHP_BRANCHES)


def _static_call(call: tsx.Node, dialect: str) -> list[Operation]:
    scope = tsx.text(call.child_by_field_name("scope"))
    name = tsx.text(call.child_by_field_name("name"))
    args = _args(call)
    line = tsx.line(call)
    table = _name(args[0]) if args else None
    detail = f"{scope}::{name}"
    if scope == "Schema":
        if name == "create":
            defined = _blueprint(table, args[1], dialect) if len(args) > 1 else []
            columns = tuple(c for o in defined if o.kind is Op.ADD_COLUMN for c in o.columns)
            return [Operation(Op.CREATE_TABLE, line, table=table, detail=detail, columns=columns)]
        if name in ("drop", "dropIfExists"):
            return [Operation(Op.DROP_TABLE, line, table=table, detail=detail)]
        if name == "rename":
            return [
                Operation(
                    Op.RENAME_TABLE,
                    line,
                    table=table,
                    new_name=_name(args[1]) if len(args) > 1 else None,
                    detail=detail,
                )
            ]
        if name == "table" and len(args) > 1:
            return _blueprint(table, args[1], dialect)
    if scope == "DB" and name in ("statement", "unprepared"):
        found = tsx.constant_string(args[0]) if args else None
        if found is None:
            return [Operation(Op.UNKNOWN, line, detail=f"{detail} of SQL built at run time")]
        sql, where = found
        return analyse_sql(sql, dialect, first_line=tsx.line(where))
    return []


def _data_chain(call: tsx.Node) -> list[Operation]:
    root, links = _chain(call)
    names = [n for n, _ in links]
    if root is not None and root.type == "scoped_call_expression" and names and names[-1] in (
        "update", "insert", "delete", "upsert", "increment", "decrement", "updateOrInsert", "truncate",
    ):  # fmt: skip
        return [
            Operation(
                Op.DATA, tsx.line(call), detail=f"{tsx.text(root.child_by_field_name('scope'))}::...->{names[-1]}"
            )
        ]
    return []


def _blueprint(table: str | None, closure: tsx.Node, dialect: str = "postgres") -> list[Operation]:
    params = closure.child_by_field_name("parameters")
    param = next((tsx.text(n) for n in tsx.walk(params) if n.type == "variable_name"), "$table") if params else "$table"
    ops: list[Operation] = []
    for node in tsx.walk(closure):
        if node.type != "member_call_expression" or node.parent is None or node.parent.type != "expression_statement":
            continue
        if not runs_on(_driver_branches(node, closure), dialect):
            continue
        root, links = _chain(node)
        if root is None or tsx.text(root) != param or not links:
            continue
        first, first_call = links[0]
        names = {n for n, _ in links}
        args = _args(first_call)
        column = _name(args[0]) if args else ("id" if first == "id" else None)  # `$table->id()` is `id`
        line = tsx.line(node)

        def op(
            kind: Op, detail: str = f"$table->{first}", line: int = line, column: str | None = column, **kw: object
        ) -> Operation:
            return Operation(kind, line, table=table, column=column, detail=detail, **kw)  # type: ignore[arg-type]

        if first in COLUMN_TYPES or first in NULLABLE_BY_DEFAULT:
            made = laravel_type(first, args)
            if "change" in names:  # judged against the column's type before it (``bot.pipeline.judging``)
                ops.append(op(Op.ALTER_COLUMN_TYPE, f"$table->{first}()->change()", column_type=made))
                made_null = next((_args(c) for n, c in links if n == "nullable"), None)
                if made_null and tsx.text(made_null[0]).lower() == "false":  # ->nullable(false)->change(): SET NOT NULL
                    ops.append(op(Op.SET_NOT_NULL, f"$table->{first}()->nullable(false)->change()"))
                continue
            default = next((_args(c) for n, c in links if n == "default"), None)
            nullable = "nullable" in names or first in NULLABLE_BY_DEFAULT
            ops.append(
                op(
                    Op.ADD_COLUMN,
                    not_null=not nullable,
                    has_default=default is not None,
                    volatile_default=volatile_call(tsx.text(default[0])) if default else None,
                    columns=(ColumnSpec(column, made, line, sql=False, not_null=not nullable),) if column else (),
                )
            )
            if "constrained" in names or "references" in names:
                ops.append(op(Op.ADD_FOREIGN_KEY, f"$table->{first}()->constrained()"))
            if "index" in names:
                ops.append(op(Op.CREATE_INDEX, f"$table->{first}()->index()"))
            if "unique" in names:
                ops.append(op(Op.ADD_UNIQUE, f"$table->{first}()->unique()"))
        elif first == "dropColumn":  # dropColumn('a'), dropColumn(['a', 'b']), dropColumn('a', 'b')
            listed = args[0].named_children if args and args[0].type == "array_creation_expression" else args
            dropped = [_name(n.named_children[-1] if n.type == "array_element_initializer" and n.named_children else n)
                       for n in listed]  # fmt: skip
            if any(dropped):
                ops.extend(op(Op.DROP_COLUMN, column=name) for name in dropped if name)
            else:
                ops.append(op(Op.DROP_COLUMN))
        elif first == "renameColumn":
            ops.append(op(Op.RENAME_COLUMN, new_name=_name(args[1]) if len(args) > 1 else None))
        elif first in ("index", "spatialIndex", "fullText"):
            ops.append(op(Op.CREATE_INDEX))
        elif first in ("unique", "primary"):
            ops.append(op(Op.ADD_UNIQUE, primary_key=first == "primary"))
        elif first in ("dropIndex", "dropUnique"):
            ops.append(op(Op.DROP_INDEX))
        elif first == "foreign":
            ops.append(op(Op.ADD_FOREIGN_KEY))
    return ops
