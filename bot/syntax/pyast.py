"""Reading Python migration files with ``ast``: never executed, never imported.

Nothing from the analysed project needs to be installed; only literal values are read, and a
value that is not a literal is reported rather than guessed.
"""

from __future__ import annotations

import ast
import copy
import warnings
from dataclasses import dataclass

from bot.core.textfile import UnreadableFile


def parse_module(text: str) -> ast.Module:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes is not our business
            return ast.parse(text)
    except SyntaxError as exc:
        raise UnreadableFile(f"Python syntax error: {exc.msg}", exc.lineno) from None
    except ValueError as exc:  # e.g. source code string cannot contain null bytes
        raise UnreadableFile(f"Python source cannot be parsed: {exc}") from None
    except (RecursionError, MemoryError):  # e.g. a 100,000-term expression
        raise UnreadableFile("Python source nested too deeply to be read") from None


@dataclass(frozen=True)
class Assignment:
    name: str
    value: ast.expr
    line: int


def assignments(body: list[ast.stmt]) -> dict[str, Assignment]:
    """Simple ``name = value`` and ``name: T = value`` statements of a block (the last one wins)."""
    found: dict[str, Assignment] = {}
    for stmt in body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = Assignment(target.id, stmt.value, stmt.lineno)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
            found[stmt.target.id] = Assignment(stmt.target.id, stmt.value, stmt.lineno)
    return found


class NotALiteral(Exception):
    pass


def literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise NotALiteral(ast.unparse(node)) from None


def string_tuple(value: object) -> tuple[str, ...] | None:
    """``None`` -> ``()``; ``"a"`` -> ``("a",)``; a list/tuple/set of strings -> tuple; else None."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple | set | frozenset) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def functions(body: list[ast.stmt]) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {s.name: s for s in body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)}


def does_nothing(body: list[ast.stmt]) -> bool:
    """A body of only ``pass``, ``...`` and string constants (docstrings); comments are not in the tree."""
    for stmt in body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        return False
    return True


def first_raise(body: list[ast.stmt]) -> ast.Raise | None:
    for stmt in body:
        if isinstance(stmt, ast.Raise):
            return stmt
    return None


def call_name(call: ast.Call) -> str | None:
    """``migrations.RunPython(...)`` and ``RunPython(...)`` both give ``"RunPython"``."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        return call.args[position]
    return None


def is_none(node: ast.expr | None) -> bool:
    return node is None or (isinstance(node, ast.Constant) and node.value is None)


def inline_constants(module: ast.Module) -> ast.Module:
    """The module with every name bound once to a string or list known before it runs replaced by
    that value, so SQL kept in a constant (`SQL = "..."; op.execute(SQL)`, `RunSQL(FORWARD)`) and
    operations built from lists (`operations = COMMON + [...]`, `[*COMMON, ...]`) are read like
    literals. Concatenation with `+`, f-strings without placeholders and `sa.text("...")` fold too.
    A name bound more than once, or to anything else, stays a name: SQL really built at run time."""
    bound: dict[str, list[ast.expr | None]] = {}
    for node in ast.walk(module):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    bound.setdefault(target.id, []).append(node.value if len(node.targets) == 1 else None)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            bound.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, (ast.AugAssign, ast.For, ast.comprehension, ast.NamedExpr)):
            target = node.target
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    bound.setdefault(name.id, []).extend([None, None])
    values = {name: exprs[0] for name, exprs in bound.items() if len(exprs) == 1 and exprs[0] is not None}
    folder = _ConstantFolder(values)
    return ast.fix_missing_locations(folder.visit(module))


class _ConstantFolder(ast.NodeTransformer):
    def __init__(self, values: dict[str, ast.expr]) -> None:
        self.values = values
        self.resolving: set[str] = set()

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if not isinstance(node.ctx, ast.Load) or node.id not in self.values or node.id in self.resolving:
            return node
        self.resolving.add(node.id)
        try:
            folded = self.visit(copy.deepcopy(self.values[node.id]))
        finally:
            self.resolving.discard(node.id)
        if _is_str(folded) or _is_text_call(folded):
            return folded  # keeps its own line: findings and suggestions point at the SQL text
        if isinstance(folded, (ast.List, ast.Tuple)):
            return ast.copy_location(folded, node)  # its elements keep their own lines
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.op, ast.Add):
            if _is_str(node.left) and _is_str(node.right):
                return ast.copy_location(ast.Constant(node.left.value + node.right.value), node)  # type: ignore[attr-defined]
            if isinstance(node.left, ast.List) and isinstance(node.right, ast.List):
                return ast.copy_location(ast.List([*node.left.elts, *node.right.elts], ast.Load()), node)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.expr:
        if all(_is_str(v) for v in node.values):
            return ast.copy_location(ast.Constant("".join(v.value for v in node.values)), node)  # type: ignore[attr-defined]
        return node

    def visit_List(self, node: ast.List) -> ast.expr:
        self.generic_visit(node)
        elts: list[ast.expr] = []
        for elt in node.elts:
            if isinstance(elt, ast.Starred) and isinstance(elt.value, (ast.List, ast.Tuple)):
                elts.extend(elt.value.elts)
            else:
                elts.append(elt)
        node.elts = elts
        return node


def _is_text_call(node: ast.AST) -> bool:
    """`sa.text("...")` / `text("...")` of a string known before the migration runs."""
    return (
        isinstance(node, ast.Call)
        and call_name(node) == "text"
        and len(node.args) == 1
        and _is_str(node.args[0])
    )


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def same_python(before: str, after: str) -> bool:
    """Two migration modules that run the same code: equal syntax trees once docstrings and type
    annotations are dropped, imports nothing uses are dropped and the rest sorted (what black,
    isort, ruff and a typing pass change)."""
    try:
        return _normalised(before) == _normalised(after)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def _normalised(text: str) -> str:
    module = ast.parse(text)
    for node in ast.walk(module):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            node.returns = None
            for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs, node.args.vararg, node.args.kwarg):
                if arg is not None:
                    arg.annotation = None
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Module):
            node.body = [s for s in node.body if not _is_docstring(s)] or [ast.Pass()]
            node.body = [
                ast.Assign(targets=[s.target], value=s.value, lineno=0) if isinstance(s, ast.AnnAssign) and s.value else s
                for s in node.body
                if not (isinstance(s, ast.AnnAssign) and s.value is None)
            ]
    used = {n.id for n in ast.walk(module) if isinstance(n, ast.Name)} | {
        n.value.id for n in ast.walk(module) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
    }
    imports: list[str] = []
    rest: list[str] = []
    for statement in module.body:
        if isinstance(statement, ast.Import | ast.ImportFrom):
            kept = [a for a in statement.names if (a.asname or a.name).split(".")[0] in used or a.name == "*"]
            if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
                continue
            imports.extend(sorted(f"{getattr(statement, 'module', '')}:{a.name}:{a.asname}" for a in kept))
        else:
            rest.append(ast.dump(statement))
    return "\n".join([*sorted(imports), *rest])


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )
