"""A sqlglot data type as a comparable column type (``bot.core.column_types``), as PostgreSQL reads it."""

from __future__ import annotations

from sqlglot import exp

from bot.core.column_types import ColumnType

_FAMILIES = {"TEXT": "text", "INT": "integer", "BIGINT": "bigint", "SMALLINT": "smallint", "BOOLEAN": "boolean",
             "DATE": "date", "TIMESTAMPTZ": "timestamptz", "TIMESTAMP": "timestamp", "UUID": "uuid", "JSONB": "jsonb",
             "JSON": "json", "DOUBLE": "double", "FLOAT": "real"}  # fmt: skip


def column_type(node: exp.Expression | None) -> ColumnType | None:
    """A sqlglot data type as a comparable column type (``bot.core.column_types``); an array is
    ``("array", *element)``; a name sqlglot keeps as user-defined (``serial4``,
    ``pg_catalog.varchar(100)``) is read as PostgreSQL reads it."""
    if not isinstance(node, exp.DataType):
        return None
    name = node.this.name if hasattr(node.this, "name") else str(node.this)
    params = [_param(p) for p in node.expressions if not isinstance(p, exp.DataType)]
    if name == "ARRAY":
        inner = next((column_type(e) for e in node.expressions if isinstance(e, exp.DataType)), None)
        return ("array", *(inner or ("unknown",)))
    if name == "USERDEFINED":
        kind = node.args.get("kind")
        spelled_as = (kind.name if isinstance(kind, exp.Dot) else kind.sql() if kind is not None else "").lower()
        if isinstance(kind, exp.Dot) and kind.this.name.lower() == "pg_catalog":
            spelled_as = kind.expression.name.lower()
        name = _PG_ALIASES.get(spelled_as, spelled_as).upper()
        if name == "VARCHAR":
            return ("varchar", params[0]) if params else ("text",)
        family = _FAMILIES.get(name)
        return (family,) if family else (name.lower(), *params)
    if name in ("VARCHAR", "NVARCHAR"):
        return ("varchar", params[0]) if params else ("text",)
    if name in ("DECIMAL", "NUMERIC"):
        return ("numeric", *[*params, "", ""][:2])
    family = _FAMILIES.get(name)
    if family in _PRECISE and params:  # timestamp(6) -> timestamp(0) rewrites every row
        return (family, *params)
    return (family,) if family else (name.lower(), *params)


#: types whose argument is a precision the rows are stored with
_PRECISE = {"timestamp", "timestamptz"}


#: PostgreSQL's other names for its types, as sqlglot hands them over unmodelled
_PG_ALIASES = {"serial4": "serial", "serial8": "bigserial", "serial2": "smallserial", "int4": "int", "int8": "bigint",
               "int2": "smallint", "integer": "int", "character varying": "varchar", "bpchar": "char"}  # fmt: skip


def _param(node: exp.Expression) -> str:
    """``varchar(320)``'s ``320``: a number read as written (``.sql()`` runs the generator: a tenth
    of a millisecond per column, most of the time of reading a column type)."""
    inner = node.this if isinstance(node, exp.DataTypeParam) else None
    if isinstance(inner, exp.Literal) and not inner.is_string:
        return str(inner.this)
    return node.sql()


def type_named(spelled: str, dialect: str = "postgres") -> ColumnType | None:
    """A type written as SQL text (Knex's ``specificType('c', 'varchar(40)')``, TypeORM's
    ``type: "varchar"``), as a comparable column type; ``None`` when it does not read as one."""
    try:
        return column_type(exp.DataType.build(spelled, dialect=dialect))
    except Exception:  # sqlglot raises several kinds on text that is not a type
        return None
