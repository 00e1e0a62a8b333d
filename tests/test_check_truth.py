"""The check tells the truth: no file a runner would run is skipped, no way around the check."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_harness import Harness
from tests.github_double import wait_for
from tests.gitrepo_factory import Repo

M = "db/migrations"
GOOSE = "-- +goose Up\n{sql}\n-- +goose Down\nSELECT 1;\n"


def skipped_shapes(repo: Repo) -> Repo:
    """The four shapes that used to pass as "No migration changed"."""
    repo.write(f"{M}/00001_a.sql", GOOSE.format(sql="CREATE TABLE a (id int);")).commit().branch("feature")
    repo.write(f"{M}/00002_latin.sql", "-- +goose Up\nSELECT 'café';\n".encode("latin-1"))
    repo.write(f"{M}/00003_nul.sql", b"-- +goose Up\nSELECT 1;\x00\n")
    repo.write(f"{M}/00004_utf16.sql", "-- +goose Up\nDROP TABLE a;\n".encode("utf-16"))
    repo.write(f"{M}/00005_new\nline.sql", GOOSE.format(sql="DROP TABLE a;"))
    repo.write("shared/drop.sql", GOOSE.format(sql="DROP TABLE a;"))
    os.symlink("../../shared/drop.sql", repo.root / M / "00006_link.sql")
    repo.git("add", "-A")
    return repo.commit()


EXPECTED = [
    ("unparsable-migration", f"{M}/00002_latin.sql"),
    ("unparsable-migration", f"{M}/00003_nul.sql"),
    ("unparsable-migration", f"{M}/00004_utf16.sql"),
    ("ban-drop-table", f"{M}/00005_new\nline.sql"),
    ("require-lock-timeout", f"{M}/00005_new\nline.sql"),
    ("require-statement-timeout", f"{M}/00005_new\nline.sql"),
    ("ban-drop-table", f"{M}/00006_link.sql"),
    ("require-lock-timeout", f"{M}/00006_link.sql"),
    ("require-statement-timeout", f"{M}/00006_link.sql"),
]


def test_every_file_the_runner_would_run_is_analysed_or_reported(repo: Repo) -> None:
    outcome = skipped_shapes(repo).check("--base", "main")

    assert outcome.code == 1
    assert [(rule, path) for rule, path, _line in outcome.found] == EXPECTED
    messages = [f["message"] for f in outcome.json["findings"]]
    assert "not valid UTF-8 (byte 0xe9 at line 2)" in messages[0]
    assert "binary file (contains NUL bytes)" in messages[1]
    assert "UTF-16 encoded; save the file as UTF-8" in messages[2]


@pytest.fixture
def app(tmp_path: Path, repo: Repo) -> Iterator[Harness]:
    harness = Harness(tmp_path, repo)
    yield harness
    harness.close()


def test_the_app_reports_the_same_files(app: Harness, repo: Repo) -> None:
    skipped_shapes(repo)
    app.open(1)
    app.settle()
    run = app.check_run()
    assert run["conclusion"] == "failure"
    assert [(a["title"], a["path"]) for a in run["annotations"]] == EXPECTED


def test_switching_the_base_re_reviews_against_the_new_base_and_its_configuration(app: Harness, repo: Repo) -> None:
    repo.write(f"{M}/00001_a.sql", GOOSE.format(sql="CREATE TABLE a (id int);")).commit()
    repo.branch("lax").write(".github/migration-guard.yml", "rules:\n  missing-rollback: off\n").commit()
    repo.checkout("main").branch("feature")
    repo.write(f"{M}/00002_b.sql", "-- +goose Up\nCREATE TABLE b (id int);\n").commit()
    app.double.open_pr(1, "lax", "feature")
    app.send("pull_request", app.pr_event("opened", 1))
    app.settle()
    assert app.check_run()["conclusion"] == "success"

    app.double.pulls[1].base = "main"
    edited = app.pr_event("opened", 1)
    edited["action"] = "edited"
    edited["changes"] = {"base": {"ref": {"from": "lax"}, "sha": {"from": app.double.git("rev-parse", "lax").strip()}}}
    assert app.send("pull_request", edited).status_code == 202
    app.settle()

    runs = sorted(app.double.check_runs.values(), key=lambda r: r["id"])
    assert [r["conclusion"] for r in runs] == ["success", "failure"]
    assert [a["title"] for a in runs[-1]["annotations"]] == ["missing-rollback"]
    title_only = app.pr_event("opened", 1)
    title_only["action"] = "edited"
    title_only["changes"] = {"title": {"from": "old"}}
    assert app.send("pull_request", title_only).status_code in (200, 202)
    app.settle()
    assert len(app.double.check_runs) == 2  # a title edit re-reviews nothing


# -- escaping everywhere -------------------------------------------------------------------------


def test_a_quoted_path_in_a_command_cannot_mention_or_inject_html(app: Harness, repo: Repo) -> None:
    from tests.test_app_commands import comment, replies

    repo.write(f"{M}/00001_a.sql", GOOSE.format(sql="CREATE TABLE a (id int);")).commit().branch("feature")
    repo.write(f"{M}/00002_b.sql", "-- +goose Up\nCREATE TABLE b (id int);\n").commit()
    app.open(1)
    app.settle()
    app.double.permissions["octocat"] = "write"

    comment(app, "/migrations ignore missing-rollback @octo-org/admins<img src=x> -- fine")
    comment(app, "/migrations unignore missing-rollback @octo-org/admins<img src=x>", comment_id=5001)

    for reply in replies(app):
        assert "@octo-org/admins" not in reply and "<img" not in reply


def test_a_person_quoting_our_marker_neither_silences_nor_gets_hidden(app: Harness, repo: Repo) -> None:
    from types import SimpleNamespace

    from bot.github.publish import _published_on_github
    from bot.report.texts import MARKER

    repo.write(f"{M}/00001_a.sql", GOOSE.format(sql="CREATE TABLE a (id int);")).commit().branch("feature")
    repo.write(f"{M}/00002_b.sql", "-- +goose Up\nCREATE TABLE b (id int);\n").commit()
    app.open(1)
    app.settle()
    (ours,) = app.double.comments[1]
    (fingerprint,) = re.findall(r"fp=([0-9a-f]{16})", ours["body"])
    quoting = {**ours, "id": 9999, "node_id": "PRRC_9999", "body": f"> {MARKER.format(fingerprint)}\nsee above",
               "user": {**ours["user"], "login": "mallory", "type": "User"}}  # fmt: skip
    app.double.comments[1].append(quoting)

    repo.write(f"{M}/00002_b.sql", GOOSE.format(sql="CREATE TABLE b (id int);")).commit()  # the finding goes away
    app.double.push(1, "feature")
    app.send("pull_request", app.pr_event("synchronize", 1))
    app.settle()

    assert app.double.minimized == {ours["node_id"]}  # ours hidden as outdated, the person's comment left alone
    person = SimpleNamespace(user=SimpleNamespace(type="User"), body=f"quoted:\n{MARKER.format(fingerprint)}")
    api = SimpleNamespace(reviews=lambda _n: [person], review_comments=lambda _n: [person])
    assert _published_on_github(api, 1) == {}  # type: ignore[arg-type]


def test_settings_never_show_secrets() -> None:
    from bot.core.settings import Settings

    shown = repr(Settings(app_id=1, private_key="-----BEGIN PRIVATE KEY-----", webhook_secret="s3cret"))
    assert "BEGIN PRIVATE" not in shown and "s3cret" not in shown


def test_a_new_deployment_without_a_deployment_status_event_is_seen(
    tmp_path: Path, repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.github import pr_snapshot

    monkeypatch.setattr(pr_snapshot, "DEPLOYED_FRESH_SECONDS", 0.0)  # the minute of trust has passed
    repo.write(".github/migration-guard.yml", "deployed:\n  environment: production\n")
    repo.write(f"{M}/00001_a.sql", GOOSE.format(sql="CREATE TABLE a (id int);")).commit("v1")
    released = repo.git("rev-parse", "HEAD").strip()
    repo.write(f"{M}/00002_b.sql", GOOSE.format(sql="CREATE TABLE b (id int);")).commit("v2").branch("feature")
    repo.write(f"{M}/00002_b.sql", GOOSE.format(sql="CREATE TABLE b (id bigint);")).commit()
    app = Harness(tmp_path, repo)
    try:
        app.double.deployments = [
            {"id": 1, "sha": released, "ref": "v1", "environment": "production", "state": "success"}
        ]
        app.open(1)
        app.settle()
        first = app.check_run()
        assert first["conclusion"] == "success"
        assert "The deployment of `production` was read from GitHub at " in first["output"]["summary"]

        main_sha = repo.git("rev-parse", "main").strip()  # v2 is deployed; no deployment_status event comes
        app.double.deployments.insert(0, {"id": 2, "sha": main_sha, "ref": "v2", "environment": "production",
                                          "state": "success"})  # fmt: skip
        app.send("pull_request", app.pr_event("synchronize", 1))
        app.settle()
        latest = max(app.double.check_runs.values(), key=lambda r: r["id"])
        assert latest["conclusion"] == "failure"
        assert [a["title"] for a in latest["annotations"]] == ["deployed-migration-modified"]
    finally:
        app.close()


# -- exactly once ---------------------------------------------------------------------------------


def test_a_review_of_a_head_that_moved_on_never_publishes_and_concludes_its_check_run(
    app: Harness, repo: Repo
) -> None:
    repo.write(f"{M}/00001_a.sql", GOOSE.format(sql="CREATE TABLE a (id int);")).commit().branch("feature")
    repo.write(f"{M}/00002_b.sql", "-- +goose Up\nCREATE TABLE b (id int);\n").commit()
    first = repo.git("rev-parse", "HEAD").strip()
    app.double.fail("GET", r"/pulls/1/files$", status=0, delay=1.0)  # the first review is slow
    app.open(1)
    time.sleep(0.3)  # the first job is waiting on GitHub now
    repo.write(f"{M}/00002_b.sql", GOOSE.format(sql="CREATE TABLE b (id int);")).commit()
    app.double.push(1, "feature")
    app.send("pull_request", app.pr_event("synchronize", 1))
    app.settle()

    old = app.check_run(first)
    assert (old["status"], old["conclusion"], old["output"]["title"]) == ("completed", "neutral", "Superseded")
    new = app.check_run(app.double.pulls[1].head_sha)
    assert (new["status"], new["conclusion"]) == ("completed", "success")
    assert app.double.reviews.get(1, []) == []  # the old head's missing-rollback was never posted


def test_a_waiver_covers_the_content_at_the_time_of_its_comment(app: Harness, repo: Repo) -> None:
    from datetime import UTC, datetime

    from tests.test_app_commands import comment, replies

    repo.write(f"{M}/00001_a.sql", GOOSE.format(sql="CREATE TABLE a (id int);")).commit().branch("feature")
    repo.write(f"{M}/00002_b.sql", "-- +goose Up\nCREATE TABLE b (id int);\n").commit()
    seen = repo.git("rev-parse", "HEAD").strip()
    app.open(1)
    app.settle()
    app.double.permissions["octocat"] = "write"
    time.sleep(1.1)
    written = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # the writer looks at `seen` and writes
    time.sleep(1.1)
    repo.write(f"{M}/00002_b.sql", "-- +goose Up\nDROP TABLE a;\n").commit()  # pushed after the comment
    app.double.push(1, "feature")
    app.send("pull_request", app.pr_event("synchronize", 1))
    app.settle()

    payload_time = written  # the comment's webhook arrives (and its job runs) after the push
    original = app._adjust

    def with_time(payload: dict) -> dict:
        adjusted = original(payload)
        if "comment" in adjusted:
            adjusted["comment"]["created_at"] = payload_time
        return adjusted

    app._adjust = with_time  # type: ignore[method-assign]
    comment(app, "/migrations ignore missing-rollback -- reviewed the first version")

    assert f"for the files at `{seen[:12]}`" in replies(app)[-1]
    latest = max(app.double.check_runs.values(), key=lambda r: r["id"])
    assert latest["head_sha"] == app.double.pulls[1].head_sha
    assert "missing-rollback" in [a["title"] for a in latest["annotations"]]  # the unseen push is not waived


def test_a_resumed_review_superseded_by_a_push_still_concludes_its_check_run(app: Harness, repo: Repo) -> None:
    repo.write(f"{M}/00001_a.sql", GOOSE.format(sql="CREATE TABLE a (id int);")).commit().branch("feature")
    repo.write(f"{M}/00002_b.sql", "-- +goose Up\nCREATE TABLE b (id int);\n").commit()
    app.double.fail("GET", r"/pulls/1/files$", status=0, delay=2.0)  # the first review hangs on GitHub
    app.open(1)
    wait_for(lambda: app.double.check_runs, 300, "the first review's check run")
    assert [r["status"] for r in app.double.check_runs.values()] == ["in_progress"]
    app.service.store.release_all_running()  # what a restart does: the job is queued again, its check run kept
    repo.write(f"{M}/00002_b.sql", GOOSE.format(sql="CREATE TABLE b (id int);")).commit()
    app.double.push(1, "feature")
    app.send("pull_request", app.pr_event("synchronize", 1))  # supersedes the resumed job
    app.settle()
    time.sleep(2.5)
    app.settle()

    assert sorted(r["status"] for r in app.double.check_runs.values()) == ["completed", "completed"]
    first = min(app.double.check_runs.values(), key=lambda r: r["id"])
    assert (first["conclusion"], first["output"]["title"]) == ("neutral", "Superseded")
    assert app.double.reviews.get(1, []) == []  # nothing was ever posted for the old head
