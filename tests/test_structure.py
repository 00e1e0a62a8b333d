"""The code's shape: data flows one way through the layers, with no import cycle (tools/import_graph.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import import_graph  # noqa: E402


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
