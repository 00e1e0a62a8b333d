"""Repository configuration and inline suppressions, as a user writes them."""

from __future__ import annotations

import pytest

from tests.gitrepo_factory import Repo

GOOSE_NO_DOWN = "-- +goose Up\nCREATE TABLE orders (id int);\n"


def feature_without_down(repo: Repo, config: str | None = None, text: str = GOOSE_NO_DOWN) -> Repo:
    if config is not None:
        repo.write(".github/migration-guard.yml", config)
    repo.write("db/00001_users.sql", "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 1;\n").commit()
    return repo.branch("feature").write("db/00002_orders.sql", text).commit()


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ("rulez: {}\n", ".github/migration-guard.yml: rulez: unknown key (did you mean `rules`?); valid keys: paths, "
         "deployed, rules, ignore_paths, dialect, max_tables_per_migration, limits, not_analysed, review, timeouts, naming_pattern, transactions"),
        (
            "rules:\n  missing-rollbak: off\n",
            ".github/migration-guard.yml: rules: unknown rule 'missing-rollbak' (did you mean `missing-rollback`?) "
            "(see `migration-guard rules`)",
        ),
        (
            "rules:\n  missing-rollback: fatal\n",
            ".github/migration-guard.yml: rules.missing-rollback: Input should be 'error', 'warning', 'notice' or 'off'",
        ),
        (
            "paths:\n  - path: db\n    framework: liquibase\n",
            ".github/migration-guard.yml: paths.0.framework: unknown framework 'liquibase'; known: alembic, dbmate, "
            "django, flyway, golang-migrate, goose, knex, laravel, prisma, rails, sequelize, typeorm",
        ),
        (
            "deployed:\n  branch: a\n  tag: b\n",
            ".github/migration-guard.yml: deployed: give exactly one of ref, branch, tag or environment",
        ),
        ("rules: [\n", ".github/migration-guard.yml: line 2: expected the node content, but found '<stream end>'"),
        ("- a\n- b\n", ".github/migration-guard.yml: must be a mapping of settings, not list"),
    ],
)
def test_invalid_configuration_is_one_line_naming_the_key(repo: Repo, config: str, error: str) -> None:
    outcome = feature_without_down(repo, config).check("--base", "main")
    assert (outcome.code, outcome.err, outcome.out) == (2, f"migration-guard: error: {error}\n", "")


def test_rule_severity_and_off(repo: Repo) -> None:
    feature_without_down(repo, "rules:\n  missing-rollback: warning\n")
    outcome = repo.check("--base", "main")
    assert outcome.code == 0 and outcome.finding("missing-rollback")["severity"] == "warning"

    repo.write(".github/migration-guard.yml", "rules:\n  missing-rollback: off\n")
    assert repo.check("--base", "main").found == []


def test_config_flag_and_ignore_paths(repo: Repo, tmp_path) -> None:
    feature_without_down(repo)
    config = tmp_path / "mg.yml"
    config.write_text("ignore_paths:\n  - 'db/0000[2-9]_*'\n")
    assert repo.check("--base", "main", "--config", str(config)).found == []
    missing = repo.check("--base", "main", "--config", str(tmp_path / "nope.yml"))
    assert missing.code == 2 and "no such file" in missing.err


def test_explicit_paths_replace_detection(repo: Repo) -> None:
    """A dbmate folder declared explicitly: a file without annotations there is an error."""
    repo.write(".github/migration-guard.yml", "paths:\n  - path: sql\n    framework: dbmate\n")
    repo.write("sql/20240101000000_a.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n").commit()
    repo.branch("feature").write("sql/20240102000000_b.sql", "CREATE TABLE b (id int);\n")
    repo.write("db/00002_orders.sql", GOOSE_NO_DOWN).commit()  # outside the declared paths: not looked at
    outcome = repo.check("--base", "main")
    assert outcome.found == [("unparsable-migration", "sql/20240102000000_b.sql", 1)]


def test_suppression_with_reason_silences_the_finding(repo: Repo) -> None:
    text = "-- migration-guard: ignore missing-rollback orders are append-only, dropped by hand\n" + GOOSE_NO_DOWN
    feature_without_down(repo, text=text)
    outcome = repo.check("--base", "main", fmt="text")
    assert outcome.code == 0
    assert outcome.out.endswith("\n\n1 changed migration checked: no problems found.\n1 finding suppressed inline.\n")


def test_unused_and_invalid_suppressions(repo: Repo) -> None:
    text = (
        "-- migration-guard: ignore migration-out-of-order not needed here\n"
        "-- migration-guard: ignore missing-rollback\n"
        "-- migration-guard: ignore no-such-rule because\n"
        "SELECT '-- migration-guard: ignore missing-rollback in a string';\n" + GOOSE_NO_DOWN
    )
    feature_without_down(repo, text=text)
    outcome = repo.check("--base", "main")
    assert outcome.found == [
        ("unused-suppression", "db/00002_orders.sql", 1),
        ("invalid-suppression", "db/00002_orders.sql", 2),
        ("invalid-suppression", "db/00002_orders.sql", 3),
        ("missing-rollback", "db/00002_orders.sql", 5),
    ]
    messages = [f["message"] for f in outcome.json["findings"]]
    assert "without a reason" in messages[1] and "unknown rule `no-such-rule`" in messages[2]


def test_python_suppression_is_read_from_comments_only(repo: Repo) -> None:
    text = (
        "revision = 'b'\ndown_revision = 'a'\n\n"
        "NOTE = '# migration-guard: ignore missing-rollback not a comment'\n\n"
        "def upgrade():\n    pass\n"
    )
    base = "revision = 'a'\ndown_revision = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n"
    repo.write("alembic/env.py", "").write("alembic/versions/a.py", base).commit().branch("feature")
    repo.write("alembic/versions/b.py", text).commit()
    assert repo.check("--base", "main").found == [("missing-rollback", "alembic/versions/b.py", 6)]

    repo.write(
        "alembic/versions/b.py",
        text.replace(
            "def upgrade", "# migration-guard: ignore missing-rollback data backfill, restore from backup\ndef upgrade"
        ),
    )
    repo.commit()
    assert repo.check("--base", "main").found == []
