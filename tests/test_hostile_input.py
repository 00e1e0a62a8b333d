"""Hostile input: migrations written to crash or hang the parser, patterns written to backtrack.

Each input is the exact shape reported against the service; the check must finish with a
finding that says why a migration was not analysed, and still judge every other migration.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from bot.github import pr_snapshot
from bot.report import markdown as md
from tests.gitrepo_factory import GIT_ENV, Repo

M = "db/migrations"
ROOT = Path(__file__).parent.parent


def goose(sql: str) -> str:
    return f"-- +goose Up\n{sql}\n-- +goose Down\nSELECT 1;\n"


DEEP_VIEW = "CREATE VIEW v AS SELECT * FROM " + "(SELECT * FROM " * 20_000 + "a" + ") x" * 20_000 + ";"
JOINS = "CREATE VIEW w AS SELECT 1 FROM a " + "JOIN b u " * 24 + "JOIN c o ON o.x = u.id;"
INDEX = "CREATE INDEX i ON a (id);"


#: these tests are about what hostile input costs; the timeout rules would add a finding per file
QUIET_TIMEOUTS = "timeouts:\n  lock_timeout: set-by-role\n  statement_timeout: set-by-role\n"


def hostile(repo: Repo, config: str | None = None, **files: str) -> Repo:
    repo.write(".github/migration-guard.yml", QUIET_TIMEOUTS + (config or ""))
    repo.write(f"{M}/00001_a.sql", goose("CREATE TABLE a (id int);")).commit().branch("feature")
    for name, sql in files.items():
        repo.write(f"{M}/{name}.sql", goose(sql))
    repo.write(f"{M}/00009_index.sql", goose(INDEX))
    return repo.commit()


def cli(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", "--repo", str(repo.root), "--base", "main", "--no-cache", *args],
        capture_output=True,
        text=True,
        env=GIT_ENV,
        cwd=ROOT,
    )


def test_a_view_nested_20000_levels_is_reported_not_a_segfault(repo: Repo) -> None:
    hostile(repo, **{"00002_deep": DEEP_VIEW})

    done = cli(repo, "--format", "json")

    assert done.returncode == 1 and done.stderr == ""  # not analysed: an error, the check fails
    found = [(f["rule"], f["path"], f["line"], f["message"]) for f in json.loads(done.stdout)["findings"]]
    assert found == [
        (
            "migration-not-analysed",
            f"{M}/00002_deep.sql",
            1,
            "This migration was not analysed (brackets nested over 200 levels deep; the limit is 200): no rule "
            "checked its locks or compatibility.",
        ),
        (
            "require-concurrent-index-creation",
            f"{M}/00009_index.sql",
            2,
            "`CREATE INDEX` on `a` without `CONCURRENTLY` takes a SHARE lock: every write to `a` waits until the "
            "index is built.",
        ),
    ]


def test_joins_that_make_the_parser_backtrack_are_stopped_at_the_budget(repo: Repo) -> None:
    hostile(repo, "limits:\n  seconds: 0.5\n", **{"00002_joins": JOINS})

    outcome = repo.check("--base", "main")

    assert outcome.code == 1  # stopped by the time guard: an error too
    assert outcome.found == [
        ("migration-not-analysed", f"{M}/00002_joins.sql", 1),
        ("require-concurrent-index-creation", f"{M}/00009_index.sql", 2),
    ]
    assert "its analysis took longer than 0.5 s and was stopped" in outcome.json["findings"][0]["message"]


#: a CLI run whose analysing process dies of a real SIGSEGV on one migration: run as its own,
#: single-threaded process, so the analysing child is forked from it deterministically (forking
#: the test process, which other tests leave with threads, can deadlock the child instead)
CRASHING_CLI = """
import os, signal, sys
import bot.pipeline.isolation as isolation
from bot.cli import main

real = isolation._analyse_here

def crashing(job):
    if "crash-me" in job.text:
        os.kill(os.getpid(), signal.SIGSEGV)
    return real(job)

isolation._analyse_here = crashing
sys.exit(main(sys.argv[1:]))
"""


def test_a_parser_that_crashes_costs_its_migration_only(repo: Repo) -> None:
    """A native crash (a real SIGSEGV in the analysing process) is reported; the next migration
    is analysed by a fresh process."""
    hostile(repo, **{"00002_crash": "-- crash-me\nCREATE TABLE b (id int);"})

    run = subprocess.run(
        [sys.executable, "-c", CRASHING_CLI, "check", "--repo", str(repo.root), "--base", "main", "--no-cache",
         "--format", "json"],
        capture_output=True, text=True, env=GIT_ENV, timeout=600,
    )  # fmt: skip

    assert run.returncode == 1, run.stderr
    findings = json.loads(run.stdout)["findings"]
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [
        ("migration-not-analysed", f"{M}/00002_crash.sql", 1),
        ("require-concurrent-index-creation", f"{M}/00009_index.sql", 2),
    ]
    assert "the parser crashed (SIGSEGV)" in findings[0]["message"]


def test_an_oversized_migration_is_not_parsed(repo: Repo) -> None:
    hostile(repo, "limits:\n  max_bytes: 2000\n", **{"00002_big": "SELECT 1;\n" * 500})
    outcome = repo.check("--base", "main")
    assert outcome.code == 1
    assert outcome.found[0][:2] == ("migration-not-analysed", f"{M}/00002_big.sql")
    assert outcome.json["findings"][0]["severity"] == "error"
    assert outcome.json["findings"][0]["message"] == (
        "This migration was not analysed (4,008 bytes of code, comments and whitespace not counted; the limit is "
        "2,000): no rule checked its locks or compatibility."
    )


#: 1.1 MB of comments in front of what the check must catch
PADDING = "-- just a comment, nothing to see\n" * 33_000


def test_comments_do_not_push_a_migration_past_the_size_bound(repo: Repo) -> None:
    """Padding a rename and a DROP DATABASE with 1.1 MB of `--` lines passed with exit 0 (a notice)."""
    hostile(repo, **{"00002_padded": PADDING + "ALTER TABLE a RENAME COLUMN id TO key;\nDROP DATABASE prod;"})

    outcome = repo.check("--base", "main")

    assert outcome.code == 1
    assert outcome.found_for("renaming-column", "ban-drop-database", "migration-not-analysed") == [
        ("renaming-column", f"{M}/00002_padded.sql", 33_002),
        ("ban-drop-database", f"{M}/00002_padded.sql", 33_003),
    ]


def test_what_is_past_the_bound_is_scanned_for_destructive_statements(repo: Repo) -> None:
    statements = "INSERT INTO a (id) VALUES (1);\n" * 100  # 2,700 bytes of code
    hostile(repo, "limits:\n  max_bytes: 2000\n", **{
        "00002_big": statements + "ALTER TABLE public.A RENAME COLUMN ID TO key;\n-- DROP TABLE a;\nDROP DATABASE prod;",
    })  # fmt: skip

    outcome = repo.check("--base", "main")

    assert outcome.code == 1
    assert outcome.found_for("migration-not-analysed", "renaming-column", "ban-drop-database", "ban-drop-table") == [
        ("migration-not-analysed", f"{M}/00002_big.sql", 1),
        ("renaming-column", f"{M}/00002_big.sql", 102),
        ("ban-drop-database", f"{M}/00002_big.sql", 104),  # the DROP TABLE in a comment is not one
    ]
    message = outcome.json["findings"][0]["message"]
    assert message.endswith("A text scan found 2 destructive statements in it, reported on their lines.")
    assert outcome.finding("renaming-column")["message"].startswith("Renaming `id` of `a` to `key` breaks")


def test_a_team_can_make_not_analysed_a_warning(repo: Repo) -> None:
    hostile(repo, "not_analysed: warning\nlimits:\n  max_bytes: 2000\n", **{"00002_big": "SELECT 1;\n" * 500})

    outcome = repo.check("--base", "main")

    assert outcome.code == 0
    assert [(f["rule"], f["severity"]) for f in outcome.json["findings"]][:1] == [("migration-not-analysed", "warning")]


def test_not_analysed_takes_only_the_three_severities(repo: Repo) -> None:
    hostile(repo, "not_analysed: off\n")
    outcome = repo.check("--base", "main")
    assert outcome.code == 2
    assert outcome.err.startswith("migration-guard: error: .github/migration-guard.yml: not_analysed:")
    assert outcome.err.count("\n") == 1


DJANGO_BIG = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
{fields}        migrations.RenameField(model_name="item", old_name="name", new_name="title"),
    ]
"""


def test_a_django_migration_past_the_bound_still_shows_its_rename(repo: Repo) -> None:
    """10,000 harmless AddFields before a RenameField passed through the 5 s budget as a notice."""
    repo.write(".github/migration-guard.yml", "limits:\n  max_bytes: 5000\n")
    repo.write("shop/__init__.py", "").write("shop/migrations/__init__.py", "")
    repo.write("shop/migrations/0001_initial.py", DJANGO_BIG.replace('[("shop", "0001_initial")]', "[]").format(
        fields='        migrations.CreateModel(name="Item", fields=[("name", models.TextField())]),\n'
    ).replace('        migrations.RenameField(model_name="item", old_name="name", new_name="title"),\n', ""))
    repo.commit().branch("feature")
    fields = "".join(
        f'        migrations.AddField(model_name="item", name="f{i}", field=models.IntegerField(null=True)),\n'
        for i in range(100)
    )
    repo.write("shop/migrations/0002_many.py", DJANGO_BIG.format(fields=fields)).commit()

    outcome = repo.check("--base", "main")

    assert outcome.code == 1
    assert outcome.found_for("migration-not-analysed", "renaming-column") == [
        ("migration-not-analysed", "shop/migrations/0002_many.py", 1),
        ("renaming-column", "shop/migrations/0002_many.py", 107),
    ]


def test_a_backtracking_naming_pattern_is_matched_in_linear_time(repo: Repo) -> None:
    """`^\\d+_([a-z0-9]+_?)+\\.sql$` against a 34-character name took minutes with Python's engine."""
    hostile(repo, "naming_pattern: '^\\d+_([a-z0-9]+_?)+\\.sql$'\n")
    repo.write(f"{M}/00003_{'a' * 25}!.sql", goose("SELECT 1;")).commit()
    outcome = repo.check("--base", "main")
    assert ("migration-naming", f"{M}/00003_{'a' * 25}!.sql", 1) in outcome.found


def test_a_pattern_the_linear_engine_cannot_run_is_a_configuration_error(repo: Repo) -> None:
    hostile(repo, "naming_pattern: '^(\\d+)_\\1\\.sql$'\n")
    outcome = repo.check("--base", "main")
    assert outcome.code == 2
    assert outcome.err.startswith(
        "migration-guard: error: .github/migration-guard.yml: naming_pattern: not a pattern the linear-time "
        "matcher accepts (invalid escape sequence: \\1)"
    )
    assert outcome.err.count("\n") == 1


# -- limits on what is read --------------------------------------------------------------------


def _tarball(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def test_a_tarball_is_read_in_memory_links_skipped_sizes_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    migration = b"-- +goose Up\nSELECT 1;\n"
    escaping = tarfile.TarInfo("../../etc/cron.d/x.sql")
    escaping.size = len(migration)
    link = tarfile.TarInfo("repo/db/link.sql")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    big = tarfile.TarInfo("repo/db/big.sql")
    big.size = 2_000
    archive = _tarball([(escaping, migration), (link, None), (big, b"x" * 2_000)])
    monkeypatch.setattr(pr_snapshot, "ARCHIVE_MAX_MEMBER_BYTES", 1_000)

    found = pr_snapshot.blobs_in_archive(
        archive, {pr_snapshot.git_blob_sha(migration), pr_snapshot.git_blob_sha(b"x" * 2_000)}
    )

    assert found == {pr_snapshot.git_blob_sha(migration): migration}  # by content only: nothing is written anywhere
    assert pr_snapshot.blobs_in_archive(archive[:40] + b"garbage", {"a" * 40}) == {}


def test_a_migration_over_the_size_limit_is_reported_not_read(repo: Repo) -> None:
    hostile(repo, **{"00002_huge": "-- " + "x" * (11 * 1024 * 1024)})
    outcome = repo.check("--base", "main")
    f = outcome.finding("unparsable-migration")
    assert f["path"] == f"{M}/00002_huge.sql" and "over the 10 MiB a migration may have: not read" in f["message"]
    assert ("require-concurrent-index-creation", f"{M}/00009_index.sql", 2) in outcome.found


def test_text_echoed_into_comments_is_bounded() -> None:
    assert len(md.text("a" * 10_000)) <= md.MAX_ECHO
    assert md.code("@" + "b" * 10_000).count("b") < md.MAX_ECHO
