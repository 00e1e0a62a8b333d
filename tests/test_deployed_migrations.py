"""deployed-migration-modified: edits, renames, deletions, whitespace, and which ref counts as deployed."""

from __future__ import annotations

import time

from tests.gitrepo_factory import Repo

UP = "-- migrate:up\nCREATE TABLE users (\n  id int\n);\n\n-- migrate:down\nDROP TABLE users;\n"
PATH = "db/migrations/20240101000000_users.sql"


def deployed(repo: Repo) -> Repo:
    return repo.write(PATH, UP).commit("users").branch("feature")


def test_modification_points_at_first_changed_line(repo: Repo) -> None:
    deployed(repo).write(PATH, UP.replace("  id int\n", "  id bigint\n")).commit()
    outcome = repo.check("--base", "main")
    assert outcome.found == [("deployed-migration-modified", PATH, 3)]
    f = outcome.json["findings"][0]
    assert f["message"].startswith("This migration already ran at main; this change edits it")
    assert f["severity"] == "error" and outcome.code == 1


def test_whitespace_only_edit_of_a_tool_without_checksums_is_a_notice(repo: Repo) -> None:
    """dbmate keeps no checksum: re-indenting a deployed file changes nothing any database runs."""
    deployed(repo).write(PATH, UP.replace("  id int", "    id int")).commit()
    outcome = repo.check("--base", "main")
    f = outcome.finding("deployed-migration-modified")
    assert f["severity"] == "notice" and "reformats it" in f["message"] and "checksum" not in f["message"]
    assert outcome.code == 0


def test_whitespace_only_edit_of_a_checksummed_migration_is_an_error(repo: Repo) -> None:
    """Flyway checksums every applied migration: even whitespace fails `flyway validate`."""
    flyway = "db/migration/V1__users.sql"
    repo.write(flyway, "CREATE TABLE users (\n  id int\n);\n").commit().branch("feature")
    repo.write(flyway, "CREATE TABLE users (\n    id int\n);\n").commit()
    f = repo.check("--base", "main").finding("deployed-migration-modified")
    assert f["severity"] == "error" and "only whitespace" in f["message"] and "checksum" in f["message"]


def test_an_edit_that_changes_one_word_is_an_error_even_without_checksums(repo: Repo) -> None:
    deployed(repo).write(PATH, UP.replace("id int", "id bigint")).commit()
    f = repo.check("--base", "main").finding("deployed-migration-modified")
    assert f["severity"] == "error" and "edits it" in f["message"]


def test_pure_deletion_of_lines_points_at_the_line_after(repo: Repo) -> None:
    deployed(repo).write(PATH, UP.replace("\n-- migrate:down", "-- migrate:down")).commit()
    assert repo.check("--base", "main").found == [("deployed-migration-modified", PATH, 5)]


def test_rename_and_delete_are_file_level(repo: Repo) -> None:
    repo.write("db/migrations/20240102000000_orders.sql", UP.replace("users", "orders"))
    deployed(repo)
    repo.move(PATH, "db/migrations/20240101000000_people.sql")
    repo.remove("db/migrations/20240102000000_orders.sql").commit()

    outcome = repo.check("--base", "main")

    assert outcome.found == [
        ("deployed-migration-modified", "db/migrations/20240101000000_people.sql", None),
        ("deployed-migration-modified", "db/migrations/20240102000000_orders.sql", None),
    ]
    renamed, deleted = outcome.json["findings"]
    assert "renames it to `db/migrations/20240101000000_people.sql`" in renamed["message"]
    assert "deletes it" in deleted["message"]


def test_files_not_at_the_deployed_ref_may_change(repo: Repo) -> None:
    """`--deployed-ref production`: a migration merged to main but not yet released may be edited."""
    repo.write(PATH, UP).commit("users")
    repo.git("branch", "production")
    later = "db/migrations/20240201000000_orders.sql"
    repo.write(later, UP.replace("users", "orders")).commit("orders").branch("feature")
    repo.write(later, UP.replace("users", "orders").replace("id int", "id bigint"))
    repo.write(PATH, UP.replace("id int", "id bigint")).commit()

    assert repo.check("--base", "main", "--deployed-ref", "production").found == [
        ("deployed-migration-modified", PATH, 3)
    ]
    assert repo.check("--base", "main").found == [
        ("deployed-migration-modified", PATH, 3),
        ("deployed-migration-modified", later, 3),
    ]


def test_deployed_ref_from_configuration(repo: Repo) -> None:
    repo.write(".github/migration-guard.yml", "deployed:\n  tag: 'v*'\n")
    repo.write(PATH, UP).commit("users")
    repo.git("tag", "v1.0")
    later = "db/migrations/20240201000000_orders.sql"
    repo.write(later, UP.replace("users", "orders")).commit("orders").branch("feature")
    repo.write(later, UP.replace("users", "orders").replace("id int", "id bigint")).commit()
    assert repo.check("--base", "main").found == []


def test_editing_a_down_file_of_a_deployed_migration_is_allowed(repo: Repo) -> None:
    repo.write("db/1_init.up.sql", "CREATE TABLE t (id int);\n")
    repo.write("db/1_init.down.sql", "DROP TABLE t\n").commit().branch("feature")
    repo.write("db/1_init.down.sql", "DROP TABLE IF EXISTS t;\n").commit()
    assert repo.check("--base", "main").found == []


def test_alembic_rename_keeping_the_revision_is_a_notice(repo: Repo) -> None:
    text = "revision = 'abc'\ndown_revision = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n"
    repo.write("alembic/env.py", "").write("alembic/versions/abc_init.py", text).commit().branch("feature")
    repo.move("alembic/versions/abc_init.py", "alembic/versions/abc_create_users.py").commit()
    f = repo.check("--base", "main").finding("deployed-migration-modified")
    assert f["severity"] == "notice" and f["line"] is None and "revision id" in f["message"]


def test_the_deployed_tag_is_the_highest_version_as_in_the_app(repo: Repo) -> None:
    """`v1.10` over `v1.9` even when `v1.9` tags a newer commit (a late patch release): the CLI
    picks the highest version, as the App does, not the newest tag."""
    repo.write(".github/migration-guard.yml", "deployed:\n  tag: 'v*'\n")
    repo.write(PATH, UP).commit("users")
    repo.git("tag", "v1.10")
    later = "db/migrations/20240201000000_orders.sql"
    repo.write(later, UP.replace("users", "orders")).commit("orders")
    time.sleep(1.1)  # so that v1.9 is the newest tag by date
    repo.git("tag", "-a", "v1.9", "-m", "patch release")
    repo.branch("feature")
    repo.write(later, UP.replace("users", "orders").replace("id int", "id bigint")).commit()
    outcome = repo.check("--base", "main")
    assert outcome.json["summary"]["deployed"]["ref"] == "v1.10"
    assert outcome.found == []  # orders is not in v1.10: editing it is fine


def test_a_formatter_sweep_of_a_deployed_alembic_revision_is_a_notice(repo: Repo) -> None:
    """black adds a blank line after the docstring, isort reorders the imports: Alembic runs the
    same code, keeps no checksum, and no database is affected."""
    from tests.test_alembic import VERSIONS, project

    project(repo).branch("feature")
    before = (repo.root / f"{VERSIONS}/1a_init.py").read_text()
    swept = before.replace('"""\nfrom typing', '"""\n\nfrom typing').replace(
        "from alembic import op\nimport sqlalchemy as sa\n", "import sqlalchemy as sa\nfrom alembic import op\n"
    )
    assert swept != before
    repo.write(f"{VERSIONS}/1a_init.py", swept).commit()
    outcome = repo.check("--base", "main")
    assert [(f["rule"], f["severity"]) for f in outcome.json["findings"]] == [("deployed-migration-modified", "notice")]
    assert outcome.code == 0


def test_a_changed_statement_in_a_deployed_alembic_revision_is_an_error(repo: Repo) -> None:
    from tests.test_alembic import VERSIONS, project

    project(repo).branch("feature")
    before = (repo.root / f"{VERSIONS}/1a_init.py").read_text()
    repo.write(f"{VERSIONS}/1a_init.py", before.replace("sa.Integer()", "sa.BigInteger()")).commit()
    f = repo.check("--base", "main").finding("deployed-migration-modified")
    assert f["severity"] == "error"
