"""Column types as comparable tuples, and which type changes a database makes without a rewrite.

Front ends read a type from their own spelling (a Django field class, a SQLAlchemy type) into a
tuple of PostgreSQL's names and arguments: ``("varchar", "100")``, ``("numeric", "12", "2")``,
``("text",)``. Whether a change between two such tuples rewrites the table is a fact about the
database, kept here once.
"""

from __future__ import annotations

from collections.abc import Mapping

ColumnType = tuple[str, ...]


def catalog_only(before: ColumnType, after: ColumnType, dialect: str) -> bool:
    """PostgreSQL changes the column's type without touching a row (binary-coercible): the same type,
    a wider ``varchar``, ``varchar`` to ``text``, a ``numeric`` with more digits and the same scale.
    MySQL is not judged here: its ``MODIFY COLUMN`` restates nullability, charset and default too,
    which the replay does not track, so every MySQL change stays reported (conservative)."""
    if dialect != "postgres":
        return False
    if before == after:
        return True
    if before[0] == "varchar" and after == ("text",):
        return True
    if before[0] == after[0] == "varchar" and len(before) > 1 and len(after) > 1:
        return _number(after[1]) >= _number(before[1]) > 0
    if before[0] == after[0] and before[0] in _PRECISE:  # more fractional digits (or the default 6)
        return _precision(after) >= _precision(before)
    if before[0] == after[0] == "numeric" and len(before) > 2 and len(after) > 2:
        return before[2] == after[2] and _number(after[1]) >= _number(before[1]) > 0
    return False


#: types whose argument is the precision of the stored fractional seconds (6 when not given)
_PRECISE = {"timestamp", "timestamptz"}


def _precision(column_type: ColumnType) -> int:
    return _number(column_type[1]) if len(column_type) > 1 else 6


def spelled(column_type: ColumnType) -> str:
    """``varchar(100)`` for messages."""
    name, *args = column_type
    shown = [a for a in args if a]
    return f"{name}({', '.join(shown)})" if shown else name


def _number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return -1


def builder_type(method: str, numbers: list[str], fixed: Mapping[str, tuple[str, ...]]) -> ColumnType | None:
    """The column a schema builder's method makes (Knex, Laravel: the same conventions):
    ``string(name, n)`` is ``varchar(n)`` and ``char(name, n)`` ``char(n)``, 255 unless told;
    ``decimal(name, p, s)`` is ``numeric(p, s)``, 8 and 2 unless told; the rest from ``fixed``.
    ``numbers``: the literal numbers after the name."""
    if method in ("string", "char"):
        return ("varchar" if method == "string" else "char", numbers[0] if numbers else "255")
    if method == "decimal":
        return ("numeric", *(numbers + ["8", "2"][len(numbers):])[:2])
    return fixed.get(method)
