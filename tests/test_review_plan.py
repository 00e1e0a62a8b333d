"""A calm review: what becomes an inline comment, what goes to the body, what stays in the summary."""

from __future__ import annotations

import pytest

from bot.core.config import ConfigError, ReviewSettings
from bot.core.model import ChangeStatus, FileChange, Finding, Severity
from bot.pipeline.configuration import read_config
from bot.report.texts import COMMENT_LIMIT, plan_review

PATH = "db/migrations/00002_x.sql"
CHANGE = {PATH: FileChange(ChangeStatus.ADDED, PATH, changed_lines=frozenset(range(1, 40)))}
DOCS = "https://docs.example/{rule}"


def finding(rule: str, severity: Severity, line: int) -> Finding:
    return Finding(rule, severity, PATH, line, f"{rule} on line-independent words.", "Do the safe thing.", "goose")


def test_notices_stay_in_the_check_summary() -> None:
    plan = plan_review([finding("migration-naming", Severity.NOTICE, 1)], CHANGE, DOCS)
    assert (plan.comments, plan.body_items) == ([], [])


def test_the_cap_keeps_the_worst_inline_and_lists_the_rest_in_the_body() -> None:
    findings = [
        finding("ban-drop-column", Severity.WARNING, 3),
        finding("missing-rollback", Severity.ERROR, 9),
        finding("require-concurrent-index-creation", Severity.WARNING, 5),
    ]
    plan = plan_review(findings, CHANGE, DOCS, ReviewSettings(max_inline_comments=2))
    assert [(c.line, c.body.split("**")[1]) for c in plan.comments] == [(9, "`missing-rollback`"), (3, "`ban-drop-column`")]
    assert len(plan.body_items) == 1 and "`require-concurrent-index-creation`" in plan.body_items[0][1]


def test_min_severity_error_keeps_warnings_out_of_the_review() -> None:
    plan = plan_review([finding("ban-drop-column", Severity.WARNING, 3)], CHANGE, DOCS, ReviewSettings(min_severity="error"))
    assert (plan.comments, plan.body_items) == ([], [])


def test_two_rules_on_one_line_share_one_comment_with_the_rules_own_why() -> None:
    plan = plan_review(
        [finding("require-concurrent-index-creation", Severity.WARNING, 4), finding("migration-out-of-order", Severity.ERROR, 4)],
        CHANGE, DOCS,
    )  # fmt: skip
    (comment,) = plan.comments
    assert comment.body.startswith("🛑 **`migration-out-of-order`** (error): ")
    assert "**Why it breaks a deploy:** while this branch was open" in comment.body
    assert "**Why it can hurt:** `CREATE INDEX` takes a SHARE lock" in comment.body  # the Lock: paragraph
    assert "A migration added by the change sorts before" not in comment.body  # not the title again
    assert comment.body.count("<!-- migration-guard:fp=") == 1
    assert len(comment.body) <= COMMENT_LIMIT + 500


def test_review_settings_are_read_from_the_configuration() -> None:
    config = read_config("review:\n  max_inline_comments: 5\n  min_severity: error\n", "cfg")
    assert config.review == ReviewSettings(max_inline_comments=5, min_severity="error")
    with pytest.raises(ConfigError, match=r"review\.loud: unknown key"):
        read_config("review:\n  loud: true\n", "cfg")


def test_the_check_summary_lists_the_worst_first_with_counts_per_file() -> None:
    from bot.report.texts import Checked, check_report

    findings = [
        finding("migration-naming", Severity.NOTICE, 1),
        finding("ban-drop-column", Severity.WARNING, 3),
        finding("missing-rollback", Severity.ERROR, 9),
        finding("duplicate-migration-version", Severity.ERROR, 1),
    ]
    report = check_report(findings, 1, Checked("main", "a" * 40, "b" * 40), DOCS)
    summary = report.summary
    order = [summary.index(h) for h in ("### 🛑 Errors (2)", "### ⚠️ Warnings (1)", "### ℹ️ Notices (1)")]
    assert order == sorted(order)
    assert f"#### `{PATH}` (2)" in summary
    assert all("`" not in a["message"] for a in report.annotations)  # annotations are plain text


def test_a_mistyped_name_gets_a_did_you_mean_everywhere() -> None:
    with pytest.raises(ConfigError) as key:
        read_config("limts:\n  seconds: 3\n", "cfg")
    assert "limts: unknown key (did you mean `limits`?); valid keys: paths," in str(key.value)
    with pytest.raises(ConfigError) as nested:
        read_config("review:\n  max_inline_comment: 3\n", "cfg")
    assert "(did you mean `max_inline_comments`?); valid keys: max_inline_comments, min_severity" in str(nested.value)
    with pytest.raises(ConfigError) as rule:
        read_config("rules:\n  missing-rolback: off\n", "cfg")
    assert "unknown rule 'missing-rolback' (did you mean `missing-rollback`?)" in str(rule.value)

    from bot.pipeline.suppressions import find_suppressions

    _, bad = find_suppressions("x.sql", "-- migration-guard: ignore missing-rolback it is fine\n", {"missing-rollback"})
    assert bad[0].problem == "names unknown rule `missing-rolback` (did you mean `missing-rollback`?)"


def test_a_shared_comment_carries_one_suggestion_over_its_range() -> None:
    from dataclasses import replace

    index = replace(finding("require-concurrent-index-creation", Severity.WARNING, 2),
                    suggestion="-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (c);",
                    suggestion_lines=(1, 2))  # fmt: skip
    rollback = finding("missing-rollback", Severity.ERROR, 2)
    (comment,) = plan_review([index, rollback], CHANGE, DOCS).comments
    assert (comment.start_line, comment.line) == (1, 2)
    assert comment.body.count("```suggestion") == 1 and "-- +goose NO TRANSACTION" in comment.body

    # two suggestions on one line: the worst finding's is offered, the other is said in words
    renamed = replace(rollback, suggestion="-- +goose Up", suggestion_lines=None)
    (comment,) = plan_review([index, renamed], CHANGE, DOCS).comments
    assert (comment.start_line, comment.line) == (None, 2)
    assert comment.body.count("```suggestion") == 1 and "-- +goose NO TRANSACTION" not in comment.body
