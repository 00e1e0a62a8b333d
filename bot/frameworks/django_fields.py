"""Django model fields as the migrations declare them, replayed so an ``AlterField`` is compared
with the field it replaces instead of being guessed to be a type change.

The state is Django's own idea of the models (``state_operations`` of ``SeparateDatabaseAndState``
included, ``RunSQL`` not), built from the app's earlier migrations in graph order. A field the
replay never saw (a squashed prefix, a custom field class, a model made elsewhere) stays unknown,
and the caller then judges as before: conservatively.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from bot.core.column_types import catalog_only
from bot.core.operations import ColumnSpec, Earlier, Op, Operation
from bot.core.textfile import UnreadableFile
from bot.syntax.pyast import argument, assignments, call_name, inline_constants, parse_module


@dataclass(frozen=True)
class FieldSpec:
    """A field as written: its class and each keyword's source text."""

    cls: str
    kwargs: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str | None:
        return dict(self.kwargs).get(name)

    def text(self) -> str:
        return f"{self.cls}({', '.join(f'{k}={v}' for k, v in self.kwargs if k in _SHOWN)})"


_RELATIONS = {"ForeignKey", "OneToOneField", "ManyToManyField"}
_SHOWN = {"max_length", "max_digits", "decimal_places", "null", "to", "unique", "db_index", "base_field", "size"}


def field_spec(node: ast.expr | None) -> FieldSpec | None:
    """``models.CharField(max_length=100, null=True)`` as a spec; ``None`` when it is not a call."""
    if not isinstance(node, ast.Call):
        return None
    cls = call_name(node) or ""
    positional = ("to", "on_delete") if cls in _RELATIONS else ("verbose_name", "name")
    kwargs = {positional[i]: ast.unparse(a) for i, a in enumerate(node.args[:2])}
    kwargs.update({k.arg: ast.unparse(k.value) for k in node.keywords if k.arg is not None})
    return FieldSpec(cls, tuple(sorted(kwargs.items())))


class FieldState:
    """model (lower case) -> field name -> spec (``None``: a field whose spec is unknown); and what
    deployed migrations took out of Django's state while leaving it in the database
    (``SeparateDatabaseAndState``), which old code therefore no longer uses.

    ``label`` is the app label, for table names (``<label>_<model>`` unless ``db_table`` says)."""

    def __init__(self, label: str = "") -> None:
        self.label = label
        self.models: dict[str, dict[str, FieldSpec | None]] = {}
        self.tables: dict[str, str] = {}  # model -> its table, where ``db_table`` names it
        self.gone_tables: set[str] = set()  # models and tables only the state dropped, deployed
        self.gone_columns: set[tuple[str, str]] = set()  # (model or table, column) likewise

    def table_of(self, model: str) -> str:
        return self.tables.get(model) or (f"{self.label}_{model}" if self.label else model)

    def field(self, model: str | None, name: str | None) -> FieldSpec | None:
        if model is None or name is None:
            return None
        return self.models.get(model.lower(), {}).get(name)

    def apply(self, call: ast.Call, deployed: bool = False, state_only: bool = False) -> None:
        """Django's state change for one operation (what ``state_forwards`` does, for fields).
        ``state_only``: inside ``state_operations``, the database keeps what the state drops."""
        name = call_name(call) or ""
        model = _literal_lower(argument(call, 0, "model_name"))
        if name == "SeparateDatabaseAndState":
            state = argument(call, 1, "state_operations")
            for element in state.elts if isinstance(state, ast.List | ast.Tuple) else []:
                if isinstance(element, ast.Call):
                    self.apply(element, deployed, state_only=True)
        elif name == "CreateModel":
            created = _literal_lower(argument(call, 0, "name"))
            fields = argument(call, 1, "fields")
            if created is not None:
                self.models[created] = {}
                self.gone_tables.discard(created)
                options = argument(call, 2, "options")
                if isinstance(options, ast.Dict):
                    for key, value in zip(options.keys, options.values, strict=True):
                        if _literal(key) == "db_table" and (table := _literal_lower(value)) is not None:
                            self.tables[created] = table
                for item in fields.elts if isinstance(fields, ast.List | ast.Tuple) else []:
                    if isinstance(item, ast.Tuple) and len(item.elts) == 2:
                        field_name = _literal(item.elts[0])
                        if field_name is not None:
                            self.models[created][field_name] = field_spec(item.elts[1])
        elif name == "DeleteModel":
            deleted = _literal_lower(argument(call, 0, "name")) or ""
            self.models.pop(deleted, None)
            if state_only and deployed:
                self.gone_tables.update({deleted, self.table_of(deleted)})
        elif name == "RenameModel":
            old, new = _literal_lower(argument(call, 0, "old_name")), _literal_lower(argument(call, 1, "new_name"))
            if old is not None and new is not None and old in self.models:
                self.models[new] = self.models.pop(old)
        elif name in ("AddField", "AlterField") and model is not None:
            field_name = _literal(argument(call, 1, "name"))
            if field_name is not None:
                self.models.setdefault(model, {})[field_name] = field_spec(argument(call, 2, "field"))
        elif name == "RemoveField" and model is not None:
            removed = _literal(argument(call, 1, "name")) or ""
            spec = self.models.get(model, {}).pop(removed, None)
            if state_only and deployed:
                columns = {removed.lower(), f"{removed.lower()}_id"}
                if spec is not None and spec.get("db_column"):
                    columns.add(_unquote(spec.get("db_column")) or "")
                self.gone_columns.update((owner, c) for owner in (model, self.table_of(model)) for c in columns)
        elif name == "RenameField" and model is not None:
            old_name, new_name = _literal(argument(call, 1, "old_name")), _literal(argument(call, 2, "new_name"))
            known = self.models.get(model)
            if known is not None and old_name in known and new_name is not None:
                known[new_name] = known.pop(old_name)


def replay(history: Sequence[Earlier], label: str = "") -> FieldState:
    """The field state after the given migrations (oldest first); unreadable ones are skipped."""
    state = FieldState(label)
    for earlier in history:
        for call in operation_calls(earlier.text):
            state.apply(call, earlier.deployed)
    return state


def without_settled_drops(ops: list[Operation], state: FieldState) -> list[Operation]:
    """A dropped table or column that an earlier, deployed migration already took out of Django's
    state is no longer read by the running code: dropping it is the safe second step of the
    expand/contract pattern, not a hazard."""
    settled: list[Operation] = []
    for op in ops:
        table = (op.table or "").lower()
        if (op.kind is Op.DROP_TABLE and table in state.gone_tables) or (op.kind is Op.DROP_COLUMN and (table, (op.column or "").lower()) in state.gone_columns):
            op = replace(op, kind=Op.OTHER, detail=f"{op.detail} (left Django's state in a deployed migration)")
        settled.append(op)
    return settled


def operation_calls(text: str) -> Iterator[ast.Call]:
    """The calls in ``Migration.operations`` of a migration file, in order."""
    try:
        module = inline_constants(parse_module(text))
    except (UnreadableFile, RecursionError):
        return
    cls = next((s for s in module.body if isinstance(s, ast.ClassDef) and s.name == "Migration"), None)
    if cls is None:
        return
    operations = assignments(cls.body).get("operations")
    if operations is not None and isinstance(operations.value, ast.List | ast.Tuple):
        yield from (e for e in operations.value.elts if isinstance(e, ast.Call))


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
        return ("reference", spec.get("to") or "?", spec.get("to_field") or "")
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
    return ColumnSpec(name, column_type, line, sql=False, bounded=bounded)


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
    was = f"from {previous.text()} to {new.text()}"
    unknown_change = changed - NO_SQL - _HANDLED
    if before is None or after is None:
        if previous.cls != new.cls or unknown_change or changed & {"max_length", "max_digits", "decimal_places"}:
            ops.append(Operation(Op.ALTER_COLUMN_TYPE, line, table=table, column=column, detail=f"{detail} {was}"))
    elif before != after:
        if not catalog_only(before, after, dialect):
            ops.append(Operation(Op.ALTER_COLUMN_TYPE, line, table=table, column=column, detail=f"{detail} {was}",
                                 known_rewrite=True))  # fmt: skip
    elif unknown_change:  # db_collation, primary_key, ...: not judged field by field
        ops.append(Operation(Op.ALTER_COLUMN_TYPE, line, table=table, column=column, detail=f"{detail} {was}"))
    if "db_column" in changed and new.get("db_column"):
        ops.append(Operation(Op.RENAME_COLUMN, line, table=table, column=column,
                             new_name=_unquote(new.get("db_column")), detail=f"{detail} db_column"))  # fmt: skip
    if _true(previous.get("null")) and not _true(new.get("null")):
        ops.append(Operation(Op.SET_NOT_NULL, line, table=table, column=column, detail=f"{detail} null=True -> False"))
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


def describe(spec: FieldSpec | None) -> str:
    """``a CharField(max_length=20) field, indexed`` for messages; empty when the replay never saw it."""
    if spec is None:
        return ""
    words = f"a {spec.text()} field"
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


__all__ = ["FieldSpec", "FieldState", "describe", "field_spec", "judge_alter", "operation_calls", "replay", "without_settled_drops"]


