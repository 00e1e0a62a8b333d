from __future__ import annotations

from pathlib import Path

import pytest

from tests.gitrepo_factory import Repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo")


#: test modules that drive the App end to end (HTTP, worker, GitHub double)
_APP_MODULES = {"test_action", "test_container", "test_app_collaboration", "test_app_commands", "test_app_resilience", "test_app_review",
                "test_app_reading_limits", "test_app_settings", "test_app_webhooks", "test_app_leases", "test_setup", "test_front_door", "test_hostile_app", "test_replicas",
                "test_store", "test_redelivery", "test_startup"}  # fmt: skip
#: modules whose tests take seconds each (several processes, hundreds of webhooks, many repositories)
_SLOW_MODULES = {"test_replicas", "test_check_truth", "test_app_resilience", "test_install", "test_container",
                 "test_redelivery"}  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tiers, so a developer can run the fast one in seconds (see the README):
    ``pure`` (no git, no server), ``git`` (real repositories, the CLI and engine), ``app`` (the
    App end to end), ``slow`` (seconds per test); ``-m "not app and not slow"`` is the fast tier."""
    for item in items:
        module = item.module.__name__.rpartition(".")[2] if item.module else ""
        if module in _APP_MODULES:
            item.add_marker(pytest.mark.app)
        elif "repo" in getattr(item, "fixturenames", ()) or module in _SLOW_MODULES:  # slow is never pure
            item.add_marker(pytest.mark.git)
        else:
            item.add_marker(pytest.mark.pure)
        if module in _SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
