"""Ruby (and PHP) code that runs only on some databases: `if connection.adapter_name == "SQLServer"`.

Engines and generators (doorkeeper, active_storage) ship migrations that branch on the adapter;
the branch for another database never runs on ours, so nothing in it is judged (its `execute`
is neither irreversible nor unanalysable SQL for a PostgreSQL application).
"""

from __future__ import annotations

from bot.syntax import treesitter as tsx
from bot.syntax.dialects import branch_constraint, branch_dialects

_BRANCHES = {"if", "elsif", "unless", "if_modifier", "unless_modifier"}
_NEGATING = {"unless", "unless_modifier"}


#: PHP's (Laravel: `if (DB::getDriverName() === 'sqlite')`, `elseif`, `else`)
PHP_BRANCHES = frozenset({"if_statement", "else_if_clause"})


def branch_constraints(
    node: tsx.Node, stop: tsx.Node | None = None, branches: frozenset[str] | set[str] = _BRANCHES
) -> tuple[str, ...]:
    """The adapter conditions (see ``bot.syntax.dialects.runs_on``) under which ``node`` runs;
    ``branches``: the tree-sitter node types that branch (Ruby's by default, ``PHP_BRANCHES``)."""
    found: list[str] = []
    child, parent = node, node.parent
    while parent is not None and parent != stop:
        if parent.type in branches:
            condition = parent.child_by_field_name("condition")
            decided = branch_dialects(tsx.text(condition)) if condition is not None and child != condition else None
            if decided is not None:
                named, negated = decided
                in_body = child == (parent.child_by_field_name("consequence") or parent.child_by_field_name("body"))
                taken = in_body ^ negated ^ (parent.type in _NEGATING)
                found.append(branch_constraint(named, taken))
        child, parent = parent, parent.parent
    return tuple(found)
