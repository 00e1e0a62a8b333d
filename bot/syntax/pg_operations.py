"""PostgreSQL statements read by PostgreSQL's own parser (libpg_query, through pglast).

sqlglot reads about 7,000 statements a second; libpg_query parses 50,000 and more, and it is
the parser the database itself runs, so what it reads is what will run. The statements
migrations are mostly made of (``CREATE TABLE``, ``CREATE INDEX``, ``ALTER TABLE`` adding,
retyping, renaming and dropping columns and constraints, ``DROP``, ``SET``, ``TRUNCATE``) are
read here into the same operations ``bot.syntax.sql_operations`` makes from sqlglot's tree;
any other statement, or a shape of one not read here, is ``None``, and sqlglot reads it as
before. So each statement has one reading, and a test holds the two readers to the same
operations (``tests/test_pg_reader.py``).

Like sqlglot, this runs only in the analysing child (``bot.pipeline.isolation``), on statements
the size and depth bounds let through; libpg_query refuses nesting past its own stack limit.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from bot.core.column_types import ColumnType
from bot.core.operations import ColumnSpec, Op, Operation
from bot.syntax.dialects import VOLATILE
from bot.syntax.pg_functions import NON_VOLATILE
from bot.syntax.sql_edits import concurrently_added, first_repeated, not_valid_added

_parse_sql_json: Callable[[str], str] | None
_split: Callable[..., Any] | None
try:  # a wheel for the platform is not certain: without it every statement goes to sqlglot
    from pglast.parser import ParseError as _PgError
    from pglast.parser import parse_sql_json as _parse_sql_json
    from pglast.parser import split as _split
except ImportError:  # pragma: no cover - pglast is a dependency; a platform without a wheel
    _parse_sql_json = _split = None

    class _PgError(Exception):  # type: ignore[no-redef]
        pass


Node = dict[str, Any]
Ops = list[Operation]


class NotRead(Exception):
    """The statement has a shape this reader leaves to sqlglot."""


def available() -> bool:
    return _parse_sql_json is not None


def pg_operations(text: str, line: int, end_line: int, source_line: str | None) -> Ops | None:
    """The operations of one statement (``text``, without its semicolon, starting on ``line``),
    or ``None`` when PostgreSQL's parser refuses it or it is not a shape read here."""
    if _parse_sql_json is None:
        return None
    try:
        parsed = json.loads(_parse_sql_json(text))
    except (_PgError, ValueError, RecursionError):
        return None
    statements = parsed.get("stmts") or []
    if len(statements) != 1:
        return None
    ((kind, node),) = statements[0]["stmt"].items()
    reader = _READERS.get(kind)
    if reader is None:
        return None
    try:
        return reader(node, _Statement(text, line, end_line, source_line))
    except NotRead:
        return None


#: what may stand between statements: whitespace, comments and semicolons
_BETWEEN = re.compile(r"(?:\s+|;|--[^\n]*|/\*(?:[^*]|\*(?!/))*\*/)*")


def pg_statements(sql: str) -> list[tuple[int, int]] | None:
    """Where each statement's code starts and ends (comments before it and the semicolon after it
    left out), as PostgreSQL's scanner splits the text; ``None`` when it refuses the text or leaves
    anything but whitespace, comments and semicolons between statements (its splitter drops a
    statement of one bare word, and a statement dropped must never pass in silence)."""
    if _split is None:
        return None
    try:
        slices = _split(sql, with_parser=False, only_slices=True)
    except (_PgError, ValueError, RecursionError):
        return None
    out: list[tuple[int, int]] = []
    last = 0
    for piece in slices:
        gap = _BETWEEN.match(sql, last, piece.start)
        if gap is None or gap.end() != piece.start:
            return None
        code = _BETWEEN.match(sql, piece.start, piece.stop)
        start = code.end() if code is not None else piece.start
        stop = len(sql[start : piece.stop].rstrip()) + start
        if start >= stop:
            return None
        out.append((start, stop))
        last = piece.stop
    tail = _BETWEEN.match(sql, last)
    return out if tail is not None and tail.end() == len(sql) else None


class _Statement:
    """Where a statement stands in its file, to put its operations and columns on their lines."""

    def __init__(self, text: str, line: int, end_line: int, source_line: str | None) -> None:
        self.text, self.line, self.end_line, self.source_line = text, line, end_line, source_line
        self._bytes: bytes | None = None if text.isascii() else text.encode()

    def op(self, kind: Op, **kw: Any) -> Operation:
        return Operation(kind, self.line, end_line=self.end_line, **kw)

    def line_at(self, location: int | None) -> int:
        """The file line of a byte offset libpg_query recorded, kept within the statement."""
        if location is None or location < 0:
            return self.line
        newlines = self._bytes.count(b"\n", 0, location) if self._bytes is not None else self.text.count("\n", 0, location)
        return min(self.line + newlines, self.end_line)


# ---- names and types


def _table(relation: Node) -> str | None:
    """A ``RangeVar`` as ``schema.table`` (``public.`` dropped), as ``sql_names.table_name`` spells it."""
    names = [n for n in (relation.get("catalogname"), relation.get("schemaname"), relation.get("relname")) if n]
    if len(names) > 1 and names[-2] == "public":
        names = names[-1:]
    return ".".join(names) or None


def _qualified(relation: Node) -> bool:
    return bool(relation.get("schemaname"))


def _strings(items: list[Node] | None) -> list[str]:
    out = []
    for item in items or []:
        string = item.get("String")
        if string is None:
            raise NotRead
        out.append(string.get("sval", ""))
    return out


def _dotted(names: list[str]) -> str | None:
    if len(names) > 1 and names[-2] == "public":
        names = names[-1:]
    return ".".join(names) or None


#: PostgreSQL's internal type names, as ``sql_types.column_type`` reads them from sqlglot; a type
#: not here (its spelling decides what sqlglot makes of it: ``float`` and ``float8``) is not read
_TYPES: dict[str, str] = {"int4": "integer", "int8": "bigint", "int2": "smallint", "bool": "boolean", "text": "text",
                          "date": "date", "uuid": "uuid", "jsonb": "jsonb", "json": "json", "serial": "serial",
                          "bigserial": "bigserial", "smallserial": "smallserial"}  # fmt: skip
_PRECISE = {"timestamp", "timestamptz"}


def _modifiers(type_name: Node) -> list[str]:
    out = []
    for mod in type_name.get("typmods") or []:
        const = mod.get("A_Const")
        if const is None or "ival" not in const:
            raise NotRead
        out.append(str(const["ival"].get("ival", 0)))
    return out


def _type(type_name: Node | None) -> ColumnType:
    """A ``TypeName`` as a comparable column type (``bot.core.column_types``)."""
    if type_name is None or type_name.get("setof") or type_name.get("pct_type"):
        raise NotRead
    names = _strings(type_name.get("names"))
    if len(names) == 2 and names[0] == "pg_catalog":
        names = names[1:]
    if len(names) != 1:
        raise NotRead
    name, params = names[0], _modifiers(type_name)
    bounds = type_name.get("arrayBounds") or []
    if len(bounds) > 1:
        raise NotRead
    if name == "varchar":
        if len(params) > 1:
            raise NotRead
        base: ColumnType = ("varchar", params[0]) if params else ("text",)
    elif name == "numeric":
        base = ("numeric", *[*params, "", ""][:2])
    elif name in _PRECISE:
        base = (name, *params)
    elif name in _TYPES and not params:
        base = (_TYPES[name],)
    else:
        raise NotRead
    if bounds:
        if base[0] in ("serial", "bigserial", "smallserial"):
            raise NotRead
        return ("array", *base)
    return base


def _spec(column: Node, statement: _Statement, keys: frozenset[str] = frozenset()) -> ColumnSpec:
    """A column definition; ``keys``: the columns of the table's own PRIMARY KEY (NOT NULL too)."""
    name = column.get("colname", "")
    contypes = {c.get("Constraint", {}).get("contype") for c in column.get("constraints") or []}
    not_null = name in keys or bool(contypes & {"CONSTR_NOTNULL", "CONSTR_PRIMARY"})
    return ColumnSpec(name, _type(column.get("typeName")), statement.line_at(column.get("location")), not_null=not_null)


# ---- expressions


def _children(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        yield from node.values()
    elif isinstance(node, list):
        yield from node


def _calls(expression: Node) -> Iterator[str]:
    """The functions an expression calls, outermost first (breadth first, as sqlglot's ``find_all``)."""
    queue: deque[Any] = deque([expression])
    while queue:
        node = queue.popleft()
        if isinstance(node, dict):
            call = node.get("FuncCall")
            if isinstance(call, dict):
                names = _strings(call.get("funcname"))
                yield names[-1].lower() if names else ""
        queue.extend(c for c in _children(node) if isinstance(c, dict | list))


def _volatile_in(expression: Node) -> tuple[str | None, bool]:
    """The first volatile function a default calls, and whether it is only presumed volatile (a
    function PostgreSQL's catalogue does not know: the project's own), as squawk treats it."""
    unknown: str | None = None
    for name in _calls(expression):
        if name in VOLATILE:
            return f"{name}()", False
        if name not in NON_VOLATILE and unknown is None:
            unknown = f"{name}()"
    return unknown, unknown is not None


def _column_ref(node: Node | None) -> str | None:
    """The column a bare ``ColumnRef`` names."""
    ref = (node or {}).get("ColumnRef")
    if ref is None:
        return None
    fields = ref.get("fields") or []
    if len(fields) != 1 or "String" not in fields[0]:
        return None
    return str(fields[0]["String"].get("sval", ""))


def _not_null_check(expression: Node | None) -> str | None:
    """The column of ``CHECK (col IS NOT NULL)`` (or ``NOT (col IS NULL)``)."""
    test = (expression or {}).get("NullTest")
    if test is not None and test.get("nulltesttype") == "IS_NOT_NULL":
        return _column_ref(test.get("arg"))
    boolean = (expression or {}).get("BoolExpr")
    if boolean is not None and boolean.get("boolop") == "NOT_EXPR" and len(boolean.get("args") or []) == 1:
        inner = boolean["args"][0].get("NullTest")
        if inner is not None and inner.get("nulltesttype") == "IS_NULL":
            return _column_ref(inner.get("arg"))
    return None


# ---- statements


def _create_index(node: Node, s: _Statement) -> Ops:
    relation = node.get("relation") or {}
    if not relation.get("inh", False) or node.get("indexIncludingParams"):
        raise NotRead
    columns = []
    for param in node.get("indexParams") or []:
        element = param.get("IndexElem") or {}
        if "name" not in element or element.get("opclass") or element.get("collation"):
            raise NotRead
        columns.append(element["name"])
    concurrently = bool(node.get("concurrent"))
    return [s.op(Op.CREATE_INDEX, table=_table(relation), index=node.get("idxname"), index_columns=tuple(columns),
                 concurrently=concurrently, unique=bool(node.get("unique")), detail="CREATE INDEX",
                 suggestion=None if concurrently else concurrently_added(s.source_line),
                 guarded=bool(node.get("if_not_exists")))]  # fmt: skip


def _create_table(node: Node, s: _Statement) -> Ops:
    if any(node.get(k) for k in ("partbound", "partspec", "inhRelations", "ofTypename", "accessMethod")):
        raise NotRead
    relation = node.get("relation") or {}
    elements = [next(iter(e.items())) for e in node.get("tableElts") or []]
    if any(kind not in ("ColumnDef", "Constraint") for kind, _value in elements):
        raise NotRead
    keys = frozenset(k for kind, value in elements if kind == "Constraint" and value.get("contype") == "CONSTR_PRIMARY"
                     for k in _strings(value.get("keys")))  # fmt: skip
    columns = [_spec(value, s, keys) for kind, value in elements if kind == "ColumnDef"]
    temporary = relation.get("relpersistence") == "t"
    return [s.op(Op.CREATE_TABLE, table=_table(relation), detail="CREATE TEMPORARY TABLE" if temporary else "CREATE TABLE",
                 columns=tuple(columns), guarded=bool(node.get("if_not_exists")), qualified=_qualified(relation),
                 temporary=temporary, repeated=first_repeated([c.name for c in columns]))]  # fmt: skip


def _drop(node: Node, s: _Statement) -> Ops:
    kind, guarded = node.get("removeType"), bool(node.get("missing_ok"))
    if any("List" not in o for o in node.get("objects") or []):
        raise NotRead
    objects = [_strings(o["List"].get("items")) for o in node.get("objects") or []]
    if kind == "OBJECT_TABLE":
        return [s.op(Op.DROP_TABLE, table=_dotted(names), detail="DROP TABLE", guarded=guarded, qualified=len(names) > 1)
                for names in objects] or [s.op(Op.DROP_TABLE, detail="DROP TABLE", guarded=guarded)]  # fmt: skip
    if kind == "OBJECT_TRIGGER" and objects and all(len(names) > 1 for names in objects):
        # its name last, after the table's: ACCESS EXCLUSIVE on the table
        return [s.op(Op.DROP_TRIGGER, table=_dotted(names[:-1]), detail="DROP TRIGGER", guarded=guarded) for names in objects]
    if kind in _DROPPED:
        return [s.op(Op.OTHER, detail=f"DROP {_DROPPED[kind]}")]
    if kind == "OBJECT_INDEX":
        concurrently = bool(node.get("concurrent"))
        index = (_dotted(objects[0]) or "").rpartition(".")[2] or None if len(objects) == 1 else None
        # PostgreSQL drops one index at a time concurrently, and never with CASCADE
        alone = len(objects) == 1 and node.get("behavior") != "DROP_CASCADE"
        return [s.op(Op.DROP_INDEX, concurrently=concurrently, detail="DROP INDEX", index=index, guarded=guarded,
                     suggestion=concurrently_added(s.source_line) if alone and not concurrently else None)]  # fmt: skip
    raise NotRead


def _drop_database(node: Node, s: _Statement) -> Ops:
    return [s.op(Op.DROP_DATABASE, detail="DROP DATABASE")]


def _add_column(column: Node, guarded: bool, op: Callable[..., Operation], s: _Statement) -> Ops:
    contypes = [c.get("Constraint", {}).get("contype") for c in column.get("constraints") or []]
    if "CONSTR_IDENTITY" in contypes or "CONSTR_GENERATED" in contypes or column.get("collClause"):
        raise NotRead
    name = column.get("colname", "")
    spec = _spec(column, s)
    default = next((c["Constraint"] for c in column.get("constraints") or [] if c.get("Constraint", {}).get("contype") == "CONSTR_DEFAULT"), None)
    volatile, presumed = _volatile_in(default.get("raw_expr") or {}) if default is not None else (None, False)
    serial = spec.type is not None and spec.type[0] in ("serial", "bigserial", "smallserial")
    if serial:  # `serial` is `DEFAULT nextval(...)`: every existing row gets its own value
        volatile = volatile or "nextval()"
    ops = [op(Op.ADD_COLUMN, column=name, not_null="CONSTR_NOTNULL" in contypes, has_default=default is not None or serial,
              volatile_default=volatile, presumed_volatile=presumed and volatile is not None and not serial,
              detail=f"ADD COLUMN ... {spec.type[0]}" if serial and spec.type else "ADD COLUMN",
              columns=(spec,), guarded=guarded)]  # fmt: skip
    if "CONSTR_FOREIGN" in contypes:
        ops.append(op(Op.ADD_FOREIGN_KEY, column=name, detail="ADD COLUMN ... REFERENCES", with_column=True))
    if "CONSTR_PRIMARY" in contypes:
        ops.append(op(Op.ADD_UNIQUE, column=name, detail="ADD COLUMN ... PRIMARY KEY", primary_key=True))
    elif "CONSTR_UNIQUE" in contypes:
        ops.append(op(Op.ADD_UNIQUE, column=name, detail="ADD COLUMN ... UNIQUE"))
    return ops


def _alter_type(name: str, column: Node, op: Callable[..., Operation], s: _Statement) -> Ops:
    new_type = _type(column.get("typeName"))
    using = column.get("raw_default")
    while isinstance(using, dict) and "TypeCast" in using:
        using = using["TypeCast"].get("arg")
    recomputes = None
    if using and _column_ref(using) != name:
        recomputes = "computes every value again through its `USING` expression: the table is rewritten"
    elif column.get("collClause"):
        recomputes = "changes its collation: every index on it is rebuilt"
    return [op(Op.ALTER_COLUMN_TYPE, column=name, detail="ALTER COLUMN ... TYPE", column_type=new_type,
               columns=(ColumnSpec(name, new_type, s.line_at(column.get("location"))),),
               recomputes=recomputes, known_rewrite=recomputes is not None)]  # fmt: skip


def _add_constraint(constraint: Node, not_valid: bool, op: Callable[..., Operation], s: _Statement) -> Ops:
    kind, name = constraint.get("contype"), constraint.get("conname")
    if constraint.get("indexname") or name is None:
        raise NotRead  # USING INDEX, and a constraint without a name, are read from their words
    suggestion = None if not_valid else not_valid_added(s.source_line)
    if kind == "CONSTR_FOREIGN":
        keys = _strings(constraint.get("fk_attrs"))
        return [op(Op.ADD_FOREIGN_KEY, not_valid=not_valid, detail="ADD FOREIGN KEY", suggestion=suggestion,
                   column=keys[0] if len(keys) == 1 else None, constraint=name)]  # fmt: skip
    if kind == "CONSTR_CHECK":
        return [op(Op.ADD_CHECK, not_valid=not_valid, detail="ADD CHECK", suggestion=suggestion,
                   column=_not_null_check(constraint.get("raw_expr")), constraint=name)]  # fmt: skip
    if kind == "CONSTR_PRIMARY":
        return [op(Op.ADD_UNIQUE, detail="ADD PRIMARY KEY", primary_key=True)]
    if kind == "CONSTR_UNIQUE":
        return [op(Op.ADD_UNIQUE, detail="ADD UNIQUE")]
    raise NotRead


def _alter_table(node: Node, s: _Statement) -> Ops:
    if node.get("objtype") != "OBJECT_TABLE" or node.get("missing_ok"):
        raise NotRead
    relation = node.get("relation") or {}
    table, qualified = _table(relation), _qualified(relation)
    commands = [c.get("AlterTableCmd") or {} for c in node.get("cmds") or []]
    added = [c["def"]["Constraint"] for c in commands if c.get("subtype") == "AT_AddConstraint" and "Constraint" in c.get("def", {})]
    # sqlglot keeps NOT VALID for the whole statement: read alike only where every constraint agrees
    validity = {bool(c.get("skip_validation")) for c in added}
    if len(validity) > 1:
        raise NotRead
    not_valid = validity == {True}

    def op(kind: Op, **kw: Any) -> Operation:
        return s.op(kind, table=table, qualified=qualified, **kw)

    ops: Ops = []
    for command in commands:
        subtype, name = command.get("subtype"), command.get("name", "")
        definition = command.get("def") or {}
        if subtype == "AT_AddColumn" and "ColumnDef" in definition:
            ops.extend(_add_column(definition["ColumnDef"], bool(command.get("missing_ok")), op, s))
        elif subtype == "AT_AlterColumnType" and "ColumnDef" in definition:
            ops.extend(_alter_type(name, definition["ColumnDef"], op, s))
        elif subtype == "AT_SetNotNull":
            ops.append(op(Op.SET_NOT_NULL, column=name, detail="SET NOT NULL"))
        elif subtype == "AT_DropNotNull":
            ops.append(op(Op.DROP_NOT_NULL, column=name, detail="DROP NOT NULL"))
        elif subtype == "AT_AddConstraint" and "Constraint" in definition:
            ops.extend(_add_constraint(definition["Constraint"], not_valid, op, s))
        elif subtype == "AT_DropConstraint":
            ops.append(op(Op.DROP_CONSTRAINT, constraint=name, detail="DROP CONSTRAINT", guarded=bool(command.get("missing_ok"))))
        elif subtype == "AT_ColumnDefault":
            ops.append(op(Op.SET_DEFAULT, column=name, has_default="def" in command,
                          detail="ALTER COLUMN ... SET DEFAULT" if "def" in command else "ALTER COLUMN ... DROP DEFAULT"))  # fmt: skip
        elif subtype == "AT_DropColumn":
            ops.append(op(Op.DROP_COLUMN, column=name, detail="DROP COLUMN", guarded=bool(command.get("missing_ok"))))
        else:
            raise NotRead
    return ops or [op(Op.UNKNOWN, detail="ALTER TABLE")]


def _rename(node: Node, s: _Statement) -> Ops:
    relation = node.get("relation") or {}
    if node.get("missing_ok") or not relation:
        raise NotRead
    table, qualified = _table(relation), _qualified(relation)
    if node.get("renameType") == "OBJECT_COLUMN" and node.get("relationType") == "OBJECT_TABLE":
        return [s.op(Op.RENAME_COLUMN, table=table, qualified=qualified, column=node.get("subname"),
                     new_name=node.get("newname"), detail="RENAME COLUMN")]  # fmt: skip
    if node.get("renameType") == "OBJECT_TABLE":
        return [s.op(Op.RENAME_TABLE, table=table, qualified=qualified, new_name=node.get("newname"), detail="RENAME TO")]
    raise NotRead


_OFF = ("0", "0s", "0ms")


def _set(node: Node, s: _Statement) -> Ops:
    name, values = node.get("name") or "", node.get("args") or []
    if node.get("kind") != "VAR_SET_VALUE" or len(values) != 1 or "A_Const" not in values[0] or not _spelled_set(s.text, name):
        raise NotRead
    const = values[0]["A_Const"]
    value = str(const["ival"].get("ival", 0)) if "ival" in const else str(const.get("sval", {}).get("sval", "")) if "sval" in const else None
    off = value is not None and value.strip() in _OFF
    return [s.op(Op.SET, setting=None if off or not name else name, detail=f"SET {name}".strip())]


def _spelled_set(text: str, name: str) -> bool:
    """``SET [LOCAL|SESSION] name =|TO``: a setting written by its own name (``SET TIME ZONE``
    and the like are left to sqlglot, which spells them its way)."""
    words = text.split(None, 3)
    if len(words) > 1 and words[1].upper() in ("LOCAL", "SESSION"):
        words = words[1:]
    return len(words) >= 2 and words[1].split("=")[0].lower() == name


def _truncate(node: Node, s: _Statement) -> Ops:
    tables = [_table(r.get("RangeVar") or {}) for r in node.get("relations") or []]
    return [s.op(Op.DATA, table=tables[0] if len(tables) == 1 else None, detail="TRUNCATE",
                 cascade=node.get("behavior") == "DROP_CASCADE")]  # fmt: skip


def _data(node: Node, s: _Statement, kind: str) -> Ops:
    """INSERT / UPDATE / DELETE / MERGE: a data change on its table, and a column it names twice
    (PostgreSQL refuses ``SET a = 1, a = 2``)."""
    if _changes_data_in_with(node):
        raise NotRead  # left to sqlglot
    relation = node.get("relation") or {}
    names = [t.get("ResTarget", {}).get("name", "") for t in node.get("cols" if kind == "INSERT" else "targetList") or []]
    repeated = first_repeated(names) if kind in ("INSERT", "UPDATE") else None
    return [s.op(Op.DATA, table=_table(relation), detail=kind, repeated=repeated)]


def _changes_data_in_with(node: Node) -> bool:
    """A WITH of the statement holds a data change (``WITH gone AS (DELETE ...) SELECT ...``)."""
    ctes = (node.get("withClause") or {}).get("ctes") or []
    return any("SelectStmt" not in cte.get("CommonTableExpr", {}).get("ctequery", {}) for cte in ctes)


def _query(node: Node, s: _Statement) -> Ops:
    if node.get("intoClause") or _changes_data_in_with(node):
        raise NotRead  # SELECT ... INTO makes a table; a data change in a WITH: left to sqlglot
    return [s.op(Op.OTHER, detail="SELECT")]


def _create_table_as(node: Node, s: _Statement) -> Ops:
    if node.get("objtype") == "OBJECT_MATVIEW":
        return [s.op(Op.OTHER, detail="CREATE VIEW")]
    into = node.get("into") or {}
    relation = into.get("rel") or {}
    if node.get("objtype") != "OBJECT_TABLE" or not relation:
        raise NotRead
    temporary = relation.get("relpersistence") == "t"
    return [s.op(Op.CREATE_TABLE, table=_table(relation), detail="CREATE TEMPORARY TABLE" if temporary else "CREATE TABLE",
                 guarded=bool(node.get("if_not_exists")), qualified=_qualified(relation), temporary=temporary)]  # fmt: skip


#: statements that change no table's locks or shape, as sqlglot's reading names them
_HARMLESS = {"CreateEnumStmt": "CREATE TYPE",
             "CompositeTypeStmt": "CREATE TYPE", "CreateExtensionStmt": "CREATE EXTENSION", "CommentStmt": "COMMENT",
             "CreateSeqStmt": "CREATE SEQUENCE", "CreateSchemaStmt": "CREATE SCHEMA"}  # fmt: skip
_DROPPED = {"OBJECT_FUNCTION": "FUNCTION", "OBJECT_VIEW": "VIEW", "OBJECT_MATVIEW": "VIEW", "OBJECT_TYPE": "TYPE",
            "OBJECT_SEQUENCE": "SEQUENCE", "OBJECT_SCHEMA": "SCHEMA"}  # fmt: skip


def _harmless(kind: str) -> Callable[[Node, _Statement], Ops]:
    return lambda node, s: [s.op(Op.OTHER, detail=_HARMLESS[kind])]


def _create_view(node: Node, s: _Statement) -> Ops:
    return [s.op(Op.CREATE_VIEW, table=_table(node.get("view") or {}), detail="CREATE VIEW")]


def _create_trigger(node: Node, s: _Statement) -> Ops:
    """SHARE ROW EXCLUSIVE on its table (ACCESS EXCLUSIVE to replace one): writes wait. sqlglot's
    reading keeps no table: without PostgreSQL's parser it is a statement that changes nothing."""
    relation = node.get("relation") or {}
    return [s.op(Op.CREATE_TRIGGER, table=_table(relation), qualified=_qualified(relation), detail="CREATE TRIGGER")]


def _create_function(node: Node, s: _Statement) -> Ops:
    return [s.op(Op.OTHER, detail="CREATE PROCEDURE" if node.get("is_procedure") else "CREATE FUNCTION")]


def _grant(node: Node, s: _Statement) -> Ops:
    return [s.op(Op.OTHER, detail="GRANT" if node.get("is_grant") else "REVOKE")]


_READERS: dict[str, Callable[[Node, _Statement], Ops]] = {
    "InsertStmt": lambda node, s: _data(node, s, "INSERT"),
    "UpdateStmt": lambda node, s: _data(node, s, "UPDATE"),
    "DeleteStmt": lambda node, s: _data(node, s, "DELETE"),
    "MergeStmt": lambda node, s: _data(node, s, "MERGE"),
    "SelectStmt": _query,
    "CreateTableAsStmt": _create_table_as,
    "CreateFunctionStmt": _create_function,
    "CreateTrigStmt": _create_trigger,
    "ViewStmt": _create_view,
    "GrantStmt": _grant,
    **{kind: _harmless(kind) for kind in _HARMLESS},
    "IndexStmt": _create_index,
    "CreateStmt": _create_table,
    "DropStmt": _drop,
    "DropdbStmt": _drop_database,
    "AlterTableStmt": _alter_table,
    "RenameStmt": _rename,
    "VariableSetStmt": _set,
    "TruncateStmt": _truncate,
}
