"""Django's AddField fills the existing rows with the field's default and then drops it (unless
`db_default` keeps it in the database): the statement passes, the code still running during the
deploy fails to insert. In memory: text in, findings out."""

from __future__ import annotations

import pytest

from tests.in_memory import check
from tests.test_django import INITIAL, migration

BASE = {"shop/orders/migrations/0001_initial.py": INITIAL, "shop/orders/migrations/__init__.py": ""}


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("models.CharField(max_length=10, blank=True)", [("adding-required-field", "warning")]),  # '' fills the rows
        ("models.IntegerField(default=0)", [("adding-required-field", "warning")]),
        ("models.IntegerField()", [("adding-required-field", "error")]),  # nothing fills the rows: it fails
        ("models.CharField(max_length=10, db_default='')", []),  # the database keeps the default
        ("models.IntegerField(null=True)", []),
    ],
)
def test_a_not_null_field_is_judged_by_what_django_does_with_its_default(field: str, expected: list[tuple[str, str]]) -> None:
    added = {"shop/orders/migrations/0002_x.py": migration([("orders", "0001_initial")],
                                                           f"        migrations.AddField(model_name='order', name='x', field={field}),")}  # fmt: skip
    findings = [f for f in check(BASE, added) if f.rule == "adding-required-field"]
    assert [(f.rule, f.severity.label) for f in findings] == expected
    assert all(f.line == 13 for f in findings)
    if expected == [("adding-required-field", "warning")]:
        assert "Django drops it at once" in findings[0].message and "db_default" in findings[0].help
