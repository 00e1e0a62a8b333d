"""Tree-sitter parsing for Ruby, JavaScript, TypeScript and PHP migrations.

Migrations in those languages are read as syntax trees, never with regular expressions, so a
comment or a string that mentions ``def down`` counts for nothing. Grammars come from PyPI
wheels; parsers are built once per language and thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import tree_sitter as ts

from bot.textfile import UnreadableFile

Node = ts.Node

_local = threading.local()


def _language(name: str) -> ts.Language:
    if name == "ruby":
        import tree_sitter_ruby as grammar

        return ts.Language(grammar.language())
    if name == "javascript":
        import tree_sitter_javascript as grammar

        return ts.Language(grammar.language())
    if name == "typescript":
        import tree_sitter_typescript as grammar

        return ts.Language(grammar.language_typescript())
    if name == "php":
        import tree_sitter_php as grammar

        return ts.Language(grammar.language_php())
    raise ValueError(name)


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
