"""The schema before each migration: a Django ``AlterField`` is compared with the field it replaces
(replayed from the app's earlier migrations), not guessed to be a type change."""

from __future__ import annotations

import pytest

from tests.gitrepo_factory import Repo
from tests.test_django import migration

APP = "shop/orders/migrations"
CREATE = migration(
    [],
    "        migrations.CreateModel(name='Order', fields=[\n"
    "            ('id', models.BigAutoField(primary_key=True)),\n"
    "            ('status', models.CharField(max_length=20, choices=[('a', 'A')], help_text='old')),\n"
    "            ('total', models.DecimalField(max_digits=10, decimal_places=2)),\n"
    "            ('count', models.IntegerField()),\n"
    "            ('note', models.TextField(null=True)),\n"
    "            ('customer', models.ForeignKey(on_delete=models.CASCADE, to='orders.customer')),\n"
    "        ]),",
)
#: a later migration that changes a field first: the replay must take the newest definition
WIDEN = migration(
    [("orders", "0001_initial")],
    "        migrations.AlterField(model_name='order', name='status', "
    "field=models.CharField(max_length=40, choices=[('a', 'A')], help_text='old')),",
)


def history(repo: Repo) -> Repo:
    repo.write("shop/orders/__init__.py", "").write(f"{APP}/__init__.py", "")
    repo.write(f"{APP}/0001_initial.py", CREATE).write(f"{APP}/0002_widen_status.py", WIDEN)
    return repo.commit("history").branch("feature")


def alter(repo: Repo, field: str, name: str) -> list[tuple[str, str, int]]:
    text = migration(
        [("orders", "0002_widen_status")],
        f"        migrations.AlterField(model_name='order', name='{name}', field={field}),",
    )
    repo.write(f"{APP}/0003_alter.py", text).commit()
    return [f for f in repo.check("--base", "main").found if f[0] != "migration-naming"]


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("status", "models.CharField(max_length=40, choices=[('a', 'A'), ('b', 'B')], help_text='new')"),
        ("status", "models.CharField(max_length=80, choices=[('a', 'A')])"),  # wider varchar: catalog only
        ("status", "models.TextField()"),  # varchar -> text: catalog only in PostgreSQL
        ("total", "models.DecimalField(max_digits=12, decimal_places=2)"),  # more digits, same scale
        ("count", "models.IntegerField(verbose_name='count', blank=True)"),
        ("note", "models.TextField(null=True, db_default='')"),
        ("customer", "models.ForeignKey(on_delete=models.PROTECT, related_name='orders', to='orders.customer')"),
    ],
)
def test_alter_field_that_rewrites_nothing_is_silent(repo: Repo, name: str, field: str) -> None:
    assert alter(history(repo), field, name) == []


@pytest.mark.parametrize(
    ("name", "field", "rule"),
    [
        ("count", "models.BigIntegerField()", "changing-column-type"),
        ("status", "models.CharField(max_length=10)", "changing-column-type"),  # shorter than the 40 of 0002
        ("total", "models.DecimalField(max_digits=10, decimal_places=4)", "changing-column-type"),
        ("note", "models.TextField()", "adding-not-nullable-field"),  # null=True -> False: SET NOT NULL
        ("count", "models.IntegerField(unique=True)", "disallowed-unique-constraint"),
        ("count", "models.IntegerField(db_index=True)", "require-concurrent-index-creation"),
    ],
)
def test_alter_field_that_changes_the_table_is_reported(repo: Repo, name: str, field: str, rule: str) -> None:
    assert alter(history(repo), field, name) == [(rule, f"{APP}/0003_alter.py", 13)]


def test_the_message_says_what_the_field_was(repo: Repo) -> None:
    history(repo)
    alter(repo, "models.BigIntegerField()", "count")
    message = repo.check("--base", "main").finding("changing-column-type")["message"]
    assert "from IntegerField() to BigIntegerField()" in message


def test_a_field_the_history_never_defined_is_judged_as_before(repo: Repo) -> None:
    """A model made elsewhere (a squashed prefix, another tool): no state to compare with, so the
    conservative warning stays (never a silent pass)."""
    history(repo)
    found = alter(repo, "models.CharField(max_length=80)", "elsewhere")
    assert found == [("changing-column-type", f"{APP}/0003_alter.py", 13)]


def test_mysql_has_no_catalog_only_widening(repo: Repo) -> None:
    repo.write(".github/migration-guard.yml", "dialect: mysql\n")
    history(repo)
    assert alter(repo, "models.TextField()", "status") == [("changing-column-type", f"{APP}/0003_alter.py", 13)]
