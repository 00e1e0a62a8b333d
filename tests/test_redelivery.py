"""Deliveries missed while the service was down are not lost: at start (and every few minutes) the
service reads the App's delivery list from GitHub and asks for the failed ones again; the GitHub
double really redelivers them (same guid, fresh signature) to the service's /webhook."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from bot.app.redeliver import REFUSED_ON_PURPOSE, missed, scan
from bot.core.settings import Settings
from bot.github.client import GitHubApp
from bot.github.hook_deliveries import HookDelivery
from bot.store import JobSpec, Store
from tests.app_harness import APP_ID, NAME, OWNER, SECRET, Harness, free_port, key_pair, serve_process
from tests.github_double import GitHubDouble, wait_for
from tests.gitrepo_factory import Repo

M = "db/migrations"
INDEX = "-- +goose Up\nCREATE INDEX {t}_id ON {t} (id);\n-- +goose Down\nDROP INDEX {t}_id;\n"


def _repo(repo: Repo, branches: int) -> None:
    repo.write(f"{M}/00001_users.sql", "-- +goose Up\nCREATE TABLE users (id int);\n-- +goose Down\nDROP TABLE users;\n")
    repo.commit()
    for n in range(1, branches + 1):
        repo.git("checkout", "-q", "-b", f"feature-{n}", "main")
        repo.write(f"{M}/0001{n}_index_{n}.sql", INDEX.format(t="users")).commit()
    repo.git("checkout", "-q", "main")


def _sender(double: GitHubDouble) -> Harness:
    """The harness's payload builders, for webhooks the double itself delivers."""
    sender = Harness.__new__(Harness)
    sender.double = double
    return sender


def _scans(log: Path) -> list[str]:
    return re.findall(r"redelivery scan: \d+ attempts read, \d+ redelivery asked", log.read_text())


def test_pull_requests_opened_while_the_service_was_down_are_reviewed_once_it_is_back(tmp_path: Path, repo: Repo) -> None:
    _repo(repo, 4)
    double = GitHubDouble(repo.root, OWNER, NAME, APP_ID, key_pair()[1]).start()
    port = free_port()
    double.webhook_url, double.webhook_secret = f"http://127.0.0.1:{port}/webhook", SECRET
    sender = _sender(double)
    log = tmp_path / f"service-{port}.log"
    heads = {n: double.open_pr(n, "main", f"feature-{n}").head_sha for n in range(1, 5)}

    def completed(n: int) -> list[dict]:
        return [r for r in double.check_runs.values() if r["head_sha"] == heads[n] and r["status"] == "completed"]

    proc = serve_process(tmp_path, double.url, port)  # one worker: its first job is the scan queued at start
    try:
        assert double.deliver("pull_request", sender.pr_event("opened", 1))["status_code"] == 202
        # GitHub stopped waiting and recorded a timeout, though the service got (and queued) it
        late = double.deliver("pull_request", sender.pr_event("opened", 4), recorded_status=504)
        wait_for(lambda: completed(1) and completed(4), 300, "the reviews of #1 and #4")
    finally:
        proc.terminate()
        proc.wait(60)
    missed_while_down = [double.deliver("pull_request", sender.pr_event("opened", n)) for n in (2, 3)]
    assert [a["status_code"] for a in missed_while_down] == [0, 0]  # nothing answered: GitHub will not retry

    proc = serve_process(tmp_path, double.url, port)
    try:
        wait_for(lambda: completed(2) and completed(3), 300, "the reviews of the pull requests opened meanwhile")
        wait_for(lambda: len(_scans(log)) == 2, 300, "the scan after the restart")
    finally:
        proc.terminate()
        proc.wait(60)

    asked = [c.path for c in double.requests("POST", r"^/app/hook/deliveries/")]
    assert sorted(asked) == sorted(f"/app/hook/deliveries/{a['id']}/attempts" for a in missed_while_down)
    assert f"/app/hook/deliveries/{late['id']}/attempts" not in asked  # recorded by the store: not asked again
    assert {c.status for c in double.requests("GET", r"^/app/hook/deliveries$")} == {200}  # the App's JWT
    redelivered = [a for a in double.hook_deliveries if a["redelivery"]]
    assert sorted((a["guid"], a["status_code"]) for a in redelivered) == sorted((a["guid"], 202) for a in missed_while_down)
    for n in range(1, 5):  # every pull request reviewed exactly once
        assert len(completed(n)) == 1 and len(double.reviews[n]) == 1, n
    assert len(double.check_runs) == 4

    # the newest attempt dealt with is kept: the next start reads only what came after it
    lists_before = len(double.requests("GET", r"^/app/hook/deliveries$"))
    proc = serve_process(tmp_path, double.url, port)
    try:
        wait_for(lambda: len(_scans(log)) == 3, 300, "the scan at the third start")
    finally:
        proc.terminate()
        proc.wait(60)
    assert _scans(log)[-1] == "redelivery scan: 2 attempts read, 0 redelivery asked"  # the two redeliveries
    assert len(double.requests("GET", r"^/app/hook/deliveries$")) == lists_before + 1
    assert len(double.requests("POST", r"^/app/hook/deliveries/")) == 2
    double.stop()


@pytest.fixture
def github(tmp_path: Path, repo: Repo) -> tuple[GitHubDouble, GitHubApp, Store]:
    repo.write("README.md", "x").commit()
    double = GitHubDouble(repo.root, OWNER, NAME, APP_ID, key_pair()[1]).start()
    double.webhook_url, double.webhook_secret = "http://127.0.0.1:9/webhook", SECRET  # nothing listens there
    app = GitHubApp(Settings(app_id=APP_ID, private_key=key_pair()[0], webhook_secret=SECRET, api_url=double.url,
                             retry_base_seconds=0.01))  # fmt: skip
    store = Store(f"sqlite:///{tmp_path / 'scan.sqlite3'}")
    store.create_schema()
    yield double, app, store
    double.stop()
    store.engine.dispose()


def test_the_scan_pages_by_cursor_asks_only_for_missed_events_and_stops_where_it_stopped(
    github: tuple[GitHubDouble, GitHubApp, Store],
) -> None:
    double, app, store = github
    payload = {"action": "opened", "installation": {"id": 77}, "repository": {"id": 1}}
    failed = [double.deliver("pull_request", payload) for _ in range(240)]  # connection refused: status 0
    store.record_delivery(failed[0]["guid"], "pull_request", JobSpec("review", "k", {}))  # got through after all
    double.deliver("pull_request", payload, failed[1]["guid"], redelivery=True, recorded_status=202)  # retried by hand
    refused = double.deliver("pull_request", payload, recorded_status=401)  # a bad signature stays bad
    double.deliver("ping", {}, recorded_status=200)

    asked = scan(app.app, store)
    assert sorted(a.guid for a in asked) == sorted(a["guid"] for a in failed[2:])
    assert refused["guid"] not in {a.guid for a in asked}
    lists = double.requests("GET", r"^/app/hook/deliveries$")
    assert [c.query.get("cursor", "") != "" for c in lists] == [False, True, True]  # 243 attempts, 100 a page
    assert store.redelivery_horizon() == double.hook_deliveries[242]["id"]

    # each redelivery failed again (nothing listens): the next round reads only those, and asks again
    wait_for(lambda: len(double.hook_deliveries) == 243 + 238, 300, "the double's redelivery attempts")
    again = scan(app.app, store)
    assert sorted(a.guid for a in again) == sorted(a.guid for a in asked)
    assert len(double.requests("GET", r"^/app/hook/deliveries$")) == 3 + 3  # 238 attempts: 3 pages, no more
    # nothing older than GitHub redelivers (3 days) is read, whatever the horizon
    stale = scan(app.app, Store(store.url), now=dt.datetime.now(dt.UTC) + dt.timedelta(days=4))
    assert stale == []


def test_which_attempts_are_asked_again() -> None:
    def attempt(n: int, guid: str, status: int) -> HookDelivery:
        return HookDelivery(n, guid, dt.datetime.now(dt.UTC), False, status, "pull_request", "opened")

    newest_first = [attempt(6, "a", 0), attempt(5, "b", 502), attempt(4, "a", 504), attempt(3, "c", 200),
                    attempt(2, "c", 0), attempt(1, "d", 0)]  # fmt: skip
    newest_first += [attempt(0, f"r{s}", s) for s in sorted(REFUSED_ON_PURPOSE)]
    assert [a.id for a in missed(newest_first, recorded={"d"})] == [6, 5]  # newest attempt of a and b only
