"""The findings of a change seen before (``bot.pipeline.result_cache``): read back field for
field, keyed by everything that decides them and by nothing that varies between processes, and
never remembered when a migration was not analysed."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields, replace
from pathlib import Path

import pytest

from bot.core.config import Config
from bot.core.model import Finding, OpenPrMigration, Severity
from bot.pipeline import engine
from bot.pipeline.configuration import read_config
from bot.pipeline.parse_cache import ParseCache
from bot.pipeline.result_cache import change_key, dump_result, load_result
from bot.pipeline.suppressions import Suppression
from tests.in_memory import MemoryRows, changeset

BASE = {"db/migration/V1__init.sql": "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n"}
ADDED = {"db/migration/V2__index.sql": "CREATE INDEX users_email ON users (email);\n"}


def test_every_field_of_a_finding_and_a_suppression_reads_back() -> None:
    full = Finding("rule-a", Severity.WARNING, "db/a.sql", 3, "message", "help", "flyway", 5, "new line", (3, 4))
    assert all(getattr(full, f.name) is not None for f in fields(Finding))  # a new field must be set here too
    bare = Finding("rule-b", Severity.ERROR, "db/b.sql", None, "m", "h", "")
    kept_out = Suppression("db/a.sql", 2, "rule-c", "because")
    findings, suppressed = load_result(dump_result((full, bare), ((bare, kept_out),)))
    assert findings == (full, bare)
    assert suppressed == ((bare, kept_out),)
    assert hash(findings[0]) == hash(full)  # the engine keeps findings in dicts


def test_the_key_changes_with_the_text_the_configuration_and_other_pull_requests() -> None:
    cs = changeset(BASE, ADDED)
    key = change_key(cs)
    assert key is not None and key == change_key(changeset(BASE, ADDED))
    assert change_key(changeset(BASE, {"db/migration/V2__index.sql": "CREATE INDEX users_e ON users (email);\n"})) != key
    strict = read_config("rules:\n  require-concurrent-index-creation: off\n", "config")
    assert change_key(replace(cs, config=strict)) != key
    other = OpenPrMigration(7, "flyway", "", "2", (), "db/migration/V2__other.sql")
    assert change_key(replace(cs, other_prs=(other,))) != key


def test_the_key_is_the_same_in_processes_with_other_hash_seeds() -> None:
    script = (
        "from tests.in_memory import MemoryRows, changeset; from bot.pipeline.result_cache import change_key; "
        f"print(change_key(changeset({BASE!r}, {ADDED!r})))"
    )
    root = Path(__file__).resolve().parents[1]
    keys = {
        subprocess.run([sys.executable, "-c", script], cwd=root, env={**os.environ, "PYTHONHASHSEED": seed},
                       capture_output=True, text=True, check=True).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert len(keys) == 1 and keys != {"None"}


def test_a_change_seen_before_is_not_analysed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = MemoryRows()
    cache = ParseCache(rows)
    config = Config()
    first = engine.run(changeset(BASE, ADDED, config), config, cache=cache)
    assert "require-concurrent-index-creation" in [f.rule for f in first.findings]
    assert any(k.startswith("result|") for k in rows.rows)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("analysed again")

    monkeypatch.setattr(engine, "analyse", refuse)
    again = engine.run(changeset(BASE, ADDED, config), config, cache=cache)
    assert again.findings == first.findings
    assert (again.migrations_checked, again.coverage) == (first.migrations_checked, first.coverage)


def test_a_run_with_a_migration_not_analysed_is_not_remembered() -> None:
    rows = MemoryRows()
    config = read_config("limits:\n  max_bytes: 1000\n", "config")
    long = "".join(f"CREATE INDEX users_email_{n} ON users (email);\n" for n in range(40))
    result = engine.run(changeset(BASE, {"db/migration/V2__index.sql": long}, config), config, cache=ParseCache(rows))
    assert "migration-not-analysed" in [f.rule for f in result.findings]
    assert not any(k.startswith("result|") for k in rows.rows)
