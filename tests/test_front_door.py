"""The front door: what it has not authenticated costs no memory, nothing it does blocks the loop."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
from starlette.testclient import TestClient

from bot.app.web import create_app
from bot.store import Store
from tests.app_harness import SECRET, free_port, serve_process, sign
from tests.github_double import example


def _headers(body: bytes, signature: str | None = None) -> dict[str, str]:
    return {
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": "d-1",
        "X-Hub-Signature-256": signature if signature is not None else sign(body),
        "Content-Type": "application/json",
    }


def test_a_signed_body_nested_100000_deep_is_a_400(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    store.create_schema()
    client = TestClient(create_app(store, SECRET))
    body = b"[" * 100_000 + b"]" * 100_000
    response = client.post("/webhook", content=body, headers=_headers(body))
    assert (response.status_code, response.json()) == (400, {"error": "body is nested too deeply"})


def test_a_wake_up_that_blocks_never_blocks_requests(tmp_path: Path) -> None:
    """A worker that died holding the wake-up event's lock: webhooks and /healthz still answer."""
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    store.create_schema()
    stuck = threading.Event()
    client = TestClient(create_app(store, SECRET, wake=stuck.wait))
    payload = example("pull_request", "opened.payload.json")
    payload["installation"] = {"id": 1}
    for n in range(3):
        body = json.dumps(payload).encode()
        headers = {**_headers(body), "X-GitHub-Delivery": f"d-{n}"}
        assert client.post("/webhook", content=body, headers=headers).status_code == 202
    assert client.get("/healthz").status_code == 200
    stuck.set()


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_twenty_big_unsigned_bodies_do_not_grow_the_web_process(tmp_path: Path) -> None:
    port = free_port()
    proc = serve_process(tmp_path, "http://127.0.0.1:9", port, workers=1)  # no GitHub call is made
    try:
        before = _rss_kib(proc.pid)
        body = b"x" * (24 * 1024 * 1024)
        results: list[int] = []

        def send() -> None:
            response = httpx.post(
                f"http://127.0.0.1:{port}/webhook",
                content=body,
                headers=_headers(body, signature="sha256=" + "0" * 64),
                timeout=120,
            )
            results.append(response.status_code)

        threads = [threading.Thread(target=send) for _ in range(20)]
        for thread in threads:
            thread.start()
        peak = before
        while any(t.is_alive() for t in threads):
            peak = max(peak, _rss_kib(proc.pid))
            threads[0].join(0.05)
        for thread in threads:
            thread.join()
        assert results == [401] * 20
        assert peak - before < 100 * 1024, f"the web process grew by {(peak - before) // 1024} MiB"
    finally:
        proc.kill()
        proc.wait(10)


def _opened_payload() -> dict:
    payload = example("pull_request", "opened.payload.json")
    payload["installation"] = {"id": 1}
    return payload


def test_signed_payloads_of_the_wrong_shape_are_refused_and_queue_nothing(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.sqlite3'}")
    store.create_schema()
    client = TestClient(create_app(store, SECRET))
    wrong: list[dict] = []
    for field, value in (("number", {"$gt": 1}), ("head", {"sha": ["x"]}), ("number", True)):
        payload = _opened_payload()
        if field == "head":
            payload["pull_request"]["head"] = value
        else:
            payload["pull_request"]["number"] = value
        wrong.append(payload)
    installation_as_dict = _opened_payload()
    installation_as_dict["installation"] = {"id": {"nested": 1}}
    wrong.append(installation_as_dict)
    for n, payload in enumerate(wrong):
        body = json.dumps(payload).encode()
        response = client.post("/webhook", content=body, headers={**_headers(body), "X-GitHub-Delivery": f"w-{n}"})
        assert response.status_code == 422, (n, response.text)
    body = json.dumps(_opened_payload()).encode()
    long_id = client.post("/webhook", content=body, headers={**_headers(body), "X-GitHub-Delivery": "d" * 300})
    assert long_id.status_code == 400
    assert store.job_counts() == {}


def test_bodies_posted_to_github_are_bounded_and_keep_our_marker() -> None:
    from bot.github.client import MAX_BODY_CHARS, bounded

    body = "x" * 100_000 + "\n<!-- migration-guard:fp=0123456789abcdef -->"
    cut = bounded(body)
    assert len(cut) <= MAX_BODY_CHARS
    assert cut.endswith("\n<!-- migration-guard:fp=0123456789abcdef -->")
    assert "GitHub takes at most 65,536 characters" in cut
    assert bounded("short") == "short"
