"""Tree-sitter parsing for Ruby, JavaScript, TypeScript and PHP migrations.

Migrations in those languages are read as syntax trees, never with regular expressions, so a
comment or a string that mentions ``def down`` counts for nothing. Grammars come from PyPI
wheels; parsers are built once per language and thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import tree_sitter as ts

from bot.core.textfile import UnreadableFile

Node = ts.Node

_local = threading.local()


def _language(name: str) -> ts.Language:
    # lazy: each grammar loads only when a migration in its language is read
    if name == "ruby":
        import tree_sitter_ruby

        return ts.Language(tree_sitter_ruby.language())
    if name == "javascript":
        import tree_sitter_javascript

        return ts.Language(tree_sitter_javascript.language())
    if name == "typescript":
        import tree_sitter_typescript

        return ts.Language(tree_sitter_typescript.language_typescript())
    if name == "php":
        import tree_sitter_php

        return ts.Language(tree_sitter_php.language_php())
    raise ValueError(name)


#: Ruby's method definitions: ``def up`` and ``def self.up`` (Rails migrations before 3.1 were
#: written so; rubygems.org has 62 of them, which passed unread)
RUBY_METHODS = ("method", "singleton_method")


def language_for(path: str) -> str | None:
    if path.endswith(".rb"):
        return "ruby"
    if path.endswith((".js", ".cjs", ".mjs")):
        return "javascript"
    if path.endswith((".ts", ".cts", ".mts")):
        return "typescript"
    if path.endswith(".php"):
        return "php"
    return None


def parse(text: str, language: str) -> Node:
    """The root node; a syntax error raises ``UnreadableFile`` naming its line."""
    parsers = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    if language not in parsers:
        parsers[language] = ts.Parser(_language(language))
    tree = parsers[language].parse(text.encode("utf-8"))
    root = tree.root_node
    if root.has_error:
        bad = first_error(root)
        line = bad.start_point[0] + 1 if bad is not None else None
        raise UnreadableFile(f"{language} syntax error" + (f" at line {line}" if line else ""), line)
    return root


def first_error(node: Node) -> Node | None:
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing or child.type == "ERROR":
            found = first_error(child)
            if found is not None:
                return found
    return None


def text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def line(node: Node) -> int:
    return node.start_point[0] + 1


def walk(node: Node) -> Iterator[Node]:
    """Every node below ``node`` (pre-order), iteratively (deep trees exist)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def same_tokens(before: str, after: str, language: str) -> bool:
    """The same code once comments and layout are set aside: both files parse, and the leaves of
    their syntax trees, comments left out, are the same text in the same order. For JavaScript and
    TypeScript also without what a formatter adds or takes away and the language ignores: statement
    semicolons, a trailing comma before a closing bracket, and the quote style of a string without
    escapes (prettier's changes). A Ruby magic comment counts as a comment, as the runner's schema
    changes nothing with it. A file that does not parse is never the same."""
    try:
        return _leaves(parse(before, language), language) == _leaves(parse(after, language), language)
    except UnreadableFile:
        return False


_CLOSING = frozenset({")", "]", "}"})


def _leaves(root: Node, language: str) -> list[str]:
    script = language in ("javascript", "typescript")
    out: list[str] = []
    for node in walk(root):
        if node.type == "comment" or node.child_count:
            continue
        word = text(node)
        if script and (node.type == ";" or (word in ("'", '"') and node.parent is not None and node.parent.type == "string")):
            continue
        if script and word in _CLOSING and out and out[-1] == ",":
            out.pop()  # [a, b,] is [a, b]
        out.append(word)
    return out


def comments(root: Node) -> Iterator[tuple[int, str]]:
    """(line, text) of every comment node, without its markers."""
    for node in walk(root):
        if node.type == "comment":
            body = text(node)
            for marker in ("//", "#", "/*", "--"):
                if body.startswith(marker):
                    body = body[len(marker) :]
                    break
            yield line(node), body.removesuffix("*/")


def string_value(node: Node | None) -> str | None:
    """The value of a plain string literal node (any of the four languages), else None."""
    if node is None:
        return None
    if node.type in ("string", "encapsed_string", "template_string"):
        parts = [c for c in node.named_children if c.type not in ("escape_sequence",)]
        if all(c.type in ("string_fragment", "string_content") for c in parts):
            return "".join(text(c) for c in parts)
    if node.type in ("simple_symbol",):
        return text(node).lstrip(":")
    return None


def is_empty_body(body: Node | None) -> bool:
    """A block whose statements are only comments (or nothing)."""
    if body is None:
        return True
    return all(child.type == "comment" for child in body.named_children)


def _root(node: Node) -> Node:
    while node.parent is not None:
        node = node.parent
    return node


def _bound_once(root: Node, types: tuple[str, ...], name_of: Callable[[Node], str | None], name: str) -> Node | None:
    """The value bound to ``name`` when exactly one binding of that name exists in the file."""
    found = [n for n in walk(root) if n.type in types and name_of(n) == name]
    return found[0] if len(found) == 1 else None


def _value_in_scope(use: Node, name: str) -> Node | None:
    """The value a JS name holds where it is used: in the innermost block that binds it, its one
    binding (outline declares `const searchDocument = `...`` in both `up` and `down`), or, in
    straight-line code, the last value given before the use (`let tableName; tableName = "a";
    ...; tableName = "b"; ...`: outline's missing-cascades). None where a branch or a loop binds it."""
    scope = use.parent
    while scope is not None:
        if scope.type in ("statement_block", "program"):
            bindings = [n for n in walk(scope) if _binds(n, name)]
            if len(bindings) == 1:
                return _bound_value(bindings[0])
            if bindings:
                if not all(_straight(b, scope) for b in bindings):
                    return None
                before = [b for b in bindings if _bound_value(b) is not None and b.end_byte <= use.start_byte]
                return _bound_value(before[-1]) if before else None
        scope = scope.parent
    return None


def _binds(node: Node, name: str) -> bool:
    if node.type == "variable_declarator":
        return text(node.child_by_field_name("name")) == name
    if node.type == "assignment_expression":
        left = node.child_by_field_name("left")
        return left is not None and left.type == "identifier" and text(left) == name
    return False


def _bound_value(node: Node) -> Node | None:
    return node.child_by_field_name("value" if node.type == "variable_declarator" else "right")


#: what may stand between a block and a binding for the binding to run once, in order
_STRAIGHT = frozenset({"expression_statement", "lexical_declaration", "variable_declaration", "sequence_expression"})


def _straight(binding: Node, scope: Node) -> bool:
    node = binding.parent
    while node is not None and node != scope:
        if node.type not in _STRAIGHT:
            return False
        node = node.parent
    return node is not None


#: what stands in a template's text for a value known only at run time (``template_with_holes``)
RUNTIME_VALUE = "mg_runtime_value"


def template_with_holes(node: Node | None) -> str | None:
    """A JS template literal's text with each substitution written in: its value where it is a
    constant (``${tableName}`` of `const tableName = "team_domains"`), else ``RUNTIME_VALUE``; for
    SQL built at run time, what its static parts say (the tables it may change)."""
    if node is not None and node.type in ("argument", "parenthesized_expression") and len(node.named_children) == 1:
        node = node.named_children[0]
    found = _template(node, 0) if node is not None and node.type == "template_string" else None
    return found[0] if found is not None else None


def _template(node: Node, depth: int) -> tuple[str, bool] | None:
    """A template's text with its substitutions written in, and whether every one was a constant."""
    if depth > 20:
        return None
    out, at, constant = [], node.start_byte + 1, True
    source = node.text or b""
    for child in node.named_children:
        if child.type != "template_substitution":
            continue
        out.append(source[at - node.start_byte : child.start_byte - node.start_byte].decode(errors="replace"))
        inner = child.named_children[0] if child.named_children else None
        value = constant_string(inner, depth + 1) if inner is not None else None
        constant = constant and value is not None
        out.append(value[0] if value is not None else RUNTIME_VALUE)
        at = child.end_byte
    out.append(source[at - node.start_byte : -1].decode(errors="replace"))
    return "".join(out), constant


def constant_string(node: Node | None, depth: int = 0) -> tuple[str, Node] | None:
    """The SQL text an argument holds when it is known before the migration runs, and the node
    where that text is written: a literal, a JS template whose substitutions are constants, `+` (JS) or `.`
    (PHP) concatenation of such, a JS name bound once (`const SQL = '...'`), a PHP class constant
    (`self::SQL`) or a variable assigned once. Anything else is really built at run time."""
    if node is None or depth > 20:
        return None
    if node.type in ("argument", "parenthesized_expression") and len(node.named_children) == 1:
        return constant_string(node.named_children[0], depth + 1)
    value = string_value(node)
    if value is None and node.type == "template_string":  # constant when every substitution is
        written = _template(node, depth)
        value = written[0] if written is not None and written[1] else None
    if value is not None:
        return value, node
    if node.type == "binary_expression":
        operator = node.child_by_field_name("operator")
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if operator is not None and text(operator) in ("+", ".") and left is not None and right is not None:
            a, b = constant_string(left, depth + 1), constant_string(right, depth + 1)
            if a is not None and b is not None:
                return a[0] + b[0], node
        return None
    root = _root(node)
    if node.type == "identifier":  # JavaScript / TypeScript
        return constant_string(_value_in_scope(node, text(node)), depth + 1)
    if node.type == "class_constant_access_expression" and text(node.named_children[0]) in ("self", "static"):
        element = _bound_once(
            root, ("const_element",), lambda n: text(n.named_children[0]) if n.named_children else None,
            text(node.named_children[-1]),
        )  # fmt: skip
        return constant_string(element.named_children[-1], depth + 1) if element is not None else None
    if node.type == "variable_name":  # PHP
        assignment = _bound_once(
            root, ("assignment_expression",), lambda n: text(n.child_by_field_name("left")), text(node)
        )
        return constant_string(assignment.child_by_field_name("right"), depth + 1) if assignment is not None else None
    return None
