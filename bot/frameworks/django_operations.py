"""Django migrations as schema operations."""

from __future__ import annotations

import ast
from dataclasses import replace

from bot.core.operations import MigrationOps, Op, Operation
from bot.core.textfile import UnreadableFile
from bot.frameworks._python_calls import embedded_sql, literal_name, literal_string, truthy
from bot.frameworks.base import MAX_FIX_SPAN
from bot.frameworks.django_fields import ALTER_FIELD, NO_TABLE, column_spec
from bot.syntax.dialects import normalise_dialect
from bot.syntax.pyast import (
    NotALiteral,
    argument,
    assignments,
    call_name,
    inline_constants,
    literal,
    parse_module,
)

_FIELD_INDEXED = {"ForeignKey", "OneToOneField"}
#: the fields Django fills with '' when they are ``blank=True`` and have no default (``empty_strings_allowed``)
_EMPTY_STRINGS = {"CharField", "TextField", "SlugField", "EmailField", "URLField", "FilePathField", "FileField",
                  "ImageField", "CICharField", "CITextField", "CIEmailField"}  # fmt: skip


def django_operations(text: str, dialect: str) -> MigrationOps:
    """What a Django migration's ``operations`` do: facts, judged later against the app's schema
    before it (an ``AlterField`` against the field it replaces: ``bot.frameworks.django_fields``).
    ``state_operations`` of ``SeparateDatabaseAndState`` change only Django's state: kept apart."""
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
    state_changes: list[Operation] = []
    if operations is not None and isinstance(operations.value, ast.List | ast.Tuple):
        for element in operations.value.elts:
            if isinstance(element, ast.Call):
                if _without_table(element):  # Django makes no table for it: a change of its state only
                    state_changes.extend(_django_operation(element, dialect, lines))
                    continue
                ops.extend(_django_operation(element, dialect, lines))
                state_changes.extend(_state_only(element, dialect, lines))
    if atomic and dialect == "postgres":
        ops = [_concurrently(o, lines, module, cls) for o in ops]
    return MigrationOps(tuple(ops), transactional=atomic, dialect=dialect, state_changes=tuple(state_changes))


def _state_only(call: ast.Call, dialect: str, lines: list[str]) -> list[Operation]:
    """The operations a ``SeparateDatabaseAndState`` applies to Django's state only."""
    if call_name(call) != "SeparateDatabaseAndState":
        return []
    state = argument(call, 1, "state_operations")
    elements = state.elts if isinstance(state, ast.List | ast.Tuple) else []
    return [o for e in elements if isinstance(e, ast.Call) for o in _django_operation(e, dialect, lines)]


def _concurrently(op: Operation, lines: list[str], module: ast.Module, cls: ast.ClassDef) -> Operation:
    """`AddIndex` / `RemoveIndex` on a one-line call: the fix is three edits Django needs together
    (the import, `atomic = False`, the concurrent operation), offered as one range from the last
    import down to the operation, when that range is short enough to read."""
    if op.kind not in (Op.CREATE_INDEX, Op.DROP_INDEX) or op.concurrently or op.detail not in ("AddIndex", "RemoveIndex"):
        return op
    imports = [s for s in module.body if isinstance(s, ast.Import | ast.ImportFrom)]
    if not imports or not 0 < op.line <= len(lines) or cls.lineno >= op.line:
        return op
    last_import = max(s.end_lineno or s.lineno for s in imports)
    call_line = lines[op.line - 1]
    name = op.detail
    if call_line.count(f"migrations.{name}(") != 1 or last_import >= cls.lineno or op.line - last_import > MAX_FIX_SPAN:
        return op
    body = lines[last_import : op.line - 1]
    header = cls.lineno - last_import - 1  # where the class line sits in ``body``
    indent = " " * (cls.body[0].col_offset if cls.body else 4)
    concurrent_import = f"from django.contrib.postgres.operations import {name}Concurrently"
    edited = [lines[last_import - 1], concurrent_import, *body[: header + 1], f"{indent}atomic = False", *body[header + 1 :],
              call_line.replace(f"migrations.{name}(", f"{name}Concurrently(")]  # fmt: skip
    return replace(op, suggestion="\n".join(edited), suggestion_lines=(last_import, op.line))


def _django_operation(call: ast.Call, dialect: str, lines: list[str]) -> list[Operation]:
    name = call_name(call) or ""
    line = call.lineno

    def model(position: int = 0, keyword: str = "model_name") -> str | None:
        return literal_name(argument(call, position, keyword))

    if name == "SeparateDatabaseAndState":
        database = argument(call, 0, "database_operations")
        found: list[Operation] = []
        if isinstance(database, ast.List | ast.Tuple):
            for element in database.elts:
                if isinstance(element, ast.Call):
                    found.extend(_django_operation(element, dialect, lines))
        return found
    if name == "CreateModel":
        fields = argument(call, 1, "fields")
        specs = [column_spec(literal_name(f.elts[0]), f.elts[1], f.lineno)
                 for f in (fields.elts if isinstance(fields, ast.List | ast.Tuple) else [])
                 if isinstance(f, ast.Tuple) and len(f.elts) == 2]  # fmt: skip
        return [Operation(Op.CREATE_TABLE, line, table=model(0, "name"), columns=tuple(s for s in specs if s is not None),
                          detail=f"{name} ({NO_TABLE})" if _without_table(call) else name, db_table=_db_table(call))]  # fmt: skip
    if name == "DeleteModel":
        return [Operation(Op.DROP_TABLE, line, table=model(0, "name"), detail=name)]
    if name == "RenameModel":
        return [
            Operation(Op.RENAME_TABLE, line, table=model(0, "old_name"), new_name=model(1, "new_name"), detail=name)
        ]
    if name in ("AddField", "AlterField"):
        field = argument(call, 2, "field")
        column = literal_name(argument(call, 1, "name"))
        kwargs = {k.arg: k.value for k in field.keywords} if isinstance(field, ast.Call) else {}
        field_type = call_name(field) if isinstance(field, ast.Call) else ""
        if name == "AlterField":  # a fact: judged against the field it replaces (``django_fields.judge``)
            spec = column_spec(column, field, line)
            return [Operation(Op.ALTER_COLUMN_TYPE, line, table=model(), column=column,
                              detail=f"{ALTER_FIELD}({field_type})", columns=(spec,) if spec else ())]  # fmt: skip
        null = truthy(kwargs.get("null")) if "null" in kwargs else False
        # Django's schema editor fills existing rows with the field's effective default, then drops
        # it unless the database keeps it (``db_default``): a ``blank=True`` text field gets ''
        kept = "db_default" in kwargs
        filled = "default" in kwargs or (truthy(kwargs.get("blank")) and field_type in _EMPTY_STRINGS)
        ops = [
            Operation(
                Op.ADD_COLUMN,
                line,
                table=model(),
                column=column,
                not_null=not null and field_type not in ("ManyToManyField",),
                has_default=kept or filled,
                default_dropped=filled and not kept,
                detail=f"AddField({field_type})",
                columns=tuple(c for c in [column_spec(column, field, line)] if c is not None),
            )
        ]
        if field_type in _FIELD_INDEXED:
            ops.append(
                # Django's PostgreSQL schema editor writes the key inline: ADD COLUMN ... REFERENCES
                Operation(Op.ADD_FOREIGN_KEY, line, table=model(), column=column, detail=f"AddField({field_type})",
                          with_column=True)
            )
            if not ("db_index" in kwargs and not truthy(kwargs["db_index"])):
                ops.append(
                    Operation(
                        Op.CREATE_INDEX, line, table=model(), column=column, detail=f"AddField({field_type}) index"
                    )
                )
        elif truthy(kwargs.get("db_index")):
            ops.append(Operation(Op.CREATE_INDEX, line, table=model(), column=column, detail="AddField(db_index=True)"))
        if truthy(kwargs.get("unique")):
            ops.append(Operation(Op.ADD_UNIQUE, line, table=model(), column=column, detail="AddField(unique=True)"))
        return ops
    if name == "RemoveField":
        removed = literal_name(argument(call, 1, "name"))
        return [Operation(Op.DROP_COLUMN, line, table=model(), column=removed, detail=name)]
    if name == "RenameField":
        return [
            Operation(
                Op.RENAME_COLUMN,
                line,
                table=model(),
                column=literal_name(argument(call, 1, "old_name")),
                new_name=literal_name(argument(call, 2, "new_name")),
                detail=name,
            )
        ]
    if name in ("AddIndex", "AddIndexConcurrently"):
        index = argument(call, 1, "index")
        unique = False
        if isinstance(index, ast.Call):
            unique = any(k.arg == "unique" and truthy(k.value) for k in index.keywords)
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
            if isinstance(part, ast.Attribute) and part.attr == "noop":
                continue  # RunSQL.noop: nothing runs forward (saleor writes reverse-only RunSQLs so)
            text = literal_string(part) if part is not None else None
            if part is None or text is None:
                found.append(Operation(Op.UNKNOWN, line, detail="RunSQL of SQL built at run time"))
            else:
                found.extend(embedded_sql(text, part, dialect, lines))
        return found
    if name == "RunPython":
        return [Operation(Op.DATA, line, detail="RunPython")]
    return []


def _without_table(call: ast.Call) -> bool:
    """``CreateModel(options={"proxy": True})`` or ``{"managed": False}``: no table is made."""
    if call_name(call) != "CreateModel":
        return False
    options = argument(call, 2, "options")
    if not isinstance(options, ast.Dict):
        return False
    for key, value in zip(options.keys, options.values, strict=True):
        name = literal_string(key)
        if (name == "proxy" and truthy(value)) or (name == "managed" and isinstance(value, ast.Constant) and value.value is False):
            return True
    return False


def _db_table(call: ast.Call) -> str | None:
    """``CreateModel(options={"db_table": "..."})``: the table's name in the database."""
    options = argument(call, 2, "options")
    if not isinstance(options, ast.Dict):
        return None
    for key, value in zip(options.keys, options.values, strict=True):
        if literal_string(key) == "db_table":
            return literal_name(value)
    return None
