"""Names in SQL as every reader of it spells them: unquoted names lower-cased, quoted ones kept,
tables as ``schema.table`` (``public.`` dropped), so the analyser and the replayed schema agree."""

from __future__ import annotations

import re

from sqlglot import exp


def ident(node: exp.Expression | str | None) -> str:
    if node is None:
        return ""
    if isinstance(node, exp.Column):  # a column reference: its own name, quoted or not
        node = node.this
    if isinstance(node, exp.Identifier):
        return node.name if node.quoted else node.name.lower()
    if isinstance(node, exp.Expression):
        return node.name.lower()
    return str(node).lower()


def table_name(node: exp.Expression | None) -> str | None:
    if not isinstance(node, exp.Table):
        return None
    parts = [node.args.get(k) for k in ("catalog", "db", "this")]
    names = [ident(p) for p in parts if p is not None]
    names = [n for n in names if n]
    if len(names) > 1 and names[-2] == "public":
        names = names[-1:]
    return ".".join(names) or None


_NOT_NULL_CONDITION = re.compile(r'\s*\(?\s*(?:"([^"]+)"|([A-Za-z_][A-Za-z0-9_$]*))\s+IS\s+NOT\s+NULL\s*\)?\s*', re.IGNORECASE)


def not_null_column(condition: str | None) -> str | None:
    """The column of a CHECK condition given as a string that is exactly ``col IS NOT NULL``
    (Rails' ``add_check_constraint``, Alembic's ``create_check_constraint``), named as the SQL
    readers name it: such a CHECK, once valid, lets PostgreSQL set NOT NULL without a scan."""
    found = _NOT_NULL_CONDITION.fullmatch(condition or "")
    if found is None:
        return None
    return found[1] if found[1] is not None else found[2].lower()
