"""The App when GitHub or the repository misbehaves: retries, refusals, crashes, bad config, scale."""

from __future__ import annotations

import datetime as dt
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.app.throttle import clock
from tests.app_harness import Harness, free_port, serve_process
from tests.github_double import wait_for
from tests.gitrepo_factory import Repo
from tests.test_app_review import GOOSE, M, collision


@pytest.fixture
def app(tmp_path: Path, repo: Repo) -> Iterator[Harness]:
    harness = Harness(tmp_path, repo)
    yield harness
    harness.close()


def test_server_error_then_success(app: Harness, repo: Repo) -> None:
    collision(repo)
    app.double.fail("GET", r"/git/trees/", status=502, times=1)
    app.double.fail("POST", r"/check-runs$", status=503, times=1)
    app.open(1)
    app.settle()
    run = app.check_run()
    assert run["conclusion"] == "failure" and len(run["annotations"]) == 3
    statuses = [(c.method, c.status) for c in app.double.requests(pattern=r"/check-runs$")]
    assert statuses == [("POST", 503), ("POST", 201)]
    assert [job["state"] for job in app.service.store.job_rows()] == ["done"]
    assert len(app.double.reviews[1]) == 1


@pytest.mark.parametrize("limit", ["retry-after", "x-ratelimit-reset"])
def test_rate_limit_waits_as_github_says(app: Harness, repo: Repo, limit: str) -> None:
    collision(repo)
    if limit == "retry-after":
        headers = {"retry-after": "1"}
    else:
        headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 2)}
    app.double.fail(
        "GET", r"/pulls/1/files$", status=403, times=1, headers=headers, body={"message": "API rate limit exceeded"}
    )
    started = time.monotonic()
    app.open(1)
    app.settle()
    files = app.double.requests("GET", r"/pulls/1/files$")
    assert [c.status for c in files] == [403, 200]
    assert time.monotonic() - started >= 1.0
    assert app.check_run()["conclusion"] == "failure"


def test_review_refused_with_422_falls_back_to_the_body(app: Harness, repo: Repo) -> None:
    collision(repo)
    app.double.fail(
        "POST",
        r"/pulls/1/reviews$",
        status=422,
        times=1,
        body={
            "message": "Unprocessable Entity",
            "errors": ["Pull request review thread line must be part of the diff"],
        },
    )
    app.open(1)
    app.settle()
    posts = app.double.requests("POST", r"/pulls/1/reviews$")
    assert [c.status for c in posts] == [422, 200]
    assert "comments" not in posts[1].body
    body = posts[1].body["body"]
    assert body.count("<!-- migration-guard:fp=") == 2  # two findings share line 1 of 00002: one entry
    assert "`db/migrations/00002_orders.sql` line 1" in body
    assert app.check_run()["conclusion"] == "failure"


def test_job_that_keeps_failing_concludes_its_check_run(app: Harness, repo: Repo) -> None:
    collision(repo)
    app.double.fail("GET", r"/pulls/1/files$", status=404, times=10, body={"message": "Not Found"})
    app.open(1)
    app.settle()
    run = app.check_run()
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert run["output"]["title"] == "Migration Guard could not finish"
    assert "after 3 attempts: RequestFailed" in run["output"]["summary"]
    assert [job["state"] for job in app.service.store.job_rows()] == ["failed"]


def test_invalid_configuration_on_the_base_branch_fails_the_check(app: Harness, repo: Repo) -> None:
    repo.write(".github/migration-guard.yml", "rules:\n  missing-rollbak: off\n")
    collision(repo)
    app.open(1)
    app.settle()
    run = app.check_run()
    assert (run["conclusion"], run["output"]["title"]) == ("failure", "Invalid .github/migration-guard.yml")
    assert "rules: unknown rule 'missing-rollbak'" in run["output"]["summary"]
    assert app.double.reviews == {}


def test_configuration_is_read_from_the_base_branch_only(app: Harness, repo: Repo) -> None:
    collision(repo)
    repo.write(".github/migration-guard.yml", "rules:\n  missing-rollback: off\n  migration-out-of-order: off\n")
    repo.commit("try to switch the check off")
    app.open(1)
    app.settle()
    assert [a["title"] for a in app.check_run()["annotations"]] == [
        "deployed-migration-modified",
        "migration-out-of-order",
        "missing-rollback",
    ]


def test_more_than_50_annotations_are_sent_in_batches(app: Harness, repo: Repo) -> None:
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users")).commit().branch("feature")
    for n in range(2, 62):
        repo.write(f"{M}/{n:05d}_t{n}.sql", f"-- +goose Up\nCREATE TABLE t{n} (id int);\n")
    repo.commit("60 migrations without Down")
    app.open(1)
    app.settle()
    run = app.check_run()
    assert run["conclusion"] == "failure" and len(run["annotations"]) == 60
    updates = app.double.requests("PATCH", r"/check-runs/")
    assert [len(u.body["output"].get("annotations", [])) for u in updates] == [50, 10]
    assert "conclusion" not in updates[0].body and updates[1].body["conclusion"] == "failure"


def test_text_from_files_cannot_mention_anyone_or_break_markdown(app: Harness, repo: Repo) -> None:
    """A file name is quoted in the comment on another file (here: the one whose version it takes)."""
    repo.write(f"{M}/00001_ping_@octocat_<b>x.sql", GOOSE.format(t="pings")).commit().branch("feature")
    repo.write(f"{M}/00001_users.sql", GOOSE.format(t="users")).commit()
    app.open(1)
    app.settle()
    summary = app.check_run()["output"]["summary"]
    comment = app.double.requests("POST", r"/pulls/1/reviews$")[0].body["comments"][0]["body"]
    for text in (summary, comment):
        assert "@octocat" not in text and "<b>" not in text
        assert "@\u200boctocat" in text and "&lt;b&gt;" in text


def test_large_history_costs_a_handful_of_calls(app: Harness, repo: Repo) -> None:
    """2,000 migrations on the base: the first event fetches history once, the next costs ~10 calls."""
    for n in range(1, 2001):
        repo.write(f"{M}/{n:05d}_t{n}.sql", GOOSE.format(t=f"t{n}"))
    repo.commit("history").branch("feature")
    for n in range(2001, 2004):
        repo.write(f"{M}/{n:05d}_t{n}.sql", GOOSE.format(t=f"t{n}"))
    repo.commit("three more")
    app.open(1)
    app.settle(timeout=300)
    assert app.check_run()["conclusion"] == "success"
    # Cold: the history comes in one tarball, the 3 new files one by one.
    assert len(app.double.requests("GET", r"/tarball/")) == 1
    assert len(app.double.requests("GET", r"/git/blobs/")) == 3
    assert len(app.double.calls) <= 15

    app.double.calls.clear()
    app.send("pull_request", app.pr_event("synchronize", 1))
    app.settle()
    assert app.api_calls() == [
        ("POST", "/repos/octo-org/shop/check-runs"),
        ("GET", "/repos/octo-org/shop/git/ref/heads/main"),
        ("GET", f"/repos/octo-org/shop/git/trees/{app.double.git('rev-parse', 'main').strip()}"),
        ("GET", "/repos/octo-org/shop/pulls/1/files"),
        ("GET", "/repos/octo-org/shop/pulls/1"),  # its changed_files: did the list hold every file?
        ("GET", f"/repos/octo-org/shop/git/trees/{app.double.pulls[1].head_sha}"),
        ("GET", "/repos/octo-org/shop/pulls/1"),  # still the head? a superseded review never publishes
        ("PATCH", f"/repos/octo-org/shop/check-runs/{max(app.double.check_runs)}"),
    ]


def test_crash_between_acknowledgement_and_completion(app: Harness, repo: Repo, tmp_path: Path) -> None:
    """Killed while the job waits on GitHub; after a restart the same check run completes, one review."""
    collision(repo)
    app.close()  # this test runs the service as a real process; only the double stays
    double = app.double.start()
    double.open_pr(1, "main", "feature")
    double.fail("GET", r"/pulls/1/files$", status=200, times=1, delay=30.0, body=[])  # hangs until killed
    port = free_port()
    proc = serve_process(tmp_path, double.url, port)
    try:
        app.url = f"http://127.0.0.1:{port}"
        app.http = httpx.Client(base_url=app.url, timeout=10)
        assert app.send("pull_request", app.pr_event("opened", 1)).status_code == 202
        wait_for(lambda: double.requests("GET", r"/pulls/1/files$"), 300, "the job to reach GitHub")
        assert [r["status"] for r in double.check_runs.values()] == ["in_progress"]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

        proc = serve_process(tmp_path, double.url, port)
        wait_for(lambda: all(r["status"] == "completed" for r in double.check_runs.values()), 300, "completion")
        assert len(double.check_runs) == 1
        run = next(iter(double.check_runs.values()))
        assert run["conclusion"] == "failure" and len(run["annotations"]) == 3
        assert len(double.reviews[1]) == 1
    finally:
        proc.kill()
        proc.wait(10)
        double.stop()


BAD_CREDENTIALS = {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}


def test_a_revoked_installation_token_is_replaced(app: Harness, repo: Repo) -> None:
    """The cached token dies (revoked, or expired early by GitHub's clock): the next event's first
    call answers 401, the token is dropped, a new one asked for and the call made again."""
    collision(repo)
    app.open(1)
    app.settle()
    app.double.revoke_tokens()
    app.double.calls.clear()
    app.send("pull_request", app.pr_event("synchronize", 1))
    app.settle(timeout=120)
    assert [(c.method, c.path, c.status) for c in app.double.calls[:3]] == [
        ("POST", "/repos/octo-org/shop/check-runs", 401),
        ("POST", "/app/installations/77/access_tokens", 201),
        ("POST", "/repos/octo-org/shop/check-runs", 201),
    ]
    assert [c.status for c in app.double.calls[3:] if c.status == 401] == []
    run = app.double.check_runs[max(app.double.check_runs)]
    assert (run["status"], run["conclusion"], len(run["annotations"])) == ("completed", "failure", 3)
    assert [job["state"] for job in app.service.store.job_rows()] == ["done", "done"]


def test_a_token_revoked_during_a_review_is_replaced_and_the_check_run_completes(app: Harness, repo: Repo) -> None:
    collision(repo)
    app.double.revoke_tokens_on("GET", r"/pulls/1/files$")  # after the check run was created in progress
    app.open(1)
    app.settle(timeout=120)
    run = app.check_run()
    assert (run["status"], run["conclusion"], len(run["annotations"])) == ("completed", "failure", 3)
    assert [c.status for c in app.double.requests("GET", r"/pulls/1/files$")] == [401, 200]
    assert len(app.double.requests("POST", r"^/app/installations/77/access_tokens$")) == 2
    assert len(app.double.reviews[1]) == 1


def test_github_refusing_the_new_token_too_concludes_the_check_run(app: Harness, repo: Repo) -> None:
    collision(repo)
    app.double.fail("GET", r"/pulls/1/files$", status=401, times=100, body=BAD_CREDENTIALS)
    app.open(1)
    app.settle(timeout=120)
    run = app.check_run()
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert run["output"]["title"] == "GitHub refused Migration Guard's credentials"
    assert run["output"]["summary"].startswith(
        "GitHub answered `401 Bad credentials to GET /repos/octo-org/shop/pulls/1/files` with the App's "
        "installation token, and again with a new one, so this review stopped."
    )
    # one retry with a new token, then the check run says why: no five attempts of the same refusal
    assert [c.status for c in app.double.requests("GET", r"/pulls/1/files$")] == [401, 401]
    # the first token, the new one (refused too, so dropped as well), the one that concluded the check run
    assert len(app.double.requests("POST", r"^/app/installations/77/access_tokens$")) == 3


def _job(app: Harness, job_id: int) -> dict:
    return next((j for j in app.service.store.job_rows() if j["id"] == job_id), {})


def test_a_long_rate_limit_waits_in_the_queue_and_other_installations_go_on(app: Harness, repo: Repo) -> None:
    """GitHub's primary rate limit for installation 77 resets in 30 minutes: the review goes back in
    the queue until then, its check run says so, /healthz reports it, the same installation's next
    pull request waits without a call, and another installation's pull request is reviewed at once."""
    collision(repo)
    reset = int(time.time()) + 1800
    app.double.fail("GET", r"/pulls/1/files$", status=403, times=1, body={
        "message": "API rate limit exceeded for installation ID 77.",
        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"},
        headers={"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-used": "5000",
                 "x-ratelimit-reset": str(reset), "x-ratelimit-resource": "core"})  # fmt: skip
    app.open(1)
    wait_for(lambda: app.double.requests("GET", r"/pulls/1/files$"), 120, "the review to meet the rate limit")
    app.double.open_pr(2, "main", "feature")
    app.double.open_pr(3, "main", "feature")
    app.send("pull_request", app.pr_event("opened", 2))
    other = app.pr_event("opened", 3)
    other["installation"]["id"] = 78
    app.send("pull_request", other)
    wait_for(lambda: [r for r in app.double.check_runs.values() if r["status"] == "completed"], 120,
             "installation 78's review")  # fmt: skip
    done = [r for r in app.double.check_runs.values() if r["status"] == "completed"]
    assert [(r["external_id"], r["conclusion"], len(r["annotations"])) for r in done] == [("job-3", "failure", 3)]

    waiting = f"Waiting for GitHub's API rate limit until {clock(reset)}"
    wait_for(lambda: _job(app, 2).get("run_after") == reset, 120, "installation 77's second review to wait")
    (run,) = [r for r in app.double.check_runs.values() if r["external_id"] == "job-1"]
    assert (run["status"], run["output"]["title"]) == ("in_progress", waiting)
    assert run["output"]["summary"].startswith(f"GitHub refuses this installation's API calls until {clock(reset)}")
    assert [(_job(app, n)["state"], _job(app, n)["attempts"], _job(app, n)["run_after"]) for n in (1, 2)] == [
        ("queued", 0, reset),  # back in the queue until the reset; the claim was not an attempt
        ("queued", 0, reset),  # the same installation's next review waits without a call
    ]
    assert app.double.requests(pattern=r"/pulls/2") == []
    assert [r["external_id"] for r in app.double.check_runs.values()] == ["job-1", "job-3"]
    health = app.http.get("/healthz")
    until = dt.datetime.fromtimestamp(reset, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (health.status_code, health.json()["status"]) == (200, "rate limited")
    assert health.json()["rate_limited"] == [{"installation_id": 77, "until": until}]


def test_after_the_rate_limit_the_review_resumes_on_its_check_run(app: Harness, repo: Repo) -> None:
    """A secondary rate limit of 8 s (longer than a worker waits in place): the job waits in the
    queue, then completes the same check run; the claim that met the limit is not an attempt."""
    collision(repo)
    app.double.fail("GET", r"/pulls/1/files$", status=429, times=1, headers={"retry-after": "8"}, body={
        "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"})  # fmt: skip
    app.open(1)
    wait_for(lambda: [r for r in app.double.check_runs.values() if r["status"] == "completed"], 120, "the review")
    run = app.check_run()
    assert (run["conclusion"], len(run["annotations"])) == ("failure", 3)
    assert [c.status for c in app.double.requests("GET", r"/pulls/1/files$")] == [429, 200]
    first = app.double.requests("PATCH", r"/check-runs/")[0].body
    assert first["status"] == "in_progress"
    assert first["output"]["title"].startswith("Waiting for GitHub's API rate limit until ")
    app.settle()
    assert [(j["state"], j["attempts"]) for j in app.service.store.job_rows()] == [("done", 1)]
    assert app.http.get("/healthz").json()["rate_limited"] == []
