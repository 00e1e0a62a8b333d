"""The code's shape: data flows one way through the layers, with no import cycle (tools/import_graph.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import import_graph


def test_every_module_sits_in_a_layer() -> None:
    assert [m for m in import_graph.modules() if import_graph.layer(m) < 0] == []


def test_no_import_goes_up_a_layer_or_round_a_cycle() -> None:
    assert import_graph.violations() == []


def test_the_checker_sees_a_cycle_and_a_back_edge() -> None:
    edges = [("bot.core.model", "bot.pipeline.isolation", 1, True, "from x import y"),
             ("bot.pipeline.isolation", "bot.core.model", 2, False, "")]  # fmt: skip
    assert import_graph.cycles(edges) == [["bot.core.model", "bot.pipeline.isolation", "bot.core.model"]]
    assert import_graph.layer("bot.pipeline.isolation") > import_graph.layer("bot.core.model")
    assert import_graph.layer("rules.ban_drop_column") < import_graph.layer("bot.pipeline.engine")
    assert import_graph.layer("bot.cli") > import_graph.layer("bot.app.serve")


def _framework_names_compared_outside_frameworks() -> list[str]:
    """Comparisons with, and mapping keys of, framework names outside ``bot/frameworks/``."""
    import ast

    from bot.frameworks import BY_NAME

    found = []
    for module, path in import_graph.modules().items():
        if module.startswith("bot.frameworks"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        documentation = {  # a rule's EXAMPLES are keyed by the front end they show: docs, not logic
            id(n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "EXAMPLES" for t in n.targets)
        }  # fmt: skip
        for node in ast.walk(tree):
            if id(node) in documentation:
                continue
            literals: list[ast.expr] = []
            if isinstance(node, ast.Compare):
                literals = [node.left, *node.comparators]
                for c in node.comparators:
                    if isinstance(c, ast.Tuple | ast.Set | ast.List):
                        literals.extend(c.elts)
            elif isinstance(node, ast.Dict):
                literals = [k for k in node.keys if k is not None]
            for lit in literals:
                if isinstance(lit, ast.Constant) and lit.value in BY_NAME:
                    found.append(f"{path.relative_to(import_graph.ROOT)}:{lit.lineno}: {lit.value!r}")
    return found


def test_no_rule_or_pipeline_module_names_a_framework() -> None:
    """A tool's knowledge lives in its adapter; everyone else asks its traits."""
    assert _framework_names_compared_outside_frameworks() == []


def test_every_adapter_states_its_traits() -> None:
    from bot.core.traits import Traits
    from bot.frameworks import FRAMEWORKS

    for adapter in FRAMEWORKS:
        assert isinstance(adapter.traits, Traits), adapter.name
        assert adapter.traits.display
        assert not adapter.traits.graph or adapter.traits.heads_fix, adapter.name


def test_every_rule_module_is_found_and_declares_what_the_docs_need() -> None:
    import pkgutil

    import rules

    modules = [i.name for i in pkgutil.iter_modules(rules.__path__) if not i.name.startswith("_")]
    assert len(rules.RULES) == len(modules)  # discovered, none missed, ids unique
    for rule in rules.RULES.values():
        assert rule.summary and rule.explanation, rule.id


def test_the_readme_rule_tables_are_generated_from_the_rule_modules() -> None:
    """The README's tables and the rule modules cannot drift: the tables are what
    ``tools/generate_docs.py`` writes, and together they list every rule once."""
    import re

    from bot.report.rule_docs import with_readme_tables
    from rules import RULES

    readme = (import_graph.ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == with_readme_tables(readme), "README.md is behind the rules: run python tools/generate_docs.py"
    listed = re.findall(r"^\| `([a-z-]+)` \| (?:error|warning|notice|off \((?:error|warning|notice) when on\)) \|", readme, re.M)
    assert sorted(listed) == sorted(RULES)
