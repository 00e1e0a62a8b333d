"""What a JavaScript or TypeScript migration module exports, read from its syntax tree.

Knex, Sequelize and umzug-style migrations export ``up`` and ``down`` in many spellings:
``exports.down = ...``, ``module.exports = { async down() {} }``, ``export async function down``,
``export const down = ...``, ``export default { up, down }``, or a shorthand naming a function
declared elsewhere in the module. TypeORM puts them on a class. All end up here as function
nodes, so adapters only ask "is there a ``down``, and does it do anything?".
"""

from __future__ import annotations

from bot.syntax import treesitter as tsx

_FUNCTIONS = {
    "function_expression",
    "function",
    "arrow_function",
    "function_declaration",
    "generator_function_declaration",
    "method_definition",
}


def _function_of(node: tsx.Node | None, declared: dict[str, tsx.Node]) -> tsx.Node | None:
    """The function a value stands for: itself, or the declaration an identifier names."""
    while node is not None and node.type in ("parenthesized_expression", "as_expression", "satisfies_expression"):
        node = node.named_children[0] if node.named_children else None
    if node is None:
        return None
    if node.type in _FUNCTIONS:
        return node
    if node.type == "identifier":
        return declared.get(tsx.text(node))
    return None


def _declared_functions(root: tsx.Node) -> dict[str, tsx.Node]:
    """Top-level ``function f() {}`` and ``const f = () => {}`` by name."""
    found: dict[str, tsx.Node] = {}
    for node in root.named_children:
        target = node.named_children[0] if node.type == "export_statement" and node.named_children else node
        if target.type in ("function_declaration", "generator_function_declaration"):
            found[tsx.text(target.child_by_field_name("name"))] = target
        elif target.type in ("lexical_declaration", "variable_declaration"):
            for declarator in target.named_children:
                if declarator.type == "variable_declarator":
                    value = declarator.child_by_field_name("value")
                    if value is not None and value.type in _FUNCTIONS:
                        found[tsx.text(declarator.child_by_field_name("name"))] = value
    return found


def _object_members(obj: tsx.Node, declared: dict[str, tsx.Node]) -> dict[str, tsx.Node]:
    members: dict[str, tsx.Node] = {}
    for member in obj.named_children:
        if member.type == "method_definition":
            members[tsx.text(member.child_by_field_name("name"))] = member
        elif member.type == "pair":
            fn = _function_of(member.child_by_field_name("value"), declared)
            if fn is not None:
                members[tsx.text(member.child_by_field_name("key")).strip("'\"")] = fn
        elif member.type == "shorthand_property_identifier":
            fn = declared.get(tsx.text(member))
            if fn is not None:
                members[tsx.text(member)] = fn
    return members


def exported_functions(root: tsx.Node) -> dict[str, tsx.Node]:
    """name -> function node, for everything the module exports (CommonJS or ESM)."""
    declared = _declared_functions(root)
    exported: dict[str, tsx.Node] = {}
    for node in root.named_children:
        if node.type == "expression_statement" and node.named_children:
            expr = node.named_children[0]
            if expr.type != "assignment_expression":
                continue
            left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
            target = tsx.text(left)
            if target in ("module.exports", "exports") and right is not None and right.type == "object":
                exported.update(_object_members(right, declared))
            elif target.startswith(("exports.", "module.exports.")):
                fn = _function_of(right, declared)
                if fn is not None:
                    exported[target.rsplit(".", 1)[1]] = fn
        elif node.type == "export_statement":
            declaration = node.child_by_field_name("declaration")
            value = node.child_by_field_name("value")
            if declaration is not None and declaration.type in (
                "function_declaration",
                "generator_function_declaration",
            ):
                exported[tsx.text(declaration.child_by_field_name("name"))] = declaration
            elif declaration is not None and declaration.type in ("lexical_declaration", "variable_declaration"):
                for declarator in declaration.named_children:
                    fn = _function_of(declarator.child_by_field_name("value"), declared)
                    if fn is not None:
                        exported[tsx.text(declarator.child_by_field_name("name"))] = fn
            elif value is not None and value.type == "object":
                exported.update(_object_members(value, declared))
            for clause in (c for c in node.named_children if c.type == "export_clause"):
                for spec in clause.named_children:
                    name = tsx.text(spec.child_by_field_name("name"))
                    alias = tsx.text(spec.child_by_field_name("alias")) or name
                    if name in declared:
                        exported[alias] = declared[name]
    return exported


def class_methods(cls: tsx.Node) -> dict[str, tsx.Node]:
    body = cls.child_by_field_name("body")
    return {
        tsx.text(m.child_by_field_name("name")): m
        for m in (body.named_children if body is not None else [])
        if m.type == "method_definition"
    }


def does_nothing(fn: tsx.Node) -> bool:
    """An empty body, only comments, or only ``return`` / ``return Promise.resolve()``."""
    body = fn.child_by_field_name("body")
    if body is None:
        return True
    if body.type != "statement_block":
        return tsx.text(body).replace(" ", "") in ("Promise.resolve()", "undefined", "null")
    for statement in body.named_children:
        if statement.type in ("comment", "empty_statement"):
            continue
        if statement.type == "return_statement":
            value = tsx.text(statement).removeprefix("return").strip().rstrip(";").replace(" ", "")
            if value in ("", "Promise.resolve()", "undefined", "null"):
                continue
        return False
    return True
