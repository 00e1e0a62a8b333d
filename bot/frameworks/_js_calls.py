"""Helpers the Knex, Sequelize and TypeORM front ends share: call chains, literal arguments, embedded SQL, parsing."""

from __future__ import annotations

from bot.core.operations import Op, Operation
from bot.core.textfile import UnreadableFile
from bot.syntax import treesitter as tsx
from bot.syntax.embedded_sql import analyse_sql
from bot.syntax.sql_operations import tables_named


def call_chain(call: tsx.Node) -> tuple[tsx.Node | None, list[tuple[str, tsx.Node]]]:
    """``a.b(x).c(y)`` -> (root ``a``, [("b", call), ("c", call)]) in call order."""
    links: list[tuple[str, tsx.Node]] = []
    node: tsx.Node | None = call
    while node is not None:
        if node.type == "call_expression":
            function = node.child_by_field_name("function")
            if function is not None and function.type == "member_expression":
                links.append((tsx.text(function.child_by_field_name("property")), node))
                node = function.child_by_field_name("object")
                continue
            links.append(("()", node))
            node = function
            continue
        if node.type == "member_expression":
            links.append((tsx.text(node.child_by_field_name("property")), node))
            node = node.child_by_field_name("object")
            continue
        if node.type in ("await_expression", "parenthesized_expression"):
            node = node.named_children[0] if node.named_children else None
            continue
        break
    links.reverse()
    return node, links


def arguments_of(call: tsx.Node) -> list[tsx.Node]:
    args = call.child_by_field_name("arguments")
    return [a for a in (args.named_children if args is not None else []) if a.type != "comment"]


def string_value(node: tsx.Node | None) -> str | None:
    value = tsx.string_value(node)
    plain_template = (
        node is not None
        and node.type == "template_string"
        and not any(c.type == "template_substitution" for c in node.named_children)
    )
    if value is None and plain_template:
        value = tsx.text(node)[1:-1]
    return value


def name_value(node: tsx.Node | None) -> str | None:
    """A table or column name as given (these tools quote identifiers, so case is kept)."""
    return string_value(node)


def object_literal(node: tsx.Node | None) -> dict[str, str]:
    """``{ key: value }`` as key -> value text (one level)."""
    if node is None or node.type != "object":
        return {}
    found = {}
    for pair in node.named_children:
        if pair.type == "pair":
            found[tsx.text(pair.child_by_field_name("key")).strip("'\"")] = tsx.text(pair.child_by_field_name("value"))
    return found


def sql_argument(call: tsx.Node, dialect: str) -> list[Operation]:
    args = arguments_of(call)
    found = tsx.constant_string(args[0]) if args else None
    if found is None:
        holes = tsx.template_with_holes(args[0]) if args else None
        return [Operation(Op.UNKNOWN, tsx.line(call), detail="SQL built at run time",
                          may_change=tables_named(holes, tsx.RUNTIME_VALUE) if holes is not None else None)]  # fmt: skip
    sql, where = found
    return analyse_sql(sql, dialect, first_line=tsx.line(where))


def calls_in(fn: tsx.Node) -> list[tsx.Node]:
    """Outermost call expressions of a function body, in source order."""
    found: list[tsx.Node] = []
    stack = [fn.child_by_field_name("body")]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if node.type == "call_expression":
            found.append(node)
            continue
        stack.extend(reversed(node.named_children))
    return found


def parse_source(text: str, path: str) -> tsx.Node | None:
    try:
        return tsx.parse(text, tsx.language_for(path) or "javascript")
    except UnreadableFile:
        return None
