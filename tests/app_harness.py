"""The App under test: the real service on a loopback port, talking to the GitHub double."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.app.serve import Service, build_service
from bot.core.settings import Settings
from tests.github_double import GitHubDouble, example, wait_for
from tests.gitrepo_factory import Repo

APP_ID = 4242
INSTALLATION_ID = 77
SECRET = "It's a Secret to Everybody"
OWNER, NAME = "octo-org", "shop"


@cache
def key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def free_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Harness:
    def __init__(self, tmp: Path, repo: Repo, *, database_url: str | None = None, **settings: Any) -> None:
        private, public = key_pair()
        self.repo = repo
        self.double = GitHubDouble(repo.root, OWNER, NAME, APP_ID, public).start()
        self.settings = Settings(
            app_id=APP_ID,
            private_key=private,
            webhook_secret=SECRET,
            api_url=self.double.url,
            database_url=database_url or f"sqlite:///{tmp / 'service.sqlite3'}",
            workers=settings.pop("workers", 1),
            job_lease_seconds=settings.pop("job_lease_seconds", 30.0),
            max_attempts=settings.pop("max_attempts", 3),
            retry_base_seconds=settings.pop("retry_base_seconds", 0.01),
            job_retention_days=settings.pop("job_retention_days", 14.0),
            docs_url="https://docs.example/rules/{module}.py",
        )
        self.service: Service = build_service(self.settings)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(
            uvicorn.Config(self.service.web, host="127.0.0.1", port=port, log_level="warning", access_log=False)
        )
        threading.Thread(target=self.server.run, daemon=True).start()
        wait_for(lambda: self.server.started, what="service start")
        self.service.workers.start()
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def close(self) -> None:
        self.service.workers.stop()
        self.server.should_exit = True
        self.double.stop()
        self.http.close()
        self.service.store.engine.dispose()

    # -- webhooks --------------------------------------------------------------------------
    def send(
        self, event: str, payload: dict, delivery: str | None = None, signature: str | None = None
    ) -> httpx.Response:
        body = json.dumps(payload).encode()
        headers = {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "X-Hub-Signature-256": sign(body) if signature is None else signature,
            "Content-Type": "application/json",
        }
        if signature == "":
            del headers["X-Hub-Signature-256"]
        return self.http.post("/webhook", content=body, headers=headers)

    def _adjust(self, payload: dict) -> dict:
        payload = copy.deepcopy(payload)
        payload["repository"]["name"] = NAME
        payload["repository"]["full_name"] = f"{OWNER}/{NAME}"
        payload["repository"]["owner"]["login"] = OWNER
        payload["installation"] = {"id": INSTALLATION_ID, "node_id": "MDIz"}
        return payload

    def pr_event(self, action: str, number: int) -> dict:
        name = {
            "opened": "opened.payload.json",
            "synchronize": "synchronize.payload.json",
            "reopened": "reopened.payload.json",
            "ready_for_review": "ready_for_review.with-installation.payload.json",
            "closed": "closed.payload.json",
            "labeled": "labeled.payload.json",
        }[action]
        payload = self._adjust(example("pull_request", name))
        pr = self.double.pulls[number]
        payload["action"] = action
        payload["number"] = number
        payload["pull_request"]["number"] = number
        payload["pull_request"]["head"]["sha"] = pr.head_sha
        payload["pull_request"]["base"]["ref"] = pr.base
        if action != "closed":
            payload["pull_request"]["state"] = "open"
        return payload

    def rerequest(self, event: str, number: int | None) -> dict:
        payload = self._adjust(example(event, "rerequested.payload.json"))
        run = payload[event]
        pr = self.double.pulls[number] if number is not None else next(iter(self.double.pulls.values()))
        run["head_sha"] = pr.head_sha
        if number is None:
            run["pull_requests"] = []
        else:
            run["pull_requests"] = [
                {
                    "number": number,
                    "head": {"ref": "feature", "sha": pr.head_sha},
                    "base": {"ref": pr.base, "sha": "0" * 40},
                }
            ]
        return payload

    def open(self, number: int = 1, base: str = "main", head: str = "feature") -> httpx.Response:
        self.double.open_pr(number, base, head)
        return self.send("pull_request", self.pr_event("opened", number))

    # -- waiting and looking -----------------------------------------------------------------
    def settle(self, timeout: float = 300.0) -> None:
        """Wait until no job is queued or running."""

        def idle() -> bool:
            counts = self.service.store.job_counts()
            return counts.get("queued", 0) == 0 and counts.get("running", 0) == 0

        time.sleep(0.05)
        wait_for(idle, timeout, "jobs to finish")

    def check_run(self, head_sha: str | None = None) -> dict:
        runs = [r for r in self.double.check_runs.values() if head_sha is None or r["head_sha"] == head_sha]
        assert len(runs) == 1, [(r["id"], r["status"]) for r in runs]
        return runs[0]

    def api_calls(self) -> list[tuple[str, str]]:
        return [(c.method, c.path) for c in self.double.calls]


def serve_process(
    tmp: Path, api_url: str, port: int, workers: int = 1, database_url: str | None = None, lease: float = 120.0
) -> subprocess.Popen:
    """`migration-guard serve` as its own process, configured for the double."""
    private, _ = key_pair()
    env = {
        **os.environ,
        "GITHUB_APP_ID": str(APP_ID),
        "GITHUB_PRIVATE_KEY": private,
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "GITHUB_API_URL": api_url,
        "MIGRATION_GUARD_DATABASE_URL": database_url or f"sqlite:///{tmp / 'service.sqlite3'}",
        "MIGRATION_GUARD_JOB_LEASE_SECONDS": str(lease),
        "MIGRATION_GUARD_RETRY_BASE_SECONDS": "0.01",
        "MIGRATION_GUARD_WORKERS": str(workers),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp / f"service-{port}.log").open("ab"),  # a pipe nobody reads would fill and block the service
    )
    wait_for(lambda: _healthy(port), 300, "service to answer /healthz")
    return proc


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30).status_code == 200
    except httpx.HTTPError:
        return False


def reviewed_rules(double: GitHubDouble, timeout: float = 300.0) -> list[str]:
    """Wait for the one check run to complete; the rules of its annotations."""
    wait_for(lambda: any(r["status"] == "completed" for r in double.check_runs.values()), timeout, "the review")
    (run,) = double.check_runs.values()
    return [a["title"] for a in run["annotations"]]
