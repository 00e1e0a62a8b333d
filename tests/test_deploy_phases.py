"""Migrations that run only after the new code is deployed (Rails' ``db/post_migrate``,
``Traits.after_deploy_dirs``): what they drop, no old code reads. In memory."""

from __future__ import annotations

from tests.in_memory import check, found
from tests.test_database_detection import USERS


def rails_drop(directory: str) -> list[str]:
    path = f"{directory}/20240103000000_drop_legacy.rb"
    text = ("class DropLegacy < ActiveRecord::Migration[7.1]\n  def change\n    remove_column :users, :email, :string\n"
            "    drop_table :legacy\n  end\nend\n")  # fmt: skip
    return sorted(f[0] for f in found(USERS, {path: text}) if f[0] in ("ban-drop-column", "ban-drop-table"))


def test_a_post_deployment_migration_drops_what_no_deployed_code_reads() -> None:
    """Rails' db/post_migrate runs after the rollout (mastodon's contract steps): no old code left."""
    assert rails_drop("db/migrate") == ["ban-drop-column", "ban-drop-table"]
    assert rails_drop("db/post_migrate") == []


GOOSE_DIR = "db/migrations"


def mixed(up: str) -> list[str]:
    text = f"-- +goose Up\n{up}\n-- +goose Down\nSELECT 1;\n"
    return [f.message for f in check({}, {f"{GOOSE_DIR}/00001_x.sql": text}) if f.rule == "mixed-schema-and-data-migration"]


def test_a_new_table_made_and_filled_is_one_step() -> None:
    assert mixed("CREATE TABLE t (id int);\nCREATE INDEX t_id ON t (id);\nINSERT INTO t VALUES (1);") == []
    # mastodon's copy into a new table whose foreign key holds a lock on `accounts` meanwhile
    fk = "ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (id) REFERENCES accounts (id);"
    assert len(mixed(f"CREATE TABLE t (id int);\n{fk}\nINSERT INTO t SELECT id FROM accounts;")) == 1
    (message,) = mixed("ALTER TABLE users ADD COLUMN age int;\nUPDATE users SET age = 0;")
    assert "holds the schema locks" in message


def test_outside_a_transaction_the_data_holds_no_schema_lock() -> None:
    (message,) = mixed("-- +goose NO TRANSACTION\nALTER TABLE users ADD COLUMN age int;\nUPDATE users SET age = 0;")
    assert "holds the schema locks" not in message and "neither can be retried or rolled back alone" in message


def test_an_index_on_a_materialized_view_made_in_the_same_migration_blocks_no_one() -> None:
    """mastodon swaps a Scenic materialized view: dropped, made again, indexed, in one transaction."""
    body = ("drop_view :recommendations, materialized: true\n    create_view :recommendations, version: 2, materialized: true\n"
            "    add_index :recommendations, :account_id")  # fmt: skip
    path = "db/migrate/20240103000000_update_recommendations.rb"
    text = f"class UpdateRecommendations < ActiveRecord::Migration[7.1]\n  def change\n    {body}\n  end\nend\n"
    assert [f[0] for f in found(USERS, {path: text}) if f[0] in ("require-concurrent-index-creation", "migration-not-analysed")] == []
    plain = text.replace("    create_view :recommendations, version: 2, materialized: true\n", "")
    assert [f[0] for f in found(USERS, {path: plain}) if f[0] == "require-concurrent-index-creation"] == [
        "require-concurrent-index-creation"]


def test_rails_change_column_null_true_drops_not_null() -> None:
    """mastodon's `change_column_null :accounts, :uri, true` was not seen."""
    path = "db/migrate/20240103000000_allow_null.rb"
    text = "class AllowNull < ActiveRecord::Migration[7.1]\n  def change\n    change_column_null :users, :email, {allow}\n  end\nend\n"
    required = {p: t.replace("t.string :email", "t.string :email, null: false") for p, t in USERS.items()}
    assert [f[0] for f in found(required, {path: text.format(allow="true")}) if f[0] == "ban-drop-not-null"] == ["ban-drop-not-null"]
    assert [f[0] for f in found(required, {path: text.format(allow="false")}) if f[0] == "ban-drop-not-null"] == []
