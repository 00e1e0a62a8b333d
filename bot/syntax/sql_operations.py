"""SQL text to operations, with sqlglot in the configured dialect.

The text is tokenized once (sqlglot's tokenizer knows comments, quoted names, strings and
dollar-quoted bodies, so a ``;`` or ``CREATE INDEX`` inside them is not a statement), split at
top-level semicolons, and each statement parsed from its tokens. A statement sqlglot can only
keep as an opaque command is still classified from its leading keywords where a rule can tell;
DDL that stays opaque becomes an ``UNKNOWN`` operation ("could not analyse"), never a crash.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import cast

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from bot.core.operations import ColumnSpec, Op, Operation
from bot.syntax.code_size import without_comments
from bot.syntax.dialects import VOLATILE, normalise_dialect, volatile_call  # noqa: F401 (re-exported)
from bot.syntax.pg_functions import NON_VOLATILE
from bot.syntax.pg_operations import available as pg_available
from bot.syntax.pg_operations import pg_operations, pg_statements
from bot.syntax.sql_edits import concurrently_added, first_repeated, insert_after, not_valid_added
from bot.syntax.sql_names import ident, table_name
from bot.syntax.sql_types import column_type

# sqlglot logs "Falling back to parsing as a 'Command'" for every statement it cannot model; we
# report those statements ourselves (sql-not-analysed), so its own warnings never reach stderr.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


@lru_cache(maxsize=16)
def _dialect(name: str) -> Dialect:
    return Dialect.get_or_raise(name)


def split_statements(sql: str, dialect: str) -> list[list[Token]]:
    tokens = _dialect(dialect).tokenize(sql)
    chunks: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            chunks.append([])
        else:
            chunks[-1].append(token)
    return [c for c in chunks if c]


def sql_operations(sql: str, dialect: str = "postgres", first_line: int = 1, postgres_reader: bool = True) -> list[Operation]:
    """Operations of a SQL text; ``first_line`` is where the text starts in its file. PostgreSQL's
    statements are split and read by PostgreSQL's own scanner and parser where it reads their shape
    (``bot.syntax.pg_operations``), the rest by sqlglot; ``postgres_reader=False``: all by sqlglot
    (the test that holds the two to the same operations)."""
    dialect = normalise_dialect(dialect)
    exact = postgres_reader and dialect == "postgres" and pg_available()
    if exact:
        statements = pg_statements(sql)
        if statements is not None:
            return _read_split(sql, statements, first_line)
    try:
        chunks = split_statements(sql, dialect)
    except TokenError as exc:
        return [Operation(Op.UNKNOWN, first_line, detail=f"SQL that could not be tokenized ({exc})")]
    return _read_chunks(sql, chunks, dialect, first_line, exact, sql.splitlines())


_CONTROL = frozenset({"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT"})
_FIRST_WORD = re.compile(r"[A-Za-z_]+")
#: a name that may be past PostgreSQL's 63 bytes (ASCII: 64 characters; else 16 may be)
_LONG_ASCII = re.compile(r"[A-Za-z0-9_$]{64,}")
_LONG_ANY = re.compile(r"[\w$]{16,}")
_QUOTED = re.compile(r'"[^"]*"')


def _may_be_long(text: str) -> bool:
    """Whether the statement may name something past 63 bytes (then sqlglot reads it whole)."""
    ascii_only = text.isascii()
    if (_LONG_ASCII if ascii_only else _LONG_ANY).search(text):
        return True
    if '"' not in text:
        return False
    longest = 65 if ascii_only else 17  # the quotes included
    return any(match.end() - match.start() > longest for match in _QUOTED.finditer(text))


def _read_split(sql: str, statements: list[tuple[int, int]], first_line: int) -> list[Operation]:
    """A PostgreSQL text split by PostgreSQL's scanner (``pg_statements``): each statement read by
    its parser, and by sqlglot where a name may be longer than PostgreSQL keeps or the parser's
    reading is not the one kept (``pg_operations`` says ``None``). sqlglot's tokenizer then runs on
    that statement alone: tokenizing every file was a third of reading it."""
    offset = first_line - 1
    source_lines = sql.splitlines()
    operations: list[Operation] = []
    line, at = 1, 0
    for start, stop in statements:
        line += sql.count("\n", at, start)
        at = start
        text = sql[start:stop]
        end = line + text.count("\n")
        word = _FIRST_WORD.match(text)
        head = word.group(0).upper() if word else ""
        tail = text[text.rfind("\n") + 1 :]
        if not head or _may_be_long(text) or '""' in text or "--" in tail or text.endswith("*/"):
            operations.extend(_read_alone(text, line, first_line, source_lines))
            continue
        single_line = source_lines[line - 1] if line == end and line <= len(source_lines) else None
        key = ("postgres", text, single_line, end - line, True)
        known = _STATEMENTS.get(key)
        if known is not None:
            operations.extend(_shifted(o, line + offset - known[0]) for o in known[1])
            continue
        ops: list[Operation] | None
        if (head in _CONTROL and _transaction_control(text) is not None) or _MAINTENANCE.match(text):
            ops = _classify(None, text, "postgres", line + offset, end + offset, single_line, offset)
        else:
            ops = pg_operations(text, line + offset, end + offset, single_line)
        if ops is None:
            operations.extend(_read_alone(text, line, first_line, source_lines))
            continue
        _remember(key, line + offset, ops)
        operations.extend(ops)
    return operations


def _read_alone(text: str, line: int, first_line: int, source_lines: list[str]) -> list[Operation]:
    """One statement (starting on ``line`` of the text) read from sqlglot's tokens and tree, alone:
    its tokens' lines are counted from ``line``."""
    try:
        chunks = split_statements(text, "postgres")
    except TokenError as exc:
        return [Operation(Op.UNKNOWN, line + first_line - 1, detail=f"SQL that could not be tokenized ({exc})")]
    return _read_chunks(text, chunks, "postgres", first_line, True, source_lines, line - 1, postgres_parser=False)


def _read_chunks(
    sql: str,
    chunks: list[list[Token]],
    dialect: str,
    first_line: int,
    exact: bool,
    source_lines: list[str],
    lines_before: int = 0,
    postgres_parser: bool = True,
) -> list[Operation]:
    """Statements split from sqlglot's tokens. ``exact``: PostgreSQL's readings are the ones kept
    (remembered as such); ``lines_before``: the lines of the text before ``sql`` (one statement
    read alone); ``postgres_parser``: try its parser on each (not when it already said no)."""
    offset = first_line - 1 + lines_before
    parser = _dialect(dialect).parser(error_level=ErrorLevel.RAISE)  # reset by every parse() call
    operations: list[Operation] = []
    for chunk in chunks:
        line = chunk[0].line + offset
        end_line = chunk[-1].line + offset
        long_names = _long_names(chunk)
        data = _data_statement(chunk, line, end_line)
        if data is not None:  # DML needs no syntax tree (and a 10,000-row INSERT is costly to build)
            operations.append(replace(data, long_names=long_names) if long_names else data)
            continue
        text = sql[chunk[0].start : chunk[-1].end + 1]
        index = chunk[0].line - 1 + lines_before  # the tokenizer and splitlines() can disagree on exotic line breaks
        single_line = source_lines[index] if chunk[0].line == chunk[-1].line and 0 <= index < len(source_lines) else None
        key = (dialect, text, single_line, end_line - line, exact)
        known = _STATEMENTS.get(key)
        if known is not None:
            operations.extend(_shifted(o, line - known[0]) for o in known[1])
            continue
        ops: list[Operation] | None = None
        if _transaction_control(text) is not None or _MAINTENANCE.match(text):
            ops = _classify(None, text, dialect, line, end_line, single_line, offset)  # read from the words alone
        elif exact and postgres_parser and not long_names:  # PostgreSQL keeps 63 bytes of a long name: sqlglot keeps it whole
            ops = pg_operations(text, line, end_line, single_line)
        if ops is None:
            try:
                parsed = parser.parse(chunk, sql)
                expression = next((e for e in parsed if e is not None), None)
            except (ParseError, TokenError, ValueError, KeyError, AttributeError, IndexError, TypeError):
                expression = None
            # sqlglot types parse results as its base ``Expr``; every statement it returns is an ``Expression``
            ops = _classify(cast("exp.Expression | None", expression), text, dialect, line, end_line, single_line, offset)
        if long_names and ops:
            ops[0] = replace(ops[0], long_names=long_names)
        _remember(key, line, ops)
        operations.extend(ops)
    return operations


def _remember(key: tuple[str, str, str | None, int, bool], line: int, ops: list[Operation]) -> None:
    if len(_STATEMENTS) >= MAX_REMEMBERED:
        _STATEMENTS.clear()
    _STATEMENTS[key] = (line, tuple(ops))


#: each statement's operations, by its text (and its line's, which a suggestion rewrites), where it
#: starts and how many lines it spans: a suggestion is verified by analysing its whole rewritten
#: file again, and only the statement it rewrote is new (a 5,000-statement file was parsed once per
#: verified suggestion). Kept per process, bounded.
_STATEMENTS: dict[tuple[str, str, str | None, int, bool], tuple[int, tuple[Operation, ...]]] = {}
MAX_REMEMBERED = 50_000


def _shifted(op: Operation, by: int) -> Operation:
    """The operation of the same statement written ``by`` lines further down."""
    if by == 0:
        return op
    return replace(
        op,
        line=op.line + by,
        end_line=op.end_line + by if op.end_line is not None else None,
        suggestion_lines=(op.suggestion_lines[0] + by, op.suggestion_lines[1] + by) if op.suggestion_lines else None,
        columns=tuple(replace(c, line=c.line + by) for c in op.columns),
    )


#: PostgreSQL keeps the first 63 bytes of a name (NAMEDATALEN - 1) and drops the rest with a NOTICE
MAX_NAME_BYTES = 63


def _long_names(chunk: list[Token]) -> tuple[str, ...]:
    """Names in the statement longer than PostgreSQL keeps (strings and comments are not names)."""
    names = (t.text for t in chunk if t.token_type in (TokenType.VAR, TokenType.IDENTIFIER))
    return tuple(dict.fromkeys(n for n in names if len(n.encode()) > MAX_NAME_BYTES))


def _repeated_column(chunk: list[Token]) -> str | None:
    """A column an ``UPDATE ... SET`` assigns twice, or an ``INSERT``'s column list names twice:
    PostgreSQL refuses the statement ("multiple assignments to same column")."""
    first = chunk[0].token_type
    names: list[str] = []
    depth = 0
    if first == TokenType.UPDATE:
        # a target starts right after SET or after a comma between assignments: `SET a = x, (b, c) = (y, z)`;
        # an `=` inside an expression (`CASE WHEN a = 1`, `f(a = 1)`) is a comparison, not an assignment
        in_set, starts_target, cases = False, False, 0
        for i, token in enumerate(chunk):
            kind = token.token_type
            if kind == TokenType.CASE:
                cases += 1
            elif kind == TokenType.END and cases:
                cases -= 1
            if kind == TokenType.SET and depth == 0 and not in_set:
                in_set, starts_target = True, True
                continue
            if not in_set:
                continue
            if depth == 0 and cases == 0 and kind in (TokenType.WHERE, TokenType.FROM, TokenType.RETURNING):
                break
            if starts_target:
                starts_target = False
                if kind in (TokenType.VAR, TokenType.IDENTIFIER):
                    names.append(_name_of(token))
                elif kind == TokenType.L_PAREN:  # (a, b) = (...)
                    for inner in chunk[i + 1 :]:
                        if inner.token_type == TokenType.R_PAREN:
                            break
                        if inner.token_type in (TokenType.VAR, TokenType.IDENTIFIER):
                            names.append(_name_of(inner))
            depth += kind == TokenType.L_PAREN
            depth -= kind == TokenType.R_PAREN
            if kind == TokenType.COMMA and depth == 0 and cases == 0:
                starts_target = True
    elif first == TokenType.INSERT:
        # the column list follows the table name (and an alias) directly: INSERT INTO s.t AS x (a, b) ...
        start = 2 if len(chunk) > 1 and chunk[1].token_type == TokenType.INTO else 1
        while start < len(chunk) and chunk[start].token_type in (TokenType.VAR, TokenType.IDENTIFIER, TokenType.DOT,
                                                                  TokenType.ALIAS):  # fmt: skip
            start += 1
        if start + 1 >= len(chunk) or chunk[start].token_type != TokenType.L_PAREN:
            return None
        if chunk[start + 1].token_type in (TokenType.SELECT, TokenType.WITH):
            return None
        for token in chunk[start + 1 :]:
            if token.token_type == TokenType.R_PAREN:
                break
            if token.token_type in (TokenType.VAR, TokenType.IDENTIFIER):
                names.append(_name_of(token))
    return first_repeated(names)


def _name_of(token: Token) -> str:
    """A name as PostgreSQL compares it: quoted kept, unquoted lower-cased."""
    return token.text if token.token_type == TokenType.IDENTIFIER else token.text.lower()


_DML = {TokenType.INSERT: "INSERT", TokenType.UPDATE: "UPDATE", TokenType.DELETE: "DELETE", TokenType.MERGE: "MERGE"}
_QUERY = {TokenType.SELECT, TokenType.WITH, TokenType.VALUES}


def _data_statement(chunk: list[Token], line: int, end_line: int) -> Operation | None:
    """INSERT/UPDATE/DELETE/MERGE (a data change on the named table) and queries, from tokens."""
    first = chunk[0].token_type
    if first in _QUERY:
        if any(t.token_type in _DML for t in chunk[:64]):
            return None  # WITH ... UPDATE: let the parser say which table
        return Operation(Op.OTHER, line, end_line=end_line, detail="SELECT")
    if first not in _DML:
        return None
    skip = {TokenType.INTO, TokenType.FROM, TokenType.ONLY, TokenType.IGNORE}
    names: list[str] = []
    for token in chunk[1:8]:
        if token.token_type in skip and not names:
            continue
        if token.token_type == TokenType.DOT:
            continue
        if token.token_type in (TokenType.VAR, TokenType.IDENTIFIER) or token.text.isidentifier():
            names.append(token.text if token.token_type == TokenType.IDENTIFIER else token.text.lower())
            if len(chunk) > chunk.index(token) + 1 and chunk[chunk.index(token) + 1].token_type == TokenType.DOT:
                continue
        break
    if len(names) > 1 and names[-2] == "public":
        names = names[-1:]
    return Operation(Op.DATA, line, end_line=end_line, table=".".join(names) or None, detail=_DML[first],
                     repeated=_repeated_column(chunk))  # fmt: skip


def _classify(
    node: exp.Expression | None, text: str, dialect: str, line: int, end_line: int, source_line: str | None,
    offset: int = 0,
) -> list[Operation]:
    """``offset``: what to add to a line sqlglot records on a name to get the file's line."""
    def op(kind: Op, **kw: object) -> Operation:
        return Operation(kind, line, end_line=end_line, **kw)  # type: ignore[arg-type]

    control = _transaction_control(text)
    if control is not None:
        return [op(control, detail=" ".join(_WORDS.findall(text)[:2]).upper())]
    if node is None or isinstance(node, exp.Command) or _MAINTENANCE.match(text):
        return _classify_words(text, dialect, line, end_line, source_line)
    if isinstance(node, exp.Insert | exp.Update | exp.Delete | exp.Merge):
        target = node.this
        if isinstance(target, exp.Schema):
            target = target.this
        return [op(Op.DATA, table=table_name(target), detail=node.key.upper())]
    if isinstance(node, exp.TruncateTable):
        tables = node.expressions or []
        return [op(Op.DATA, table=table_name(tables[0]) if len(tables) == 1 else None, detail="TRUNCATE",
                   cascade=str(node.args.get("option") or "").upper() == "CASCADE")]  # fmt: skip
    if isinstance(node, exp.Create):
        kind = (node.args.get("kind") or "").upper()
        if kind == "INDEX":
            index = node.this
            concurrently = bool(node.args.get("concurrently"))
            suggestion = concurrently_added(source_line) if not concurrently and dialect == "postgres" else None
            name = index.this if isinstance(index, exp.Index) else None
            params = index.args.get("params") if isinstance(index, exp.Index) else None
            covered = params.args.get("columns") if params is not None else None
            return [
                op(
                    Op.CREATE_INDEX,
                    table=table_name(index.args.get("table")) if isinstance(index, exp.Index) else None,
                    index=ident(name) if name is not None else None,
                    index_columns=tuple(ident(c.this if isinstance(c, exp.Ordered) else c) for c in covered or []),
                    concurrently=concurrently,
                    unique=bool(index.args.get("unique")) if isinstance(index, exp.Index) else False,
                    detail="CREATE INDEX",
                    suggestion=suggestion,
                    guarded=bool(node.args.get("exists")),
                )
            ]
        if kind == "TABLE":
            target = node.this.this if isinstance(node.this, exp.Schema) else node.this
            definitions = node.this.expressions if isinstance(node.this, exp.Schema) else []
            keys = frozenset(ident(k.this if isinstance(k, exp.Ordered) else k) for d in definitions if isinstance(d, exp.PrimaryKey)
                             for k in d.expressions)  # fmt: skip
            columns = tuple(_spec(c, line, end_line, offset, keys) for c in definitions if isinstance(c, exp.ColumnDef))
            temporary = any(isinstance(p, exp.TemporaryProperty) for p in (node.args.get("properties") or exp.Properties()).expressions)
            return [op(Op.CREATE_TABLE, table=table_name(target), detail="CREATE TEMPORARY TABLE" if temporary else "CREATE TABLE",
                       columns=columns, guarded=bool(node.args.get("exists")), qualified=_qualified(target), temporary=temporary,
                       repeated=first_repeated([c.name for c in columns]))]  # fmt: skip
        properties = (node.args.get("properties") or exp.Properties()).expressions
        if kind == "VIEW" and not any(isinstance(p, exp.MaterializedProperty) for p in properties):
            return [op(Op.CREATE_VIEW, table=table_name(node.this), detail="CREATE VIEW")]
        return [op(Op.OTHER, detail=f"CREATE {kind}")]
    if isinstance(node, exp.Drop):
        kind = (node.args.get("kind") or "").upper()
        if kind == "TABLE":
            guarded = bool(node.args.get("exists"))
            return [
                op(Op.DROP_TABLE, table=table_name(t), detail="DROP TABLE", guarded=guarded, qualified=_qualified(t))
                for t in node.args.get("tables") or []
            ] or [op(Op.DROP_TABLE, detail="DROP TABLE", guarded=guarded)]
        if kind == "INDEX":
            concurrently = bool(node.args.get("concurrently"))
            suggestion = concurrently_added(source_line) if not concurrently and dialect == "postgres" else None
            dropped = node.args.get("tables") or []
            return [
                op(Op.DROP_INDEX, concurrently=concurrently, detail="DROP INDEX", suggestion=suggestion,
                   index=(table_name(dropped[0]) or "").rpartition(".")[2] or None if len(dropped) == 1 else None,
                   guarded=bool(node.args.get("exists")))
            ]  # fmt: skip
        if kind == "DATABASE":
            return [op(Op.DROP_DATABASE, detail="DROP DATABASE")]
        return [op(Op.OTHER, detail=f"DROP {kind}")]
    if isinstance(node, exp.Alter) and (node.args.get("kind") or "").upper() == "TABLE":
        table = table_name(node.this)
        not_valid = bool(node.args.get("not_valid"))
        ops: list[Operation] = []
        qualified = _qualified(node.this)
        for action in node.args.get("actions") or []:
            ops.extend(_alter_action(action, table, not_valid, dialect, line, end_line, source_line, offset, qualified))
        return ops or [op(Op.UNKNOWN, table=table, detail="ALTER TABLE", qualified=qualified)]
    if isinstance(node, exp.Set):
        return [_setting(item, op) for item in node.expressions] or [op(Op.OTHER, detail="SET")]
    return [op(Op.OTHER, detail=node.key.upper())]


#: what ``volatile_default`` says for a stored generated column
GENERATED_STORED = "GENERATED ALWAYS AS (...) STORED"
_SERIAL_TYPES = {exp.DataType.Type.SERIAL, exp.DataType.Type.BIGSERIAL, exp.DataType.Type.SMALLSERIAL}
#: sqlglot's names for volatile functions it models as its own expressions
_SQLGLOT_NAMES = {"rand": "random"}


def _volatile_in(default: exp.Expression, dialect: str) -> tuple[str | None, bool]:
    """The first volatile function a default calls, however deep (`md5(random()::text)`), and
    whether it is only presumed volatile: a function neither sqlglot nor PostgreSQL's own catalogue
    knows (``NON_VOLATILE``), such as the project's own, is treated as volatile, as squawk does."""
    unknown: str | None = None
    for call in default.find_all(exp.Func):
        name = (call.sql_name() if not isinstance(call, exp.Anonymous) else call.name).lower()
        name = _SQLGLOT_NAMES.get(name, name)
        if name in VOLATILE:
            return ("gen_random_uuid()" if name == "uuid" and dialect == "postgres" else f"{name}()"), False
        if isinstance(call, exp.Anonymous) and dialect == "postgres" and name not in NON_VOLATILE and unknown is None:
            unknown = f"{name}()"
    return unknown, unknown is not None


def _alter_action(
    action: exp.Expression,
    table: str | None,
    not_valid: bool,
    dialect: str,
    line: int,
    end_line: int,
    source_line: str | None,
    offset: int = 0,
    qualified: bool = False,
) -> list[Operation]:
    def op(kind: Op, **kw: object) -> Operation:
        return Operation(kind, line, table=table, end_line=end_line, qualified=qualified, **kw)  # type: ignore[arg-type]

    if isinstance(action, exp.ColumnDef):
        constraints = [c.args.get("kind") for c in action.args.get("constraints") or []]
        not_null = any(isinstance(c, exp.NotNullColumnConstraint) and not c.args.get("allow_null") for c in constraints)
        default = next((c for c in constraints if isinstance(c, exp.DefaultColumnConstraint)), None)
        volatile, presumed = _volatile_in(default, dialect) if default is not None else (None, False)
        computed = next((c for c in constraints if isinstance(c, exp.ComputedColumnConstraint)), None)
        kind = action.args.get("kind")
        serial = isinstance(kind, exp.DataType) and kind.this in _SERIAL_TYPES
        if serial:  # `serial` is `DEFAULT nextval(...)`: every existing row gets its own value
            volatile = volatile or "nextval()"
        if computed is not None and computed.args.get("persisted") is not False:
            volatile = volatile or GENERATED_STORED  # computed and stored for every existing row
        ops = [
            op(
                Op.ADD_COLUMN,
                column=ident(action.this),
                not_null=not_null,
                has_default=default is not None or serial or computed is not None,
                volatile_default=volatile,
                presumed_volatile=presumed and volatile is not None and not serial and computed is None,
                detail=f"ADD COLUMN ... {kind.this.value.lower()}"
                if serial and isinstance(kind, exp.DataType)
                else "ADD COLUMN",
                columns=(_spec(action, line, end_line, offset),),
                guarded=bool(action.args.get("exists")),
            )
        ]
        if any(isinstance(c, exp.Reference) for c in constraints):
            ops.append(op(Op.ADD_FOREIGN_KEY, column=ident(action.this), detail="ADD COLUMN ... REFERENCES", with_column=True))
        if any(isinstance(c, exp.PrimaryKeyColumnConstraint) for c in constraints):
            ops.append(op(Op.ADD_UNIQUE, column=ident(action.this), detail="ADD COLUMN ... PRIMARY KEY", primary_key=True))
        elif any(isinstance(c, exp.UniqueColumnConstraint) for c in constraints):
            ops.append(op(Op.ADD_UNIQUE, column=ident(action.this), detail="ADD COLUMN ... UNIQUE"))
        return ops
    if isinstance(action, exp.ModifyColumn):  # MySQL MODIFY / CHANGE COLUMN: a new definition, type included
        renamed = action.args.get("rename_from")
        column = (
            ident(renamed)
            if renamed is not None
            else ident(action.this.this if isinstance(action.this, exp.ColumnDef) else action.this)
        )
        definition = action.this.args.get("kind") if isinstance(action.this, exp.ColumnDef) else None
        return [
            op(Op.ALTER_COLUMN_TYPE, column=column, detail="CHANGE COLUMN" if renamed is not None else "MODIFY COLUMN",
               column_type=column_type(definition) if renamed is None else None)
        ]  # fmt: skip
    if isinstance(action, exp.AlterColumn):
        column = ident(action.this)
        if action.args.get("dtype") is not None:
            new_type = column_type(action.args.get("dtype"))
            recomputes = _recomputes(action, column)
            return [op(Op.ALTER_COLUMN_TYPE, column=column, detail="ALTER COLUMN ... TYPE", column_type=new_type,
                       columns=(ColumnSpec(column or "", new_type, _line_of(action.this, line, end_line, offset)),),
                       recomputes=recomputes, known_rewrite=recomputes is not None)]  # fmt: skip
        if action.args.get("allow_null") is False:
            return [op(Op.SET_NOT_NULL, column=column, detail="SET NOT NULL")]
        if action.args.get("drop") and action.args.get("allow_null") is True:
            return [op(Op.DROP_NOT_NULL, column=column, detail="DROP NOT NULL")]
        if action.args.get("default") is not None:
            return [op(Op.SET_DEFAULT, column=column, has_default=True, detail="ALTER COLUMN ... SET DEFAULT")]
        if action.args.get("drop") and action.args.get("allow_null") is None:
            return [op(Op.SET_DEFAULT, column=column, has_default=False, detail="ALTER COLUMN ... DROP DEFAULT")]
        return [op(Op.OTHER, column=column, detail="ALTER COLUMN")]
    if isinstance(action, exp.AddConstraint):
        ops = []
        for constraint in action.expressions:
            parts = constraint.expressions if isinstance(constraint, exp.Constraint) else [constraint]
            name = ident(constraint.this) if isinstance(constraint, exp.Constraint) else None
            for part in parts:
                suggestion = None if not_valid else not_valid_added(source_line)
                if isinstance(part, exp.ForeignKey):
                    keys = part.expressions
                    ops.append(
                        op(Op.ADD_FOREIGN_KEY, not_valid=not_valid, detail="ADD FOREIGN KEY", suggestion=suggestion,
                           column=ident(keys[0]) if len(keys) == 1 else None, constraint=name)
                    )  # fmt: skip
                elif isinstance(part, exp.CheckColumnConstraint):
                    ops.append(op(Op.ADD_CHECK, not_valid=not_valid, detail="ADD CHECK", suggestion=suggestion,
                                  column=_not_null_check(part.this), constraint=name))  # fmt: skip
                elif isinstance(part, exp.PrimaryKey | exp.PrimaryKeyColumnConstraint):
                    ops.append(op(Op.ADD_UNIQUE, detail="ADD PRIMARY KEY", primary_key=True))
                elif isinstance(part, exp.UniqueColumnConstraint):
                    ops.append(op(Op.ADD_UNIQUE, detail="ADD UNIQUE"))
        return ops or [op(Op.UNKNOWN, detail="ADD CONSTRAINT")]
    if isinstance(action, exp.RenameColumn):
        return [
            op(
                Op.RENAME_COLUMN,
                column=ident(action.this),
                new_name=ident(action.args.get("to")),
                detail="RENAME COLUMN",
            )
        ]
    if isinstance(action, exp.AlterRename):
        return [op(Op.RENAME_TABLE, new_name=table_name(action.this), detail="RENAME TO")]
    if isinstance(action, exp.Drop):
        kind = (action.args.get("kind") or "").upper()
        if kind == "COLUMN":
            guarded = bool(action.args.get("exists"))
            return [op(Op.DROP_COLUMN, column=ident(t), detail="DROP COLUMN", guarded=guarded)
                    for t in action.args.get("tables") or []]  # fmt: skip
        if kind == "CONSTRAINT":
            guarded = bool(action.args.get("exists"))
            return [op(Op.DROP_CONSTRAINT, constraint=ident(t.this if isinstance(t, exp.Table) else t), detail="DROP CONSTRAINT",
                       guarded=guarded) for t in action.args.get("tables") or []] or [op(Op.DROP_CONSTRAINT, detail="DROP CONSTRAINT")]  # fmt: skip
        return [op(Op.OTHER, detail=f"DROP {kind}")]
    if isinstance(action, exp.AlterSet) and action.expressions and not (action.args.get("tablespace") or action.args.get("option")):
        # storage parameters (fillfactor, autovacuum_*): a SHARE UPDATE EXCLUSIVE lock, reads and writes go on
        return [op(Op.OTHER, detail="ALTER TABLE ... SET (storage parameters)")]
    if isinstance(action, exp.AlterSet):  # SET TABLESPACE / LOGGED / UNLOGGED ...: said as what it is
        what = "TABLESPACE" if action.args.get("tablespace") else str(action.args.get("option") or "").upper()
        return [op(Op.UNKNOWN, detail=f"ALTER TABLE ... SET {what}".rstrip())]
    return [op(Op.UNKNOWN, detail=f"ALTER TABLE ... {action.key.upper()}")]


def _recomputes(action: exp.AlterColumn, column: str | None) -> str | None:
    """Why PostgreSQL cannot make this type change in the catalog only, whatever the two types: a
    ``USING`` expression other than the column (or a cast of it) computes every value again; a new
    collation makes every index on the column be rebuilt."""
    using = action.args.get("using")
    while isinstance(using, exp.Cast | exp.Paren):
        using = using.this
    if using and not (isinstance(using, exp.Column) and ident(using.this) == column):
        return "computes every value again through its `USING` expression: the table is rewritten"
    if action.args.get("collate"):
        return "changes its collation: every index on it is rebuilt"
    return None


def _qualified(table: exp.Expression | None) -> bool:
    """The table is named with its schema (``public.users``)."""
    return isinstance(table, exp.Table) and bool(table.args.get("db"))


def _spec(column: exp.ColumnDef, line: int, end_line: int, offset: int, keys: frozenset[str] = frozenset()) -> ColumnSpec:
    """A column definition as the type rules read it, on the line its name is written on;
    ``keys``: the columns of the table's own PRIMARY KEY (NOT NULL too)."""
    name = ident(column.this) or ""
    constraints = [c.args.get("kind") for c in column.args.get("constraints") or []]
    not_null = name in keys or any(
        (isinstance(c, exp.NotNullColumnConstraint) and not c.args.get("allow_null")) or isinstance(c, exp.PrimaryKeyColumnConstraint)
        for c in constraints
    )
    return ColumnSpec(name, column_type(column.args.get("kind")), _line_of(column.this, line, end_line, offset), not_null=not_null)


def _line_of(node: exp.Expression | None, line: int, end_line: int, offset: int) -> int:
    """The file line sqlglot recorded for a name, kept within the statement (else its first line)."""
    recorded = node.meta.get("line") if isinstance(node, exp.Expression) else None
    if isinstance(recorded, int) and line <= recorded + offset <= end_line:
        return recorded + offset
    return line


def _not_null_check(condition: exp.Expression | None) -> str | None:
    """The column of a ``CHECK (col IS NOT NULL)``: once valid, PostgreSQL 12+ sets NOT NULL from it
    without a scan."""
    if isinstance(condition, exp.Paren):
        condition = condition.this
    if isinstance(condition, exp.Not) and isinstance(condition.this, exp.Is):
        condition = exp.Is(this=condition.this.this, expression=condition.this.expression, negate=True)
    if (
        isinstance(condition, exp.Is)
        and condition.args.get("negate")
        and isinstance(condition.expression, exp.Null)
        and isinstance(condition.this, exp.Column)
    ):
        return ident(condition.this.this)
    return None


#: words of a statement: identifiers keep their digits (``vpn_l2vpn``, not ``vpn_l`` and ``vpn``)
_WORDS = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*|\"[^\"]*\"|`[^`]*`|[.(]")
#: what in a ``DO`` block's body changes the schema (or may, built at run time by ``EXECUTE``)
_BLOCK_DDL = frozenset({"ALTER", "CREATE", "DROP", "RENAME", "TRUNCATE", "EXECUTE", "REINDEX", "VACUUM", "CLUSTER"})


def _setting(item: exp.Expression, op: Callable[..., Operation]) -> Operation:
    """``SET name = value``: which setting it gives a value; a zero turns a timeout off, so it is
    recorded as no setting at all."""
    assignment = item.this if isinstance(item, exp.SetItem) else None
    if not isinstance(assignment, exp.EQ):
        return op(Op.OTHER, detail="SET")
    name = assignment.this.name.lower() if isinstance(assignment.this, exp.Column | exp.Identifier) else ""
    value = assignment.expression
    off = isinstance(value, exp.Literal) and str(value.this).strip().strip("'") in ("0", "0s", "0ms")
    return op(Op.SET, setting=None if off or not name else name, detail=f"SET {name}".strip())


def _transaction_control(text: str) -> Op | None:
    """``BEGIN`` / ``START TRANSACTION`` or what ends a transaction (``COMMIT``, ``END``,
    ``ROLLBACK``, ``ABORT``), read from the keywords (sqlglot misreads ``START TRANSACTION`` and
    ``ABORT``); ``ROLLBACK TO SAVEPOINT`` and the two-phase ``... PREPARED`` forms end nothing."""
    words = [w.upper() for w in _WORDS.findall(text)[:3]]
    if words[:1] == ["BEGIN"] or words[:2] == ["START", "TRANSACTION"]:
        return Op.BEGIN
    if words[:1] in (["COMMIT"], ["END"], ["ROLLBACK"], ["ABORT"]) and not {"TO", "PREPARED"} & set(words[1:]):
        return Op.COMMIT
    return None


def _classify_words(text: str, dialect: str, line: int, end_line: int, source_line: str | None) -> list[Operation]:
    """Opaque statements: tell what a rule needs from the leading keywords (strings already cut out)."""
    words = [w.upper() if not w.startswith(('"', "`")) else w for w in _WORDS.findall(text)]
    head = [w for w in words if w not in (".", "(")][:8]

    def op(kind: Op, **kw: object) -> Operation:
        return Operation(kind, line, end_line=end_line, **kw)  # type: ignore[arg-type]

    if head[:2] == ["ALTER", "TABLE"]:
        table = _table_after(words, 2)
        if "VALIDATE" in head:
            after = words[words.index("CONSTRAINT") + 1 :] if "CONSTRAINT" in words else []
            name = after[0].strip('"`').lower() if after else None
            return [op(Op.VALIDATE_CONSTRAINT, table=table, constraint=name, detail="VALIDATE CONSTRAINT")]
        if "USING" in words and "INDEX" in words and ("UNIQUE" in words or "PRIMARY" in words):
            primary = "PRIMARY" in words
            return [op(Op.ADD_UNIQUE, table=table, using_index=True, primary_key=primary,
                       detail="ADD PRIMARY KEY USING INDEX" if primary else "ADD UNIQUE USING INDEX")]  # fmt: skip
        if "DETACH" in head and "PARTITION" in words:
            if "FINALIZE" in words:  # completes a concurrent detach that was interrupted
                return [op(Op.DETACH_PARTITION, table=table, detail="DETACH PARTITION ... FINALIZE")]
            concurrently = "CONCURRENTLY" in words
            suggestion = None
            if not concurrently and source_line is not None and source_line.rstrip().endswith(";"):
                suggestion = source_line.rstrip()[:-1].rstrip() + " CONCURRENTLY;"
            return [op(Op.DETACH_PARTITION, table=table, concurrently=concurrently, detail="DETACH PARTITION",
                       suggestion=suggestion)]  # fmt: skip
        if words.count("ADD") == 1 and words[words.index("ADD") + 1 : words.index("ADD") + 2] == ["CHECK"]:
            return [_unnamed_check(words, words.index("ADD") + 2, table, source_line, op)]
        return [op(Op.UNKNOWN, table=table, detail=" ".join(head[:4]))]
    if head[:1] == ["CREATE"] and "INDEX" in head[:3]:
        table = None
        if "ON" in words:
            table = _table_after(words, words.index("ON") + 1)
        concurrently = "CONCURRENTLY" in head
        suggestion = concurrently_added(source_line) if not concurrently and dialect == "postgres" else None
        return [
            op(
                Op.CREATE_INDEX,
                table=table,
                concurrently=concurrently,
                unique="UNIQUE" in head[:2],
                detail="CREATE INDEX",
                suggestion=suggestion,
                guarded=_has(words, "IF", "NOT", "EXISTS"),
            )
        ]
    if head[:1] == ["REINDEX"] and "SYSTEM" not in head[:3]:  # REINDEX SYSTEM cannot be concurrent
        concurrently = "CONCURRENTLY" in words
        suggestion = None
        if not concurrently and source_line is not None:
            suggestion = insert_after(source_line, r"\bREINDEX\s+(TABLE|INDEX|SCHEMA|DATABASE)\b", " CONCURRENTLY")
        return [op(Op.REINDEX, concurrently=concurrently, detail="REINDEX", suggestion=suggestion)]
    if head[:2] == ["DROP", "INDEX"]:
        return [op(Op.DROP_INDEX, concurrently="CONCURRENTLY" in head, detail="DROP INDEX", guarded=_has(words, "IF", "EXISTS"))]
    if head[:2] == ["ALTER", "TYPE"] and _has(words, "ADD", "VALUE"):
        return [op(Op.ADD_ENUM_VALUE, detail="ALTER TYPE ... ADD VALUE", positioned="BEFORE" in words or "AFTER" in words,
                   guarded=_has(words, "IF", "NOT", "EXISTS"))]  # fmt: skip
    if head[:2] == ["CREATE", "DOMAIN"] and ("CHECK" in words or _has(words, "NOT", "NULL")):
        return [op(Op.DOMAIN_CONSTRAINT, detail="CREATE DOMAIN ... CHECK" if "CHECK" in words else "CREATE DOMAIN ... NOT NULL")]
    if head[:2] == ["ALTER", "DOMAIN"] and head[3:4] == ["ADD"]:
        return [op(Op.DOMAIN_CONSTRAINT, detail="ALTER DOMAIN ... ADD CONSTRAINT", not_valid=_has(words, "NOT", "VALID"))]
    if head[:1] == ["VACUUM"] and _vacuum_full(text)[0]:
        return [op(Op.REWRITE_TABLE, table=_vacuum_full(text)[1], detail="VACUUM FULL")]
    if head[:1] == ["CLUSTER"]:
        named = [w for w in words[1:] if w != "VERBOSE"]
        return [op(Op.REWRITE_TABLE, table=_table_after(named, 0) if named and named[0] != "(" else None,
                   detail="CLUSTER")]  # fmt: skip
    if head[:1] == ["TRUNCATE"]:
        return [op(Op.DATA, detail="TRUNCATE")]
    if head[:1] in (["ALTER"], ["DROP"], ["CREATE"], ["RENAME"]) and ("TABLE" in head[:4] or "INDEX" in head[:4]):
        return [op(Op.UNKNOWN, detail=" ".join(head[:3]))]
    words = _code_word_list(text) if head[:1] == ["DO"] else []
    if words and _BLOCK_DDL.intersection(w.upper() for w in words):
        # PL/pgSQL is not analysed: DDL inside a DO block passed in silence (netbox renames
        # constraints with EXECUTE format(...) in one); said instead, as any opaque DDL
        return [op(Op.UNKNOWN, detail="DO block with DDL", may_change=_block_tables(words))]
    return [op(Op.OTHER, detail=" ".join(head[:2]))]


#: read from their keywords (sqlglot models ``CLUSTER`` without what a rule needs)
_MAINTENANCE = re.compile(r"\s*(CLUSTER|VACUUM)\b", re.IGNORECASE)


def _code_word_list(text: str) -> list[str]:
    """The words of a statement outside its comments and string literals (a DO block's
    ``RAISE NOTICE 'will drop table later'`` changes no schema)."""
    code = re.sub(r"'[^']*'?", " ", without_comments("statement.sql", text))
    return _WORDS.findall(code)


def _block_tables(words: list[str]) -> tuple[str, ...] | None:
    """The tables a ``DO`` block's DDL names where it names them in its code (``ALTER TABLE t``,
    ``DROP TABLE IF EXISTS t``, ``CREATE INDEX ... ON t``): what the schema forgets. ``None``
    (anything may change) when it builds statements at run time (``EXECUTE``) or touches a table
    in a way not read here; none for DDL on no table (``CREATE TYPE``). ``words``: the block's
    code words (``_code_word_list``)."""
    upper = [w.upper() for w in words]
    if "EXECUTE" in upper:
        return None
    found: list[str] = []
    for i, word in enumerate(upper):
        names_table = word == "TABLE" and i > 0 and upper[i - 1] in ("ALTER", "DROP", "TRUNCATE")
        if not (names_table or (word == "ON" and "INDEX" in upper[max(0, i - 6) : i])):
            continue
        after = i + 1
        while after < len(words) and upper[after] in ("IF", "EXISTS", "ONLY", "NOT"):
            after += 1
        while after + 2 < len(words) and words[after + 1] == ".":  # schema.table: the table
            after += 2
        if after < len(words) and words[after] not in (".", "("):
            name = words[after]
            found.append(name[1:-1] if name.startswith('"') else name.lower())
    if not found and {"TABLE", "INDEX", "COLUMN", "CONSTRAINT"} & set(upper):
        return None
    return tuple(dict.fromkeys(found))


def tables_named(text: str, runtime_value: str) -> tuple[str, ...] | None:
    """The tables SQL built at run time may change, from its static parts (``runtime_value``
    stands for each part known only then): ``None`` when a table's own name is one of those."""
    tables = _block_tables(_code_word_list(text))
    if tables is None or runtime_value in tables or any(runtime_value in t for t in tables):
        return None
    return tables


def _has(words: Sequence[str], *run: str) -> bool:
    """``run`` appears in ``words`` as consecutive words."""
    return any(list(words[i : i + len(run)]) == list(run) for i in range(len(words) - len(run) + 1))


_VACUUM = re.compile(r"VACUUM\s*(?:\((?P<options>[^)]*)\)|(?P<words>(?:(?:FULL|FREEZE|VERBOSE|ANALYZE)\s+)*))"
                     r'\s*(?P<table>[\w."]+)?', re.IGNORECASE)


def _vacuum_full(text: str) -> tuple[bool, str | None]:
    """``VACUUM FULL ...`` or ``VACUUM (FULL[, ...]) ...`` (not ``(FULL FALSE)``), and its first table."""
    found = _VACUUM.match(text.strip())
    if found is None:
        return False, None
    if found["options"] is not None:
        options = [o.split() for o in found["options"].upper().split(",")]
        full = any(o[:1] == ["FULL"] and o[1:2] not in (["FALSE"], ["OFF"], ["0"]) for o in options)
    else:
        full = "FULL" in (found["words"] or "").upper().split()
    table = found["table"]
    return full, (table.strip('"') if table and table.startswith('"') else table.lower() if table else None)


def _unnamed_check(
    words: Sequence[str], start: int, table: str | None, source_line: str | None, op: Callable[..., Operation]
) -> Operation:
    """``ALTER TABLE t ADD CHECK (...)``, which sqlglot cannot parse without a constraint name:
    still a CHECK (``NOT VALID`` or not; ``(col IS NOT NULL)`` names its column)."""
    rest = list(words[start:])
    not_valid = any(rest[i : i + 2] == ["NOT", "VALID"] for i in range(len(rest)))
    alone = rest[:1] == ["("] and rest[2:5] == ["IS", "NOT", "NULL"] and rest[5:6] in ([], ["NOT"])  # no AND/OR after
    column = rest[1].strip('"').lower() if alone else None
    suggestion = None if not_valid else not_valid_added(source_line)
    return op(Op.ADD_CHECK, table=table, not_valid=not_valid, column=column, detail="ADD CHECK", suggestion=suggestion)


def _table_after(words: Sequence[str], start: int) -> str | None:
    names = []
    i = start
    while i < len(words) and words[i] in ("ONLY", "IF", "NOT", "EXISTS", "CONCURRENTLY"):
        i += 1
    while i < len(words):
        word = words[i]
        if word in (".", "("):
            i += 1
            continue
        names.append(word.strip('"`') if word.startswith(('"', "`")) else word.lower())
        if i + 1 < len(words) and words[i + 1] == ".":
            i += 2
            continue
        break
    if len(names) > 1 and names[-2] == "public":
        names = names[-1:]
    return ".".join(names) or None


def with_validation(op: Operation) -> Operation:
    """A ``NOT VALID`` rewrite followed by its ``VALIDATE CONSTRAINT``, for a file that runs each
    statement in its own transaction: the add commits at once, and the validation then scans under a
    SHARE UPDATE EXCLUSIVE lock that lets reads and writes go on. Inside one transaction the pair
    would keep the add's lock for the whole scan, so only a file outside a transaction gets it. The
    table and constraint are copied as written (quotes and case kept); a statement adding several
    things, or an unnamed constraint, keeps the one-line rewrite."""
    if op.kind not in (Op.ADD_FOREIGN_KEY, Op.ADD_CHECK) or op.suggestion is None or op.suggestion_lines is not None:
        return op
    found = _NAMED_ADD.match(op.suggestion)
    if found is None or len(re.findall(r"\bADD\b", op.suggestion, re.IGNORECASE)) != 1:
        return op
    validate = f"{found['indent']}ALTER TABLE {found['table']} VALIDATE CONSTRAINT {found['name']};"
    return replace(op, suggestion=f"{op.suggestion}\n{validate}", suggestion_lines=(op.line, op.line))


_NAMED_ADD = re.compile(
    r"(?P<indent>\s*)ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<table>\S+)\s+"
    r'ADD\s+CONSTRAINT\s+(?P<name>"[^"]+"|[^\s"]+)\s',
    re.IGNORECASE,
)

