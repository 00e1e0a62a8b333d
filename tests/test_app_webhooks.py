"""The webhook endpoint's contract and each handled event, over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.app_harness import Harness, sign
from tests.gitrepo_factory import Repo
from tests.test_app_review import GOOSE, M

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def app(tmp_path: Path, repo: Repo) -> Iterator[Harness]:
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users")).commit().branch("feature")
    repo.write(f"{M}/00002_orders.sql", "-- +goose Up\nCREATE TABLE orders (id int);\n").commit()
    harness = Harness(tmp_path, repo)
    harness.double.open_pr(1, "main", "feature")
    yield harness
    harness.close()


def jobs(app: Harness) -> list[dict]:
    return app.service.store.job_rows()


@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64, "sha1=abc"])
def test_missing_or_wrong_signature_is_401_and_nothing_recorded(app: Harness, signature: str) -> None:
    response = app.send("pull_request", app.pr_event("opened", 1), signature=signature)
    assert response.status_code == 401
    assert response.json() == {"error": "missing or wrong X-Hub-Signature-256"}
    assert jobs(app) == []
    assert app.double.calls == []


def test_signature_from_another_secret_is_refused(app: Harness) -> None:
    body = json.dumps(app.pr_event("opened", 1)).encode()
    response = app.http.post(
        "/webhook",
        content=body,
        headers={"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d", "X-Hub-Signature-256": sign(body, "nope")},
    )
    assert response.status_code == 401 and jobs(app) == []


def test_duplicate_delivery_is_answered_200_and_not_processed_again(app: Harness) -> None:
    first = app.send("pull_request", app.pr_event("opened", 1), delivery="abc-123")
    second = app.send("pull_request", app.pr_event("opened", 1), delivery="abc-123")
    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json() == {"status": "duplicate", "delivery": "abc-123"}
    app.settle()
    assert len(jobs(app)) == 1 and len(app.double.check_runs) == 1


def test_body_that_is_not_json(app: Harness) -> None:
    body = b"{not json"
    response = app.http.post(
        "/webhook",
        content=body,
        headers={"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d", "X-Hub-Signature-256": sign(body)},
    )
    assert (response.status_code, response.json()) == (400, {"error": "body is not JSON"})


def test_body_over_25_mb_is_413(app: Harness) -> None:
    body = b"{" + b" " * (25 * 1024 * 1024) + b"}"
    response = app.http.post(
        "/webhook",
        content=body,
        headers={"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d", "X-Hub-Signature-256": sign(body)},
    )
    assert response.status_code == 413 and jobs(app) == []


@pytest.mark.parametrize(
    ("event", "fixture"),
    [
        ("push", ("push", "with-installation.payload.json")),
        ("installation", ("installation", "created.payload.json")),
        ("issue_comment", ("issue_comment", "created.with-installation.payload.json")),
    ],
)
def test_events_not_handled_get_200(app: Harness, event: str, fixture: tuple[str, str]) -> None:
    from tests.github_double import example

    response = app.send(event, example(*fixture))
    assert (response.status_code, response.json()["status"]) == (200, "ignored")
    assert jobs(app) == []


def test_pull_request_actions_not_handled_get_200(app: Harness) -> None:
    response = app.send("pull_request", app.pr_event("labeled", 1))
    assert response.status_code == 200 and jobs(app) == []


def test_closed_pull_request_is_forgotten(app: Harness) -> None:
    app.send("pull_request", app.pr_event("opened", 1))
    app.settle()
    assert [pr.pr for pr in app.service.store.open_prs_on("octo-org/shop", "main")] == [1]
    assert app.send("pull_request", app.pr_event("closed", 1)).status_code == 202
    app.settle()
    assert app.service.store.open_prs_on("octo-org/shop", "main") == []


@pytest.mark.parametrize("action", ["opened", "synchronize", "reopened", "ready_for_review"])
def test_each_pull_request_action_runs_a_review(app: Harness, action: str) -> None:
    assert app.send("pull_request", app.pr_event(action, 1)).status_code == 202
    app.settle()
    run = app.check_run()
    assert (run["status"], run["conclusion"], run["head_sha"]) == ("completed", "failure", app.double.pulls[1].head_sha)


@pytest.mark.parametrize("event", ["check_run", "check_suite"])
@pytest.mark.parametrize("with_pr_list", [True, False])
def test_rerequested_from_the_github_ui(app: Harness, event: str, with_pr_list: bool) -> None:
    assert app.send(event, app.rerequest(event, 1 if with_pr_list else None)).status_code == 202
    app.settle()
    run = app.check_run()
    assert run["conclusion"] == "failure"
    looked_up = app.double.requests("GET", r"/commits/[0-9a-f]+/pulls$")
    assert len(looked_up) == (0 if with_pr_list else 1)


def test_healthz(app: Harness) -> None:
    response = app.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "jobs_waiting": 0, "jobs_running": 0,
                               "rate_limited": []}  # fmt: skip


def test_acknowledged_before_any_github_call(app: Harness) -> None:
    """The 202 comes back while GitHub has not answered anything yet: the answer never waits for it."""
    app.double.gate.clear()  # GitHub answers nothing until the gate opens
    try:
        response = app.send("pull_request", app.pr_event("opened", 1))
        assert response.status_code == 202
        assert app.double.calls == []
    finally:
        app.double.gate.set()
    app.settle()
    assert app.check_run()["status"] == "completed"


def test_installation_token_is_cached_across_events(app: Harness) -> None:
    app.send("pull_request", app.pr_event("opened", 1))
    app.settle()
    app.send("pull_request", app.pr_event("synchronize", 1))
    app.settle()
    assert len(app.double.requests("POST", r"^/app/installations/77/access_tokens$")) == 1
    assert len(app.double.check_runs) == 2


def test_unsigned_request_does_not_reach_github(app: Harness) -> None:
    with httpx.Client(base_url=app.url) as client:
        response = client.post("/webhook", json={"action": "opened"}, headers={"X-GitHub-Event": "pull_request"})
    assert response.status_code == 401
