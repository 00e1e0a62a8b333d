"""Django model fields as the migrations declare them, kept in the schema (``bot.core.schema``)
so an ``AlterField`` is compared with the field it replaces instead of being guessed to be a type
change, and a drop with what deployed migrations already took out of Django's state.

The schema holds Django's own idea of the models (``state_operations`` of
``SeparateDatabaseAndState`` included, as ``MigrationOps.state_changes``), built from the app's
earlier migrations in graph order, each read once. A field the replay never saw (a squashed prefix,
a custom field class, a model made elsewhere) stays unknown, and it is then judged as before:
conservatively.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from bot.core.column_types import catalog_only
from bot.core.operations import ColumnSpec, Declaration, Op, Operation
from bot.core.schema import Schema
from bot.syntax.pyast import call_name

#: what an ``AlterField`` fact says in ``detail`` (the judgement below replaces it)
ALTER_FIELD = "AlterField"
#: what a ``CreateModel`` of a proxy or unmanaged model says in ``detail`` (a state change only)
NO_TABLE = "no table of its own"
#: the operations that name a model (``RunSQL`` names tables, which a model without one never is)
_MODEL_OPERATIONS = ("CreateModel", "DeleteModel", "RenameModel", "AddField", "AlterField", "RemoveField",
                     "RenameField", "AddIndex", "RemoveIndex", "AddConstraint", "ValidateConstraint")  # fmt: skip

_RELATIONS = {"ForeignKey", "OneToOneField", "ManyToManyField"}
_SHOWN = {"max_length", "max_digits", "decimal_places", "null", "to", "unique", "db_index", "base_field", "size"}

FieldSpec = Declaration  # a field as written: its class and each keyword's source text


def field_spec(node: ast.expr | None) -> FieldSpec | None:
    """``models.CharField(max_length=100, null=True)`` as a spec; ``None`` when it is not a call."""
    if not isinstance(node, ast.Call):
        return None
    cls = call_name(node) or ""
    positional = ("to", "on_delete") if cls in _RELATIONS else ("verbose_name", "name")
    kwargs = {positional[i]: ast.unparse(a) for i, a in enumerate(node.args[:2])}
    kwargs.update({k.arg: ast.unparse(k.value) for k in node.keywords if k.arg is not None})
    return FieldSpec(cls, tuple(sorted(kwargs.items())))


def field_text(spec: FieldSpec) -> str:
    return f"{spec.cls}({', '.join(f'{k}={v}' for k, v in spec.kwargs if k in _SHOWN)})"


def judge(op: Operation, schema: Schema, dialect: str) -> list[Operation] | None:
    """Django's judgement of one operation against the schema before it (``Framework.judge``)."""
    table, column = op.table, op.column
    if table is not None and table.lower() in schema.tableless and op.detail.startswith(_MODEL_OPERATIONS):
        return [replace(op, kind=Op.OTHER, detail=f"{op.detail} (a proxy or unmanaged model: {NO_TABLE})")]
    if op.kind is Op.ALTER_COLUMN_TYPE and op.detail.startswith(ALTER_FIELD):
        new = next((c.declared for c in op.columns if c.name == column), None)
        known = schema.column(table, column)
        return judge_alter(known.declared if known else None, new, op.line, table, column, dialect)
    lowered = (table or "").lower()
    if (op.kind is Op.DROP_TABLE and lowered in schema.gone_tables) or (
        op.kind is Op.DROP_COLUMN and (lowered, (column or "").lower()) in schema.gone_columns
    ):
        return [replace(op, kind=Op.OTHER, detail=f"{op.detail} (left Django's state in a deployed migration)")]
    if op.kind in (Op.DROP_COLUMN, Op.RENAME_COLUMN) and op.detail in ("RemoveField", "RenameField"):
        known = schema.column(table, column)
        return [replace(op, context=describe(known.declared if known else None))]
    return None


def state_forwards(schema: Schema, op: Operation, label: str, deployed: bool) -> None:
    """A ``state_operations`` change: Django's state changes, the database keeps what the state
    drops, and once that is deployed the running code no longer reads it. A proxy or unmanaged
    model is known to the state only: it has no table."""
    if deployed and op.table:
        model = op.table.lower()
        owners = {model, schema.db_tables.get(model) or (f"{label}_{model}" if label else model)}
        if op.kind is Op.DROP_TABLE:
            schema.gone_tables.update(owners)
        elif op.kind is Op.DROP_COLUMN and op.column:
            removed = op.column.lower()
            columns = {removed, f"{removed}_id"}
            known = schema.column(op.table, op.column)
            db_column = known.declared.get("db_column") if known and known.declared else None
            if db_column:
                columns.add(_unquote(db_column) or "")
            schema.gone_columns.update((owner, c) for owner in owners for c in columns)
    schema.apply(op)
    if op.kind is Op.CREATE_TABLE and op.table and NO_TABLE in op.detail:  # after apply, which says it has one
        schema.tableless.add(op.table.lower())


# -- judging an AlterField against the field it replaces ------------------------------------

#: attributes Django keeps in Python: changing them emits no SQL (or only a cheap default/comment)
NO_SQL = {
    "choices", "help_text", "verbose_name", "validators", "related_name", "related_query_name", "blank",
    "editable", "on_delete", "default", "error_messages", "auto_now", "auto_now_add", "upload_to", "storage",
    "limit_choices_to", "serialize", "unique_for_date", "unique_for_month", "unique_for_year", "path", "match",
    "recursive", "allow_files", "allow_folders", "encoder", "decoder", "db_default", "db_comment", "name",
    "width_field", "height_field", "protocol", "unpack_ipv4", "swappable", "db_tablespace",
}  # fmt: skip
#: attributes judged one by one below
_HANDLED = {"null", "unique", "db_index", "db_column", "db_constraint", "max_length", "max_digits",
            "decimal_places", "to", "base_field", "size"}  # fmt: skip

_VARCHAR_DEFAULT = {"CharField": None, "EmailField": "254", "URLField": "200", "SlugField": "50",
                    "FileField": "100", "ImageField": "100", "FilePathField": "100"}  # fmt: skip
_FAMILY = {
    "TextField": "text", "IntegerField": "integer", "PositiveIntegerField": "integer+check", "AutoField": "integer",
    "SmallIntegerField": "smallint", "PositiveSmallIntegerField": "smallint+check", "SmallAutoField": "smallint",
    "BigIntegerField": "bigint", "PositiveBigIntegerField": "bigint+check", "BigAutoField": "bigint",
    "BooleanField": "boolean", "NullBooleanField": "boolean", "DateTimeField": "timestamptz", "DateField": "date",
    "TimeField": "time", "DurationField": "interval", "FloatField": "double", "UUIDField": "uuid",
    "JSONField": "jsonb", "BinaryField": "bytea", "GenericIPAddressField": "inet", "IPAddressField": "inet",
}  # fmt: skip


def db_type(spec: FieldSpec) -> tuple[str, ...] | None:
    """The column type a field makes (PostgreSQL's names), or ``None`` for a class we do not know."""
    if spec.cls in _VARCHAR_DEFAULT:
        return ("varchar", spec.get("max_length") or _VARCHAR_DEFAULT[spec.cls] or "?")
    if spec.cls == "DecimalField":
        return ("numeric", spec.get("max_digits") or "?", spec.get("decimal_places") or "?")
    if spec.cls in ("ForeignKey", "OneToOneField"):
        # Django finds the model whatever the case of its name (`orders.Customer` is `orders.customer`)
        return ("reference", (spec.get("to") or "?").lower(), spec.get("to_field") or "")
    if spec.cls == "ArrayField":
        return ("array", spec.get("base_field") or "?", spec.get("size") or "")
    family = _FAMILY.get(spec.cls)
    return (family,) if family else None


def column_spec(name: str | None, node: ast.expr | None, line: int) -> ColumnSpec | None:
    """A field as the type rules read it: its column type, a positive-integer check set aside."""
    spec = field_spec(node)
    if name is None or spec is None:
        return None
    found = db_type(spec)
    column_type = (found[0].removesuffix("+check"), *found[1:]) if found else None
    bounded = spec.get("choices") is not None or "MaxValueValidator" in (spec.get("validators") or "")
    return ColumnSpec(name, column_type, line, sql=False, bounded=bounded, declared=spec)


def judge_alter(
    previous: FieldSpec | None, new: FieldSpec | None, line: int, table: str | None, column: str | None, dialect: str
) -> list[Operation]:
    """What an ``AlterField`` does to the database, given the field it replaces."""
    detail = f"AlterField({new.cls if new else ''})"
    if previous is None or new is None:  # nothing to compare with: judged as a type change, as always
        return [Operation(Op.ALTER_COLUMN_TYPE, line, table=table, column=column, detail=detail)]
    ops: list[Operation] = []
    changed = {k for k in dict(previous.kwargs).keys() | dict(new.kwargs).keys() if previous.get(k) != new.get(k)}
    before, after = db_type(previous), db_type(new)
    was = f"from {field_text(previous)} to {field_text(new)}"
    unknown_change = changed - NO_SQL - _HANDLED
    if before is None or after is None:
        if previous.cls != new.cls or unknown_change or changed & {"max_length", "max_digits", "decimal_places"}:
            ops.append(Operation(Op.ALTER_COLUMN_TYPE, line, table=table, column=column, detail=f"{detail} {was}"))
    elif before != after:
        # a Positive*Field is its integer type with a CHECK (col >= 0): the type is compared without
        # it; the check added is a constraint validated by a scan, the check dropped costs nothing
        plain_before, plain_after = _without_check(before), _without_check(after)
        if plain_before != plain_after and not catalog_only(plain_before, plain_after, dialect):
            ops.append(Operation(Op.ALTER_COLUMN_TYPE, line, table=table, column=column, detail=f"{detail} {was}",
                                 known_rewrite=True))  # fmt: skip
        if after[0].endswith("+check") and not before[0].endswith("+check"):
            ops.append(Operation(Op.ADD_CHECK, line, table=table, column=column, detail=f"{detail} {was} (CHECK >= 0)"))
    elif unknown_change:  # db_collation, primary_key, ...: not judged field by field
        ops.append(Operation(Op.ALTER_COLUMN_TYPE, line, table=table, column=column, detail=f"{detail} {was}"))
    if "db_column" in changed and new.get("db_column"):
        ops.append(Operation(Op.RENAME_COLUMN, line, table=table, column=column,
                             new_name=_unquote(new.get("db_column")), detail=f"{detail} db_column"))  # fmt: skip
    if _true(previous.get("null")) and not _true(new.get("null")):
        ops.append(Operation(Op.SET_NOT_NULL, line, table=table, column=column, detail=f"{detail} null=True -> False"))
    elif not _true(previous.get("null")) and _true(new.get("null")) and not _true(new.get("primary_key")):
        # Django runs DROP NOT NULL: code that assumes a value may now read NULL (zulip 0440 was not seen)
        ops.append(Operation(Op.DROP_NOT_NULL, line, table=table, column=column, detail=f"{detail} null=False -> True"))
    if not _true(previous.get("unique")) and _true(new.get("unique")) and not _true(new.get("primary_key")):
        ops.append(Operation(Op.ADD_UNIQUE, line, table=table, column=column, detail=f"{detail} unique=True"))
    indexed_before, indexed_after = _indexed(previous), _indexed(new)
    if not indexed_before and indexed_after:
        ops.append(Operation(Op.CREATE_INDEX, line, table=table, column=column, detail=f"{detail} db_index=True"))
    elif indexed_before and not indexed_after:
        ops.append(Operation(Op.DROP_INDEX, line, table=table, column=column, detail=f"{detail} db_index=False"))
    if not ops:
        what = ", ".join(sorted(changed)) or "nothing"
        ops.append(Operation(Op.OTHER, line, table=table, column=column, detail=f"{detail} changes {what} (no rewrite)"))
    return ops


def _without_check(column_type: tuple[str, ...]) -> tuple[str, ...]:
    return (column_type[0].removesuffix("+check"), *column_type[1:])


def describe(spec: FieldSpec | None) -> str:
    """``a CharField(max_length=20) field, indexed`` for messages; empty when the replay never saw it."""
    if spec is None:
        return ""
    words = f"a {field_text(spec)} field"
    if _true(spec.get("unique")) or _true(spec.get("primary_key")):
        words += ", with a unique index"
    elif _indexed(spec):
        words += ", indexed"
    return words


def _indexed(spec: FieldSpec) -> bool:
    if spec.get("db_index") is not None:
        return _true(spec.get("db_index"))
    return spec.cls in ("ForeignKey", "OneToOneField")  # Django indexes a relation unless told not to


def _true(text: str | None) -> bool:
    return text == "True"


def _unquote(text: str | None) -> str | None:
    return text.strip("'\"").lower() if text else None


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _literal_lower(node: ast.expr | None) -> str | None:
    value = _literal(node)
    return value.lower() if value is not None else None


__all__ = ["ALTER_FIELD", "FieldSpec", "describe", "field_spec", "judge", "judge_alter", "state_forwards"]


