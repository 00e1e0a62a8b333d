"""The CLI contract: exit codes, one-line errors, defaults, formats."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from inline_snapshot import snapshot

from bot.cli import main
from rules import RULES
from tests.gitrepo_factory import GIT_ENV, Repo

GOOSE = "-- +goose Up\nCREATE TABLE {t} (id int);\n\n-- +goose Down\nDROP TABLE {t};\n"


def collision(repo: Repo) -> Repo:
    """main gains version 3 while `feature` adds version 2 without a Down section."""
    repo.write("db/migrations/00001_users.sql", GOOSE.format(t="users")).commit().branch("feature")
    repo.write("db/migrations/00002_orders.sql", "-- +goose Up\nCREATE TABLE orders (id int);\n").commit()
    repo.checkout("main").write("db/migrations/00003_tags.sql", GOOSE.format(t="tags")).commit()
    return repo.checkout("feature")


def test_text_report(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")  # the report wraps to the terminal's width
    outcome = collision(repo).check("--base", "main", fmt="text")
    assert outcome.code == 1
    assert outcome.err == ""
    base = repo.git("rev-parse", "main").strip()[:12]
    assert outcome.out.replace(base, "<main>") == snapshot("""\
Checked: goose in db/migrations (2 migrations; PostgreSQL, assumed)
Against: base main (<main>), also counted as deployed
Note: Nothing in the repository says which database db/migrations runs on: judged as PostgreSQL (set dialect: in .github/migration-guard.yml to say it).

db/migrations/00002_orders.sql
     1  error    migration-out-of-order  Version 2 sorts before `db/migrations/00003_tags.sql`
        (version 3), already on main: goose refuses to migrate (missing migrations) unless run with
        -allow-missing.
        | -- +goose Up
        fix: Rebase and rename it to `db/migrations/00004_orders.sql`.
     1  error    missing-rollback  This migration cannot be rolled back: it has no `-- +goose Down`
        section.
        | -- +goose Up
        fix: Add a `-- +goose Down` section with the SQL that reverses the up section.

1 changed migration checked: 2 errors, 0 warnings, 0 notices.
""")


def test_json_contract(repo: Repo) -> None:
    outcome = collision(repo).check("--base", "main")
    base = repo.git("rev-parse", "main").strip()
    assert json.loads(outcome.out.replace(base, "<main>")) == snapshot(
        {
            "findings": [
                {
                    "rule": "migration-out-of-order",
                    "severity": "error",
                    "path": "db/migrations/00002_orders.sql",
                    "line": 1,
                    "end_line": 1,
                    "message": 'Version 2 sorts before `db/migrations/00003_tags.sql` (version 3), already on main: goose refuses to migrate (missing migrations) unless run with -allow-missing.',
                    "help": "Rebase and rename it to `db/migrations/00004_orders.sql`.",
                    "framework": "goose",
                    "suggestion": None,
                },
                {
                    "rule": "missing-rollback",
                    "severity": "error",
                    "path": "db/migrations/00002_orders.sql",
                    "line": 1,
                    "end_line": 1,
                    "message": 'This migration cannot be rolled back: it has no `-- +goose Down` section.',
                    "help": "Add a `-- +goose Down` section with the SQL that reverses the up section.",
                    "framework": "goose",
                    "suggestion": None,
                },
            ],
            "summary": {
                "migrations_checked": 1,
                "errors": 2,
                "warnings": 0,
                "notices": 0,
                "checked": [{"framework": "goose", "directory": "db/migrations", "migrations": 2, "database": "postgres", "database_source": None}],
                "base": {"ref": "main", "sha": "<main>"},
                "deployed": {"ref": "main", "sha": "<main>"},
                "notes": ['Nothing in the repository says which database `db/migrations` runs on: judged as PostgreSQL (set `dialect:` in .github/migration-guard.yml to say it).'],
            },
        }
    )


def test_sarif_for_code_scanning(repo: Repo) -> None:
    sarif = json.loads(collision(repo).check("--base", "main", fmt="sarif").out)
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "migration-out-of-order" in rule_ids and "missing-rollback" in rule_ids
    assert all(r["help"]["text"] for r in run["tool"]["driver"]["rules"])
    enabled = {r["id"]: r["defaultConfiguration"]["enabled"] for r in run["tool"]["driver"]["rules"]}
    assert enabled["missing-rollback"] is True and enabled["prefer-text-field"] is False  # a rule of taste
    results = [
        (
            r["ruleId"],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in run["results"]
    ]
    assert results == [
        ("migration-out-of-order", "error", "db/migrations/00002_orders.sql", 1),
        ("missing-rollback", "error", "db/migrations/00002_orders.sql", 1),
    ]
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"])


def test_output_file(repo: Repo, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    outcome = collision(repo).check("--base", "main", "--output", str(target))
    assert outcome.code == 1 and outcome.out == ""
    assert json.loads(target.read_text())["summary"]["errors"] == 2


def test_no_error_findings_exit_zero(repo: Repo) -> None:
    repo.write("db/migrations/00001_users.sql", GOOSE.format(t="users")).commit().branch("feature")
    repo.write("db/migrations/00002_orders.sql", GOOSE.format(t="orders")).commit()
    outcome = repo.check("--base", "main", fmt="text")
    assert outcome.code == 0
    assert outcome.out.splitlines()[0] == "Checked: goose in db/migrations (2 migrations; PostgreSQL, assumed)"
    assert outcome.out.endswith("\n\n1 changed migration checked: no problems found.\n")


def test_repository_without_migrations(repo: Repo) -> None:
    repo.write("README.md", "hello\n").commit().branch("feature").write("app.py", "print(1)\n").commit()
    outcome = repo.check("--base", "main", fmt="text")
    assert outcome.code == 0
    assert outcome.out.splitlines()[0] == "Checked: no migration directory found"
    note = next(line for line in outcome.out.splitlines() if line.startswith("Note: No migration directory found"))
    assert "Rails db/migrate/" in note and "Django migrations/ packages" in note and "paths:" in note
    assert outcome.out.endswith("\n\nNo migration changed: nothing to check.\n")


def test_empty_repository(repo: Repo) -> None:
    outcome = repo.check()
    assert outcome.code == 2
    assert outcome.err == "migration-guard: error: the repository has no commits yet: commit the migrations first\n"


def test_unknown_base(repo: Repo) -> None:
    repo.commit("start")
    outcome = repo.check("--base", "origin/nope")
    assert (outcome.code, outcome.err) == (
        2,
        "migration-guard: error: --base origin/nope: no such branch, tag or commit\n",
    )


def test_not_a_repository(tmp_path: Path) -> None:
    result = Repo.existing(tmp_path).check()
    assert (result.code, result.err) == (2, f"migration-guard: error: {tmp_path}: not a git repository\n")


def test_default_base_is_main_then_master(repo: Repo) -> None:
    collision(repo)
    assert repo.check().code == 1  # main found
    repo.git("branch", "-m", "main", "master")
    assert repo.check().code == 1  # master found
    repo.git("branch", "-m", "master", "trunk")
    outcome = repo.check()
    assert outcome.code == 2 and "pass --base REF" in outcome.err


def test_origin_head_is_preferred(repo: Repo, tmp_path: Path) -> None:
    collision(repo)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo.root), str(clone)], check=True, env=GIT_ENV)
    subprocess.run(["git", "remote", "set-head", "origin", "main"], cwd=clone, check=True, env=GIT_ENV)
    assert not (clone / ".git" / "refs" / "heads" / "main").exists()  # only origin/main: found via origin/HEAD
    assert Repo.existing(clone).check().found == [
        ("migration-out-of-order", "db/migrations/00002_orders.sql", 1),
        ("missing-rollback", "db/migrations/00002_orders.sql", 1),
    ]


def test_usage_error_is_one_line(repo: Repo) -> None:
    outcome = repo.check("--format", "xml")
    assert outcome.code == 2
    assert outcome.err.count("\n") == 1 and "invalid choice: 'xml'" in outcome.err


def test_uncommitted_work_is_not_checked_and_the_hint_names_staged(repo: Repo) -> None:
    outcome = collision(repo).write("db/migrations/00000_dirty.sql", "nothing\n").check("--base", "main")
    assert len(outcome.found) == 2
    assert outcome.err == ("migration-guard: note: uncommitted changes to migrations are not checked "
                           "(db/migrations/00000_dirty.sql); stage them and run `check --staged` to check them\n")  # fmt: skip


def test_no_hint_when_uncommitted_changes_are_elsewhere(repo: Repo) -> None:
    assert collision(repo).write("README.md", "notes\n").check("--base", "main").err == ""


def test_staged_checks_the_index_on_top_of_the_branch(repo: Repo) -> None:
    """A pre-commit hook: the bad migration is staged, not committed; `--staged` sees it, a plain
    check does not; what is only in the working tree (not staged) is not part of it."""
    repo.write("db/migrations/00001_users.sql", GOOSE.format(t="users")).commit().branch("feature")
    repo.write("db/migrations/00002_orders.sql", "-- +goose Up\nCREATE TABLE orders (id int);\n")
    repo.git("add", "db/migrations/00002_orders.sql")
    repo.write("db/migrations/00003_tags.sql", "-- +goose Up\nCREATE TABLE tags (id int);\n")  # not staged
    staged = repo.check("--base", "main", "--staged")
    assert (staged.code, staged.found) == (1, [("missing-rollback", "db/migrations/00002_orders.sql", 1)])
    assert staged.err == ""
    assert repo.check("--base", "main").found == []


def test_a_shallow_clone_is_told_to_fetch_the_base(repo: Repo, tmp_path: Path) -> None:
    """actions/checkout's default clone has one commit and no base branch: not "no such branch"
    alone, but what to fetch."""
    collision(repo)
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{repo.root}", str(clone)],
                   check=True, env=GIT_ENV)  # fmt: skip
    outcome = Repo.existing(clone).check("--base", "main")
    assert outcome.code == 2
    assert outcome.err.startswith("migration-guard: error: --base main: no such branch, tag or commit; this clone is "
                                  "shallow, so main may simply not be fetched: fetch the history (`fetch-depth: 0` "
                                  "on actions/checkout, or `git fetch --unshallow origin`)")  # fmt: skip


def test_console_script_runs_without_traceback(repo: Repo) -> None:
    collision(repo)
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", "--repo", str(repo.root), "--base", "main", "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and json.loads(done.stdout)["summary"]["errors"] == 2
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "explain", "missing-rollback"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "Safe alternative" in done.stdout


def test_rules_and_explain(capsys) -> None:
    assert main(["rules"]) == 0
    listing = capsys.readouterr().out
    table, _, footnote = listing.partition("\n\n")
    rows = {line.split()[0]: line.split()[1] for line in table.splitlines()}
    assert rows["missing-rollback"] == "error" and rows["unused-suppression"] == "notice"
    assert rows["prefer-text-field"] == "off" and "rules: {<id>: notice}" in footnote
    assert rows["require-concurrent-index-creation"] == "warning" and len(rows) == len(RULES)
    assert rows["ban-truncate-cascade"] == "error" and listing.splitlines()[0].split()[2] == "any"
    assert main(["rules", "--format", "json"]) == 0
    as_json = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert as_json["require-concurrent-reindex"] == {
        "id": "require-concurrent-reindex", "severity": "warning", "severity_when_on": "warning", "group": "zero-downtime",
        "applies_to": ["sql"], "aliases": [],
        "summary": "PostgreSQL: REINDEX without CONCURRENTLY blocks writes while every index is rebuilt."}  # fmt: skip
    assert as_json["prefer-timestamp-tz"]["severity"] == "off" and as_json["prefer-timestamp-tz"]["severity_when_on"] == "notice"
    assert as_json["prefer-timestamp-tz"]["aliases"] == ["prefer-timestamptz"]
    assert list(as_json) == list(RULES)
    assert main(["explain", "prefer-timestamptz"]) == 0  # squawk's spelling
    assert capsys.readouterr().out.startswith("`prefer-timestamptz` is squawk's id for `prefer-timestamp-tz`.\n\nprefer-timestamp-tz (off")
    assert main(["explain", "nope"]) == 2
    assert capsys.readouterr().err == "migration-guard: error: unknown rule 'nope' (see `migration-guard rules`)\n"


def test_parse_cache_gives_identical_results(repo: Repo) -> None:
    collision(repo)
    outputs = []
    for _ in range(2):
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            main(["check", "--repo", str(repo.root), "--base", "main", "--format", "json"])
        outputs.append(buffer.getvalue())
    assert outputs[0] == outputs[1]
    assert (repo.root / ".git" / "migration-guard" / "parse-cache.sqlite3").is_file()


def test_colour_is_chosen_by_flag_and_environment(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    collision(repo)
    always = repo.check("--base", "main", "--color", "always", fmt="text").out
    assert "\x1b[31merror  \x1b[0m  " in always  # padded before colouring: columns stay aligned
    assert "\x1b[31;1m1 changed migration checked: 2 errors" in always  # the outcome line, in red
    assert "\x1b[" not in repo.check("--base", "main", "--color", "never", fmt="text").out
    assert "\x1b[" not in repo.check("--base", "main", fmt="text").out  # auto: not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[31m" in repo.check("--base", "main", fmt="text").out


def test_a_reader_that_stops_early_is_no_error() -> None:
    """`migration-guard rules | head -1`: the reader is gone before anything is written (its end of
    the pipe is closed at once); no "internal error" on stderr, exit status 0."""
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "rules"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=Path(__file__).resolve().parent.parent)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    assert (proc.wait(60), proc.stderr.read()) == (0, b"")
