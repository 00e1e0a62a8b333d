"""One-click registration: `migration-guard serve` without App credentials runs in setup mode;
`/setup` posts the manifest to GitHub, `/setup/callback` exchanges the code with the GitHub API
double over real HTTP, stores the identity, and the same process starts reviewing."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from bot.app.webhooks import HANDLERS
from tests.app_harness import APP_ID, Harness, free_port, key_pair, reviewed_rules, sign
from tests.github_double import wait_for
from tests.gitrepo_factory import Repo

PUBLIC = "https://guard.example.test"
GOOSE = "-- +goose Up\nCREATE INDEX users_email ON users (email);\n-- +goose Down\nDROP INDEX users_email;\n"


def setup_service(tmp_path: Path, api_url: str, port: int, **extra: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.update(GITHUB_API_URL=api_url, MIGRATION_GUARD_DATABASE_URL=f"sqlite:///{tmp_path / 'setup.sqlite3'}",
               MIGRATION_GUARD_WORKERS="1", MIGRATION_GUARD_RETRY_BASE_SECONDS="0.01", **extra)  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / "setup.log").open("ab"))  # fmt: skip
    wait_for(lambda: _answers(port), 30, "the service to answer")
    return proc


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
    except httpx.HTTPError:
        return False


def test_register_from_the_manifest_then_review_without_a_restart(tmp_path: Path, repo: Repo) -> None:
    repo.write("db/migrations/00001_users.sql", "-- +goose Up\nCREATE TABLE users (id int, email text);\n"
               "-- +goose Down\nDROP TABLE users;\n").commit().branch("feature")  # fmt: skip
    repo.write("db/migrations/00002_index.sql", GOOSE).commit()
    app = Harness(tmp_path, repo)  # its GitHub double and event helpers; its own service is not used
    app.close()
    double = app.double.start()
    private, _ = key_pair()
    double.manifest_codes["code-123"] = (APP_ID, "migration-guard-acme", private, "whsec-from-github")
    port = free_port()
    proc = setup_service(tmp_path, double.url, port, MIGRATION_GUARD_PUBLIC_URL=PUBLIC)
    base = f"http://127.0.0.1:{port}"
    try:
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok", "registered": False, "setup": f"{PUBLIC}/setup"}
        page = httpx.get(f"{base}/setup").text
        action = html.unescape(re.search(r'<form action="([^"]+)" method="post">', page).group(1))
        assert action.startswith("https://github.com/settings/apps/new?state=")
        state = action.split("state=", 1)[1]
        manifest = json.loads(html.unescape(re.search(r'name="manifest" value="([^"]+)"', page).group(1)))
        assert manifest["hook_attributes"]["url"] == f"{PUBLIC}/webhook"
        assert manifest["redirect_url"] == f"{PUBLIC}/setup/callback"
        assert manifest["default_events"] == list(HANDLERS)
        org_page = httpx.get(f"{base}/setup", params={"org": "acme"}).text
        assert "https://github.com/organizations/acme/settings/apps/new?state=" in org_page

        assert httpx.post(f"{base}/webhook", content=b"{}").status_code == 503  # not registered yet
        refused = httpx.get(f"{base}/setup/callback", params={"code": "code-123", "state": "forged"})
        assert refused.status_code == 400 and double.requests("POST", "/app-manifests/") == []

        done = httpx.get(f"{base}/setup/callback", params={"code": "code-123", "state": state})
        assert done.status_code == 303
        assert done.headers["location"] == "https://github.com/apps/migration-guard-acme/installations/new"
        assert [c.path for c in double.requests("POST", "/app-manifests/")] == ["/app-manifests/code-123/conversions"]
        assert httpx.get(f"{base}/setup").status_code == 404  # registered: the setup page is gone
        again = httpx.get(f"{base}/setup/callback", params={"code": "code-123", "state": state})
        assert again.status_code == 404

        # the same process now reviews, with the identity GitHub returned
        app.url, app.http = base, httpx.Client(base_url=base, timeout=10)
        double.open_pr(1, "main", "feature")
        payload = app.pr_event("opened", 1)
        signature = sign(json.dumps(payload).encode(), "whsec-from-github")
        assert app.send("pull_request", payload, signature=signature).status_code == 202
        assert reviewed_rules(double, 60) == ["require-concurrent-index-creation", "require-lock-timeout", "require-statement-timeout"]
    finally:
        proc.kill()
        proc.wait(10)
        double.stop()
    log = (tmp_path / "setup.log").read_text()
    assert "registered as GitHub App" in log
    assert "whsec-from-github" not in log and "PRIVATE KEY" not in log  # secrets are never logged


def test_a_registered_service_restarts_with_the_stored_identity(tmp_path: Path, repo: Repo) -> None:
    """After registration the database holds the identity: a restart needs no credentials."""
    from bot.store import Registration, Store

    store = Store(f"sqlite:///{tmp_path / 'setup.sqlite3'}")
    store.create_schema()
    assert store.save_registration(Registration(APP_ID, "mg", "https://github.com/apps/mg", key_pair()[0], "s"))
    assert not store.save_registration(Registration(2, "other", "https://github.com/apps/other", "k", "s"))
    store.engine.dispose()
    port = free_port()
    proc = setup_service(tmp_path, "http://127.0.0.1:9", port)  # no MIGRATION_GUARD_PUBLIC_URL needed
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/setup").status_code == 404
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").json()["status"] == "ok"
    finally:
        proc.kill()
        proc.wait(10)


def test_without_credentials_or_a_public_url_serve_says_what_to_set(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MIGRATION_GUARD_"))}
    env["MIGRATION_GUARD_DATABASE_URL"] = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    done = subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--port", str(free_port())], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("migration-guard: error: GITHUB_APP_ID is not set and no App is registered yet: "
                                  "set MIGRATION_GUARD_PUBLIC_URL")  # fmt: skip
