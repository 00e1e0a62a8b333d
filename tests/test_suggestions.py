"""Every suggestion kind, applied and checked again: the finding it fixes is gone and no new error
appears. And the unsafe ones are not offered (said in words instead)."""

from __future__ import annotations

import pytest

from tests.gitrepo_factory import Repo
from tests.test_zero_downtime import ALEMBIC, RAILS, M, goose

USERS = goose("CREATE TABLE users (id bigint PRIMARY KEY, email text, org_id int);")
CREATE_USERS = RAILS.format(name="CreateUsers", body="  def change\n    create_table :users\n  end\n")
ALEMBIC_BASE = ALEMBIC.replace('"b2"', '"a1"').replace('"a1"\nfrom', "None\nfrom").format(body="    pass")

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
    ("path", "text", "base"),
    [
        (f"{M}/00002_index.sql", goose("CREATE INDEX users_email ON users (email);"), {f"{M}/00001_users.sql": USERS}),
        ("db/migrate/20240102000000_index.rb", RAILS.format(name="Index", body="  def change\n    add_index :users, :email\n  end\n"),
         {"db/migrate/20240101000000_create_users.rb": CREATE_USERS}),
        ("alembic/versions/b2.py", ALEMBIC.format(body='    op.create_index("ix", "users", ["email"])'),
         {"alembic/env.py": "", "alembic/versions/a1.py": ALEMBIC_BASE}),
    ],
)  # fmt: skip
def test_a_concurrent_index_inside_a_transaction_is_said_in_words_not_offered(
    repo: Repo, path: str, text: str, base: dict[str, str]
) -> None:
    for name, content in base.items():
        repo.write(name, content)
    repo.commit().branch("feature")
    repo.write(path, text).commit()
    (finding,) = [f for f in repo.findings() if f.rule == "require-concurrent-index-creation"]
    assert finding.suggestion is None
    assert "No one-click fix: applying it alone would give `ban-concurrent-index-creation-in-transaction`" in finding.help


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
    assert findings["require-concurrent-index-creation"]["suggestion"] is None  # unsafe here: not offered

    sarif = json.loads(repo.check("--base", "main", fmt="sarif").out)
    (fk,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "adding-foreign-key-constraint"]
    (change,) = fk["fixes"][0]["artifactChanges"]
    assert change["artifactLocation"]["uri"] == f"{M}/00002_fk.sql"
    assert change["replacements"] == [{
        "deletedRegion": {"startLine": 2, "endLine": 2},
        "insertedContent": {"text": "ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID;"},
    }]  # fmt: skip
    (index,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "require-concurrent-index-creation"]
    assert "fixes" not in index
