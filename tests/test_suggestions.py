"""Every suggestion kind, applied and checked again: the finding it fixes is gone and no new error
appears. And the unsafe ones are not offered (said in words instead)."""

from __future__ import annotations

import pytest

from tests.gitrepo_factory import Repo
from tests.test_zero_downtime import ALEMBIC, RAILS, M, goose

USERS = goose("CREATE TABLE users (id bigint PRIMARY KEY, email text, org_id int);")
CREATE_USERS = RAILS.format(name="CreateUsers", body="  def change\n    create_table :users\n  end\n")
ALEMBIC_BASE = ALEMBIC.replace('"b2"', '"a1"').replace('"a1"\nfrom', "None\nfrom").format(body="    pass")

DJANGO_APP = {
    "shop/users/__init__.py": "",
    "shop/users/migrations/__init__.py": "",
    "shop/users/migrations/0001_initial.py": "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
    "    initial = True\n    dependencies = []\n\n    operations = [\n        migrations.CreateModel(name='User', "
    "fields=[('id', models.BigAutoField(primary_key=True)), ('email', models.TextField())]),\n    ]\n",
}
DJANGO_INDEX = (
    "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n\n"
    "    dependencies = [('users', '0001_initial')]\n\n    operations = [\n"
    "        migrations.AddIndex(model_name='user', index=models.Index(fields=['email'], name='user_email_idx')),\n    ]\n"
)

CASES = {
    "sql-concurrent-index": (
        {f"{M}/00001_users.sql": USERS},
        f"{M}/00002_index.sql", goose("CREATE INDEX users_email ON users (email);", no_transaction=True),
        "require-concurrent-index-creation",
    ),
    "sql-concurrent-drop": (
        {f"{M}/00001_users.sql": USERS},
        f"{M}/00002_drop.sql", goose("DROP INDEX users_email;", no_transaction=True),
        "require-concurrent-index-deletion",
    ),
    "sql-not-valid-foreign-key": (
        {f"{M}/00001_users.sql": USERS},
        f"{M}/00002_fk.sql", goose("ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (org_id) REFERENCES orgs (id);"),
        "adding-foreign-key-constraint",
    ),
    "sql-not-valid-check": (
        {f"{M}/00001_users.sql": USERS},
        f"{M}/00002_check.sql", goose("ALTER TABLE users ADD CONSTRAINT positive CHECK (id > 0);"),
        "constraint-missing-not-valid",
    ),
    "sql-not-valid-then-validate-outside-transaction": (
        {f"{M}/00001_users.sql": USERS},
        f"{M}/00002_fk.sql",
        goose("ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (org_id) REFERENCES orgs (id);", no_transaction=True),
        "adding-foreign-key-constraint",
    ),
    "rails-validate-false": (
        {"db/migrate/20240101000000_create_users.rb": CREATE_USERS},
        "db/migrate/20240102000000_fk.rb", RAILS.format(name="Fk", body="  def change\n    add_foreign_key :orders, :users\n  end\n"),
        "adding-foreign-key-constraint",
    ),
    "rails-concurrently-without-transaction": (
        {"db/migrate/20240101000000_create_users.rb": CREATE_USERS},
        "db/migrate/20240102000000_index.rb",
        RAILS.format(name="Index", body="  disable_ddl_transaction!\n\n  def change\n    add_index :users, :email\n  end\n"),
        "require-concurrent-index-creation",
    ),
    "alembic-concurrently-in-autocommit-block": (
        {"alembic/env.py": "", "alembic/versions/a1.py": ALEMBIC_BASE},
        "alembic/versions/b2.py",
        ALEMBIC.format(body='    with op.get_context().autocommit_block():\n        op.create_index("ix", "users", ["email"])'),
        "require-concurrent-index-creation",
    ),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(CASES))
def test_an_offered_suggestion_fixes_its_finding_once_applied(repo: Repo, kind: str) -> None:
    base, path, text, rule = CASES[kind]
    for name, content in base.items():
        repo.write(name, content)
    repo.commit().branch("feature")
    repo.write(path, text).commit()
    before = repo.findings()
    (finding,) = [f for f in before if f.rule == rule]
    assert finding.suggestion is not None, finding.help

    lines = text.splitlines(keepends=True)
    lines[finding.line - 1] = finding.suggestion + "\n"
    repo.write(path, "".join(lines)).commit()
    after = repo.findings()
    assert [f for f in after if f.rule == rule] == []
    errors = {(f.rule, f.line) for f in before if f.severity.label == "error"}
    assert [f.rule for f in after if f.severity.label == "error" and (f.rule, f.line) not in errors] == []


@pytest.mark.parametrize(
    ("path", "text", "base", "first_line"),
    [
        (f"{M}/00002_index.sql", goose("CREATE INDEX users_email ON users (email);"), {f"{M}/00001_users.sql": USERS},
         "-- +goose NO TRANSACTION"),
        (f"{M}/00002_index.sql", "-- migrate:up\nCREATE INDEX users_email ON users (email);\n\n-- migrate:down\nSELECT 1;\n",
         {f"{M}/00001_users.sql": "-- migrate:up\nCREATE TABLE users (id int, email text);\n-- migrate:down\nDROP TABLE users;\n"},
         "-- migrate:up transaction:false"),
        ("db/migrate/20240102000000_index.rb", RAILS.format(name="Index", body="  def change\n    add_index :users, :email\n  end\n"),
         {"db/migrate/20240101000000_create_users.rb": CREATE_USERS}, "class Index < ActiveRecord::Migration[7.1]"),
        ("alembic/versions/b2.py", ALEMBIC.format(body='    op.create_index("ix", "users", ["email"])'),
         {"alembic/env.py": "", "alembic/versions/a1.py": ALEMBIC_BASE}, "    with op.get_context().autocommit_block():"),
        ("shop/users/migrations/0002_email_idx.py", DJANGO_INDEX, DJANGO_APP, "from django.db import migrations, models"),
    ],
)  # fmt: skip
def test_a_concurrent_index_comes_with_the_transaction_turned_off_in_one_edit(
    repo: Repo, path: str, text: str, base: dict[str, str], first_line: str
) -> None:
    """goose, dbmate, Rails, Alembic: CONCURRENTLY alone would fail inside the migration's
    transaction, so the suggestion turns it off too, as one contiguous range; applied, it fixes the
    finding and adds no error."""
    for name, content in base.items():
        repo.write(name, content)
    repo.commit().branch("feature")
    repo.write(path, text).commit()
    before = repo.findings()
    (finding,) = [f for f in before if f.rule == "require-concurrent-index-creation"]
    assert finding.suggestion is not None and finding.suggestion.split("\n")[0] == first_line
    first, last = finding.suggested_range

    lines = text.splitlines(keepends=True)
    lines[first - 1 : last] = [part + "\n" for part in finding.suggestion.split("\n")]
    repo.write(path, "".join(lines)).commit()
    after = repo.findings()
    assert [f.rule for f in after if f.rule in ("require-concurrent-index-creation", "ban-concurrent-index-creation-in-transaction")] == []
    errors = {f.rule for f in before if f.severity.label == "error"}
    assert {f.rule for f in after if f.severity.label == "error"} <= errors


@pytest.mark.parametrize("no_transaction", [True, False])
def test_not_valid_is_followed_by_its_validation_only_outside_a_transaction(repo: Repo, no_transaction: bool) -> None:
    """Outside a transaction the add commits at once and VALIDATE then scans without blocking
    writes, so one edit does both; inside the file's transaction the pair would hold the add's lock
    for the whole scan, so the validation is left to a later migration (said in the help)."""
    repo.write(f"{M}/00001_users.sql", USERS).commit().branch("feature")
    repo.write(f"{M}/00002_check.sql", goose("ALTER TABLE users ADD CONSTRAINT positive CHECK (id > 0);",
                                              no_transaction=no_transaction)).commit()  # fmt: skip
    (finding,) = [f for f in repo.findings() if f.rule == "constraint-missing-not-valid"]
    first = "ALTER TABLE users ADD CONSTRAINT positive CHECK (id > 0) NOT VALID;"
    if no_transaction:
        assert finding.suggestion == first + "\nALTER TABLE users VALIDATE CONSTRAINT positive;"
        assert finding.help.endswith("after it: this migration runs outside a transaction, so the add commits at "
                                     "once and the validation lets reads and writes go on.")  # fmt: skip
    else:
        assert finding.suggestion == first
        assert "`VALIDATE CONSTRAINT` in a later migration." in finding.help


def test_a_prisma_migration_of_several_statements_gets_the_fix_in_words(repo: Repo) -> None:
    """Prisma runs the whole file in one transaction and has no switch: the migration must be
    split, which is no single edit; so no suggestion, and the help says why."""
    d = "prisma/migrations"
    repo.write(f"{d}/migration_lock.toml", 'provider = "postgresql"\n')
    repo.write(f"{d}/20240101000000_init/migration.sql", "CREATE TABLE users (id int, email text);\n").commit().branch("feature")
    repo.write(f"{d}/20240102000000_idx/migration.sql", "ALTER TABLE users ADD COLUMN n int;\nCREATE INDEX ix ON users (email);\n").commit()
    (finding,) = [f for f in repo.findings() if f.rule == "require-concurrent-index-creation"]
    assert finding.suggestion is None
    assert "(No one-click fix: applied alone, it would give the error `ban-concurrent-index-creation-in-transaction`.)" in finding.help


def test_the_json_and_sarif_contracts_carry_the_suggestion(repo: Repo) -> None:
    import json

    repo.write(f"{M}/00001_users.sql", USERS).commit().branch("feature")
    repo.write(f"{M}/00002_fk.sql", goose("ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (org_id) REFERENCES orgs (id);"))
    repo.write(f"{M}/00003_index.sql", goose("CREATE INDEX users_email ON users (email);")).commit()
    findings = {f["rule"]: f for f in repo.check("--base", "main", "--format", "json").json["findings"]}
    assert findings["adding-foreign-key-constraint"]["suggestion"] == {
        "line": 2, "end_line": 2,
        "text": "ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID;",
    }  # fmt: skip
    index = findings["require-concurrent-index-creation"]["suggestion"]  # with the transaction off, lines 1-2
    assert (index["line"], index["end_line"]) == (1, 2)
    assert index["text"] == "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY users_email ON users (email);"

    sarif = json.loads(repo.check("--base", "main", fmt="sarif").out)
    (fk,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "adding-foreign-key-constraint"]
    (change,) = fk["fixes"][0]["artifactChanges"]
    assert change["artifactLocation"]["uri"] == f"{M}/00002_fk.sql"
    assert change["replacements"] == [{
        "deletedRegion": {"startLine": 2, "endLine": 2},
        "insertedContent": {"text": "ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID;"},
    }]  # fmt: skip
    (index,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "require-concurrent-index-creation"]
    assert index["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"] == {"startLine": 1, "endLine": 2}


def test_overlapping_suggestions_in_one_file_are_offered_once(repo: Repo) -> None:
    """GitHub cannot apply two suggestions over the same lines: the first is offered, the second
    says so in words."""
    repo.write(f"{M}/00001_users.sql", USERS).commit().branch("feature")
    repo.write(f"{M}/00002_index.sql", goose("CREATE INDEX a ON users (email);\nCREATE INDEX b ON users (org_id);")).commit()
    first, second = [f for f in repo.findings() if f.rule == "require-concurrent-index-creation"]
    assert first.suggested_range == (1, 2) and first.suggestion is not None
    assert second.suggestion is None and "another suggestion in this file covers these lines" in second.help


def test_suggestions_are_checked_within_a_budget_of_re_analysed_text(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A suggestion is checked by analysing its whole file again: a run re-analyses at most
    MAX_VERIFIED_BYTES of text; past it the fix is given in words, said so."""
    from bot.pipeline import suggestions

    repo.write(f"{M}/00001_users.sql", goose("CREATE TABLE users (id bigint PRIMARY KEY, a text, b text);")).commit()
    repo.branch("feature")
    for n, column in ((2, "a"), (3, "b")):
        repo.write(f"{M}/0000{n}_index_{column}.sql", goose(f"CREATE INDEX users_{column} ON users ({column});"))
    repo.commit()
    monkeypatch.setattr(suggestions, "MAX_VERIFIED_BYTES", len(goose("CREATE INDEX users_a ON users (a);")) + 10)
    found = [f for f in repo.check("--base", "main").json["findings"] if f["rule"] == "require-concurrent-index-creation"]
    assert [f["suggestion"] is not None for f in found] == [True, False]
    assert found[1]["help"].endswith("(No one-click fix: more suggestions than are checked in one run.)")


def test_a_rewrite_of_a_file_too_large_to_check_is_given_in_words(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checking a rewrite re-judges its whole file: past MAX_VERIFIED_FILE the fix is said in words."""
    from bot.pipeline import suggestions

    repo.write(f"{M}/00001_users.sql", goose("CREATE TABLE users (id bigint PRIMARY KEY, a text, b text);")).commit()
    repo.branch("feature")
    small, large = goose("CREATE INDEX users_a ON users (a);"), goose("CREATE INDEX users_b ON users (b);" + "\nSELECT 1;" * 20)
    repo.write(f"{M}/00002_index_a.sql", small).write(f"{M}/00003_index_b.sql", large).commit()
    monkeypatch.setattr(suggestions, "MAX_VERIFIED_FILE", len(small) + 10)
    found = [f for f in repo.check("--base", "main").json["findings"] if f["rule"] == "require-concurrent-index-creation"]
    assert [f["suggestion"] is not None for f in found] == [True, False]
    assert found[1]["help"].endswith(f"(No one-click fix: the file is over {(len(small) + 10) // 1024} KB, too large to check a rewrite of it.)")
