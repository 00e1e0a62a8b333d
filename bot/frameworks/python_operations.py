"""Alembic ``op.*`` calls and Django migration operations as schema operations (read with ``ast``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from bot.core.operations import MigrationOps, Op, Operation
from bot.core.textfile import UnreadableFile
from bot.syntax.dialects import branch_dialects, normalise_dialect, volatile_call
from bot.syntax.embedded_sql import analyse_sql
from bot.syntax.pyast import (
    NotALiteral,
    argument,
    assignments,
    call_name,
    functions,
    inline_constants,
    literal,
    parse_module,
)


def _string(node: ast.expr | None) -> str | None:
    """A literal string, also through ``sa.text("...")`` / ``text("...")``."""
    if node is None:
        return None
    if isinstance(node, ast.Call) and call_name(node) == "text" and node.args:
        node = node.args[0]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _name(node: ast.expr | None) -> str | None:
    value = _string(node)
    return value.lower() if value is not None else None


def _truthy(node: ast.expr | None) -> bool:
    try:
        return bool(literal(node)) if node is not None else False
    except NotALiteral:
        return True


def _sql(text: str, node: ast.expr, dialect: str, lines: list[str], outside: bool = False) -> list[Operation]:
    ops = analyse_sql(text, dialect, first_line=node.lineno, host_lines=lines)
    return [_mark(o, outside) for o in ops] if outside else ops


def _mark(op: Operation, outside: bool) -> Operation:
    from dataclasses import replace

    return replace(op, outside_transaction=outside)


def _single_line_suggestion(lines: list[str], call: ast.Call, addition: str) -> str | None:
    """The call's line with ``addition`` before its closing parenthesis, when the call is one line."""
    if call.lineno != call.end_lineno or call.end_col_offset is None:
        return None
    line = lines[call.lineno - 1]
    end = call.end_col_offset - 1
    if line[end : end + 1] != ")":
        return None
    return line[:end] + addition + line[end:]


# -- Alembic -----------------------------------------------------------------------------


def alembic_operations(text: str, dialect: str) -> MigrationOps:
    dialect = normalise_dialect(dialect)
    try:
        module = inline_constants(parse_module(text))
    except UnreadableFile:
        return MigrationOps(dialect=dialect)
    upgrade = functions(module.body).get("upgrade")
    if upgrade is None:
        return MigrationOps(dialect=dialect)
    lines = text.splitlines()
    ops = list(_alembic_block(upgrade.body, dialect, lines, outside=False, batch_tables={}))
    return MigrationOps(tuple(ops), transactional=True, dialect=dialect)


def _alembic_block(
    body: list[ast.stmt], dialect: str, lines: list[str], outside: bool, batch_tables: dict[str, str]
) -> Iterator[Operation]:
    for stmt in body:
        if isinstance(stmt, ast.If) and (decided := branch_dialects(ast.unparse(stmt.test))) is not None:
            named, negated = decided  # `if bind.dialect.name == "mysql":` runs on one database only
            taken = (dialect in named) != negated
            yield from _alembic_block(stmt.body if taken else stmt.orelse, dialect, lines, outside, batch_tables)
            continue
        if isinstance(stmt, ast.With):
            inner_outside = outside
            inner_batch = dict(batch_tables)
            for item in stmt.items:
                ctx = item.context_expr
                if isinstance(ctx, ast.Call) and call_name(ctx) == "autocommit_block":
                    inner_outside = True
                if (
                    isinstance(ctx, ast.Call)
                    and call_name(ctx) == "batch_alter_table"
                    and item.optional_vars is not None
                ):
                    table = _name(argument(ctx, 0, "table_name"))
                    if table and isinstance(item.optional_vars, ast.Name):
                        inner_batch[item.optional_vars.id] = table
            yield from _alembic_block(stmt.body, dialect, lines, inner_outside, inner_batch)
            continue
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                if isinstance(owner, ast.Name) and (owner.id == "op" or owner.id in batch_tables):
                    batch_table = batch_tables.get(owner.id) if owner.id != "op" else None
                    for op in _alembic_call(node, dialect, lines, batch_table):
                        yield _mark(op, outside) if outside else op
                elif node.func.attr == "execute" and node.args:
                    for op in _connection_execute(node, dialect, lines):
                        yield _mark(op, outside) if outside else op


_CORE_DML = {"update", "insert", "delete"}


def _connection_execute(call: ast.Call, dialect: str, lines: list[str]) -> list[Operation]:
    """`op.get_bind().execute(...)`, `conn.execute(...)`, `session.execute(...)`: literal SQL is
    analysed; SQLAlchemy Core `table.update()/insert()/delete()` is a data change; a select or
    anything else reads only."""
    argument_node = call.args[0]
    sql = _string(argument_node)
    if sql is not None:
        return _sql(sql, argument_node, dialect, lines)
    for node in ast.walk(argument_node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _CORE_DML:
            return [Operation(Op.DATA, call.lineno, detail=f"execute({node.func.attr}())")]
    return []


def _alembic_call(call: ast.Call, dialect: str, lines: list[str], batch_table: str | None) -> list[Operation]:
    name = call_name(call) or ""
    line = call.lineno
    shift = 0 if batch_table else 1  # batch_op calls omit the table argument

    def table(position: int = 0, keyword: str = "table_name") -> str | None:
        return batch_table or _name(argument(call, position, keyword))

    def kw(key: str) -> ast.expr | None:
        return next((k.value for k in call.keywords if k.arg == key), None)

    detail = f"op.{name}"
    if name == "create_table":
        return [Operation(Op.CREATE_TABLE, line, table=_name(argument(call, 0, "table_name")), detail=detail)]
    if name == "drop_table":
        return [Operation(Op.DROP_TABLE, line, table=_name(argument(call, 0, "table_name")), detail=detail)]
    if name == "rename_table":
        return [
            Operation(
                Op.RENAME_TABLE,
                line,
                table=_name(argument(call, 0, "old_table_name")),
                new_name=_name(argument(call, 1, "new_table_name")),
                detail=detail,
            )
        ]
    if name == "add_column":
        column = argument(call, shift, "column")
        col_name, not_null, has_default, volatile = None, False, False, None
        if isinstance(column, ast.Call):
            col_name = _name(column.args[0]) if column.args else None
            nullable = next((k.value for k in column.keywords if k.arg == "nullable"), None)
            primary = next((k.value for k in column.keywords if k.arg == "primary_key"), None)
            not_null = (nullable is not None and not _truthy(nullable)) or (primary is not None and _truthy(primary))
            default = next((k.value for k in column.keywords if k.arg == "server_default"), None)
            has_default = default is not None and not (isinstance(default, ast.Constant) and default.value is None)
            volatile = volatile_call(_string(default))
        return [
            Operation(
                Op.ADD_COLUMN,
                line,
                table=table(),
                column=col_name,
                not_null=not_null,
                has_default=has_default,
                volatile_default=volatile,
                detail=detail,
            )
        ]
    if name == "drop_column":
        return [
            Operation(
                Op.DROP_COLUMN, line, table=table(), column=_name(argument(call, shift, "column_name")), detail=detail
            )
        ]
    if name == "alter_column":
        ops = []
        column = _name(argument(call, shift, "column_name"))
        if kw("nullable") is not None and not _truthy(kw("nullable")):
            ops.append(
                Operation(Op.SET_NOT_NULL, line, table=table(), column=column, detail=f"{detail}(nullable=False)")
            )
        if kw("type_") is not None:
            ops.append(
                Operation(Op.ALTER_COLUMN_TYPE, line, table=table(), column=column, detail=f"{detail}(type_=...)")
            )
        if kw("new_column_name") is not None:
            ops.append(
                Operation(
                    Op.RENAME_COLUMN,
                    line,
                    table=table(),
                    column=column,
                    new_name=_name(kw("new_column_name")),
                    detail=f"{detail}(new_column_name=...)",
                )
            )
        return ops
    if name in ("create_index", "drop_index"):
        concurrently = _truthy(kw("postgresql_concurrently"))
        suggestion = None
        if not concurrently and dialect == "postgres":
            suggestion = _single_line_suggestion(lines, call, ", postgresql_concurrently=True")
        if name == "create_index":
            return [
                Operation(
                    Op.CREATE_INDEX,
                    line,
                    table=table(1),
                    concurrently=concurrently,
                    unique=_truthy(kw("unique")),
                    detail=detail,
                    suggestion=suggestion,
                )
            ]
        return [
            Operation(
                Op.DROP_INDEX,
                line,
                table=_name(kw("table_name")) or batch_table,
                concurrently=concurrently,
                detail=detail,
                suggestion=suggestion,
            )
        ]
    if name == "create_foreign_key":
        return [
            Operation(
                Op.ADD_FOREIGN_KEY,
                line,
                table=table(1, "source_table"),
                not_valid=_truthy(kw("postgresql_not_valid")),
                detail=detail,
            )
        ]
    if name == "create_check_constraint":
        return [
            Operation(Op.ADD_CHECK, line, table=table(1), not_valid=_truthy(kw("postgresql_not_valid")), detail=detail)
        ]
    if name in ("create_unique_constraint", "create_primary_key"):
        return [Operation(Op.ADD_UNIQUE, line, table=table(1), detail=detail)]
    if name == "execute":
        sql = _string(argument(call, 0, "sqltext"))
        if sql is None:
            return [Operation(Op.UNKNOWN, line, detail="op.execute() of SQL built at run time")]
        return _sql(sql, call.args[0] if call.args else call, dialect, lines)
    if name == "bulk_insert":
        return [Operation(Op.DATA, line, detail=detail)]
    return []


# -- Django ------------------------------------------------------------------------------


_FIELD_INDEXED = {"ForeignKey", "OneToOneField"}


def django_operations(text: str, dialect: str) -> MigrationOps:
    dialect = normalise_dialect(dialect)
    try:
        module = inline_constants(parse_module(text))
    except UnreadableFile:
        return MigrationOps(dialect=dialect)
    cls = next((s for s in module.body if isinstance(s, ast.ClassDef) and s.name == "Migration"), None)
    if cls is None:
        return MigrationOps(dialect=dialect)
    lines = text.splitlines()
    names = assignments(cls.body)
    atomic = True
    if "atomic" in names:
        try:
            atomic = bool(literal(names["atomic"].value))
        except NotALiteral:
            atomic = True
    operations = names.get("operations")
    ops: list[Operation] = []
    if operations is not None and isinstance(operations.value, ast.List | ast.Tuple):
        for element in operations.value.elts:
            if isinstance(element, ast.Call):
                ops.extend(_django_operation(element, dialect, lines))
    return MigrationOps(tuple(ops), transactional=atomic, dialect=dialect)


def _django_operation(call: ast.Call, dialect: str, lines: list[str]) -> list[Operation]:
    name = call_name(call) or ""
    line = call.lineno

    def model(position: int = 0, keyword: str = "model_name") -> str | None:
        return _name(argument(call, position, keyword))

    if name == "SeparateDatabaseAndState":
        database = argument(call, 0, "database_operations")
        found: list[Operation] = []
        if isinstance(database, ast.List | ast.Tuple):
            for element in database.elts:
                if isinstance(element, ast.Call):
                    found.extend(_django_operation(element, dialect, lines))
        return found
    if name == "CreateModel":
        return [Operation(Op.CREATE_TABLE, line, table=model(0, "name"), detail=name)]
    if name == "DeleteModel":
        return [Operation(Op.DROP_TABLE, line, table=model(0, "name"), detail=name)]
    if name == "RenameModel":
        return [
            Operation(Op.RENAME_TABLE, line, table=model(0, "old_name"), new_name=model(1, "new_name"), detail=name)
        ]
    if name in ("AddField", "AlterField"):
        field = argument(call, 2, "field")
        column = _name(argument(call, 1, "name"))
        kwargs = {k.arg: k.value for k in field.keywords} if isinstance(field, ast.Call) else {}
        field_type = call_name(field) if isinstance(field, ast.Call) else ""
        if name == "AlterField":
            return [
                Operation(Op.ALTER_COLUMN_TYPE, line, table=model(), column=column, detail=f"AlterField({field_type})")
            ]
        null = _truthy(kwargs.get("null")) if "null" in kwargs else False
        ops = [
            Operation(
                Op.ADD_COLUMN,
                line,
                table=model(),
                column=column,
                not_null=not null and field_type not in ("ManyToManyField",),
                has_default="default" in kwargs or "db_default" in kwargs,
                detail=f"AddField({field_type})",
            )
        ]
        if field_type in _FIELD_INDEXED:
            ops.append(
                Operation(Op.ADD_FOREIGN_KEY, line, table=model(), column=column, detail=f"AddField({field_type})")
            )
            if not ("db_index" in kwargs and not _truthy(kwargs["db_index"])):
                ops.append(
                    Operation(
                        Op.CREATE_INDEX, line, table=model(), column=column, detail=f"AddField({field_type}) index"
                    )
                )
        elif _truthy(kwargs.get("db_index")):
            ops.append(Operation(Op.CREATE_INDEX, line, table=model(), column=column, detail="AddField(db_index=True)"))
        if _truthy(kwargs.get("unique")):
            ops.append(Operation(Op.ADD_UNIQUE, line, table=model(), column=column, detail="AddField(unique=True)"))
        return ops
    if name == "RemoveField":
        return [Operation(Op.DROP_COLUMN, line, table=model(), column=_name(argument(call, 1, "name")), detail=name)]
    if name == "RenameField":
        return [
            Operation(
                Op.RENAME_COLUMN,
                line,
                table=model(),
                column=_name(argument(call, 1, "old_name")),
                new_name=_name(argument(call, 2, "new_name")),
                detail=name,
            )
        ]
    if name in ("AddIndex", "AddIndexConcurrently"):
        index = argument(call, 1, "index")
        unique = False
        if isinstance(index, ast.Call):
            unique = any(k.arg == "unique" and _truthy(k.value) for k in index.keywords)
        return [
            Operation(
                Op.CREATE_INDEX,
                line,
                table=model(),
                concurrently=name.endswith("Concurrently"),
                unique=unique,
                detail=name,
            )
        ]
    if name in ("RemoveIndex", "RemoveIndexConcurrently"):
        return [Operation(Op.DROP_INDEX, line, table=model(), concurrently=name.endswith("Concurrently"), detail=name)]
    if name in ("AddConstraint", "AddConstraintNotValid"):
        constraint = argument(call, 1, "constraint")
        kind = call_name(constraint) if isinstance(constraint, ast.Call) else ""
        not_valid = name == "AddConstraintNotValid"
        if kind == "CheckConstraint":
            return [
                Operation(Op.ADD_CHECK, line, table=model(), not_valid=not_valid, detail=f"{name}(CheckConstraint)")
            ]
        if kind == "UniqueConstraint":
            return [Operation(Op.ADD_UNIQUE, line, table=model(), detail=f"{name}(UniqueConstraint)")]
        return [Operation(Op.UNKNOWN, line, table=model(), detail=f"{name}({kind})")]
    if name == "ValidateConstraint":
        return [Operation(Op.VALIDATE_CONSTRAINT, line, table=model(), detail=name)]
    if name == "RunSQL":
        sql = argument(call, 0, "sql")
        parts = sql.elts if isinstance(sql, ast.List | ast.Tuple) else [sql]
        found = []
        for part in parts:
            text = _string(part) if part is not None else None
            if text is None:
                found.append(Operation(Op.UNKNOWN, line, detail="RunSQL of SQL built at run time"))
            else:
                found.extend(_sql(text, part, dialect, lines))
        return found
    if name == "RunPython":
        return [Operation(Op.DATA, line, detail="RunPython")]
    return []
