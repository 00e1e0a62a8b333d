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
from tests.app_harness import APP_ID, Harness, free_port, key_pair, reviewed_rules, serve_process, sign
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
    wait_for(lambda: _answers(port), 300, "the service to answer")
    return proc


def setup_link(tmp_path: Path) -> str:
    """The link the service printed for the operator (the token is only in the log)."""
    found = re.findall(r"no GitHub App yet: open (\S+/setup\?token=\S+) to register one", (tmp_path / "setup.log").read_text())
    assert len(found) == 1, found
    return found[0]


def operator_session(base: str, link: str) -> str:
    """Open the link as the operator's browser does: the token sets the session cookie, and the
    answer sends the browser on to /setup without the token in the address."""
    opened = httpx.get(base + link[link.index("/setup") :])
    assert opened.status_code == 303 and opened.headers["location"] == "/setup"
    cookie = opened.headers["set-cookie"]
    name, value = cookie.split(";", 1)[0].split("=", 1)
    attributes = {a.strip().lower() for a in cookie.split(";")[1:]}
    assert name == "migration_guard_setup" and value
    assert {"httponly", "samesite=lax", "secure", "path=/setup"} <= attributes, attributes
    return value


def _form_state(page: str) -> str:
    action = html.unescape(re.search(r'<form action="([^"]+)" method="post">', page).group(1))
    return action.split("state=", 1)[1]


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
        link = setup_link(tmp_path)
        assert link.startswith(f"{PUBLIC}/setup?token=")
        browser = {"migration_guard_setup": operator_session(base, link)}
        page = httpx.get(f"{base}/setup", cookies=browser).text
        action = html.unescape(re.search(r'<form action="([^"]+)" method="post">', page).group(1))
        assert action.startswith("https://github.com/settings/apps/new?state=")
        state = action.split("state=", 1)[1]
        manifest = json.loads(html.unescape(re.search(r'name="manifest" value="([^"]+)"', page).group(1)))
        assert manifest["hook_attributes"]["url"] == f"{PUBLIC}/webhook"
        assert manifest["redirect_url"] == f"{PUBLIC}/setup/callback"
        assert manifest["default_events"] == list(HANDLERS)
        org_page = httpx.get(f"{base}/setup", params={"org": "acme"}, cookies=browser).text
        assert "https://github.com/organizations/acme/settings/apps/new?state=" in org_page

        assert httpx.post(f"{base}/webhook", content=b"{}").status_code == 503  # not registered yet
        refused = httpx.get(f"{base}/setup/callback", params={"code": "code-123", "state": "forged"}, cookies=browser)
        assert refused.status_code == 400 and double.requests("POST", "/app-manifests/") == []

        done = httpx.get(f"{base}/setup/callback", params={"code": "code-123", "state": state}, cookies=browser)
        assert done.status_code == 303
        assert done.headers["location"] == "https://github.com/apps/migration-guard-acme/installations/new"
        assert [c.path for c in double.requests("POST", "/app-manifests/")] == ["/app-manifests/code-123/conversions"]
        # registered: the setup page says so, to anyone, and no code is exchanged again
        closed = httpx.get(f"{base}/setup")
        assert closed.status_code == 200 and "already registered as the GitHub App <code>migration-guard-acme</code>" in closed.text
        assert "https://github.com/apps/migration-guard-acme/installations/new" in closed.text
        again = httpx.get(f"{base}/setup/callback", params={"code": "code-123", "state": state}, cookies=browser)
        assert again.status_code == 409 and "already registered" in again.text
        assert len(double.requests("POST", "/app-manifests/")) == 1

        # the same process now reviews, with the identity GitHub returned
        app.url, app.http = base, httpx.Client(base_url=base, timeout=10)
        double.open_pr(1, "main", "feature")
        payload = app.pr_event("opened", 1)
        signature = sign(json.dumps(payload).encode(), "whsec-from-github")
        assert app.send("pull_request", payload, signature=signature).status_code == 202
        assert reviewed_rules(double, 300) == ["require-concurrent-index-creation", "require-lock-timeout", "require-statement-timeout"]
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
        closed = httpx.get(f"http://127.0.0.1:{port}/setup")
        assert closed.status_code == 200 and "already registered as the GitHub App <code>mg</code>" in closed.text
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


def test_a_stranger_who_reaches_setup_first_cannot_register_an_app_of_their_own(tmp_path: Path, repo: Repo) -> None:
    """Registration belongs to the operator: without the token from the log there is no page and no
    state; the operator's state is refused in another browser; the operator still registers."""
    repo.write("README.md", "x").commit()
    app = Harness(tmp_path, repo)
    app.close()
    double = app.double.start()
    private, _ = key_pair()
    double.manifest_codes["strangers-code"] = (999, "strangers-app", private, "strangers-secret")
    double.manifest_codes["operators-code"] = (APP_ID, "operators-app", private, "operators-secret")
    port = free_port()
    proc = setup_service(tmp_path, double.url, port, MIGRATION_GUARD_PUBLIC_URL=PUBLIC)
    base = f"http://127.0.0.1:{port}"
    try:
        first = httpx.get(f"{base}/setup")  # the stranger comes first, without the token
        assert first.status_code == 403 and "<form" not in first.text and "state=" not in first.text
        assert "open the setup link printed in the service's log" in first.text
        guessed = httpx.get(f"{base}/setup", params={"token": "guessed"})
        assert guessed.status_code == 403 and "set-cookie" not in guessed.headers
        assert httpx.get(f"{base}/setup", cookies={"migration_guard_setup": "made-up"}).status_code == 403

        browser = {"migration_guard_setup": operator_session(base, setup_link(tmp_path))}
        state = _form_state(httpx.get(f"{base}/setup", cookies=browser).text)
        # the operator's state (seen in a shared screen, a proxy log) is no use in another browser
        stolen = httpx.get(f"{base}/setup/callback", params={"code": "strangers-code", "state": state})
        assert stolen.status_code == 403 and "This registration was not started in this browser" in stolen.text
        other = {"migration_guard_setup": operator_session(base, setup_link(tmp_path))}  # another session
        crossed = httpx.get(f"{base}/setup/callback", params={"code": "strangers-code", "state": state}, cookies=other)
        assert crossed.status_code == 400
        assert double.requests("POST", "/app-manifests/") == []  # no code was exchanged for the stranger

        done = httpx.get(f"{base}/setup/callback", params={"code": "operators-code", "state": state}, cookies=browser)
        assert done.status_code == 303 and done.headers["location"] == "https://github.com/apps/operators-app/installations/new"
        assert [c.path for c in double.requests("POST", "/app-manifests/")] == ["/app-manifests/operators-code/conversions"]
        late = httpx.get(f"{base}/setup/callback", params={"code": "strangers-code", "state": state}, cookies=browser)
        assert late.status_code == 409 and "already registered as the GitHub App <code>operators-app</code>" in late.text
        assert len(double.requests("POST", "/app-manifests/")) == 1
    finally:
        proc.kill()
        proc.wait(10)
        double.stop()
    assert "refused a registration callback from a browser without the setup session" in (tmp_path / "setup.log").read_text()


def test_a_service_with_credentials_in_its_environment_says_there_is_nothing_to_register(tmp_path: Path) -> None:
    port = free_port()
    proc = serve_process(tmp_path, "http://127.0.0.1:9", port)
    try:
        page = httpx.get(f"http://127.0.0.1:{port}/setup")
        assert page.status_code == 200 and "credentials are set in its environment" in page.text
        assert httpx.get(f"http://127.0.0.1:{port}/setup/callback", params={"code": "c", "state": "s"}).status_code == 409
    finally:
        proc.kill()
        proc.wait(10)
