"""Starting the service: settings from the environment, one-line errors, the manifest, rule pages."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from bot.app.web import create_app
from bot.app.webhooks import HANDLERS
from bot.core.settings import Settings, SettingsError
from bot.store import Store
from tests.app_harness import key_pair

ROOT = Path(__file__).resolve().parents[1]


def env(**overrides: str) -> dict[str, str]:
    private, _ = key_pair()
    base = {"GITHUB_APP_ID": "123", "GITHUB_PRIVATE_KEY": private, "GITHUB_WEBHOOK_SECRET": "s"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v != "<unset>"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"GITHUB_APP_ID": "<unset>"}, "GITHUB_APP_ID is not set"),
        ({"GITHUB_APP_ID": "my-app"}, "GITHUB_APP_ID must be the App's numeric id, not 'my-app'"),
        ({"GITHUB_PRIVATE_KEY": "<unset>"}, "GITHUB_PRIVATE_KEY (PEM text) or GITHUB_PRIVATE_KEY_PATH is not set"),
        ({"GITHUB_PRIVATE_KEY": "not a key"}, "GITHUB_PRIVATE_KEY: not a PEM private key"),
        (
            {"GITHUB_PRIVATE_KEY": "<unset>", "GITHUB_PRIVATE_KEY_PATH": "/nonexistent.pem"},
            "GITHUB_PRIVATE_KEY_PATH: cannot read",
        ),
        ({"GITHUB_WEBHOOK_SECRET": "<unset>"}, "GITHUB_WEBHOOK_SECRET is not set"),
        ({"GITHUB_API_URL": "ftp://x"}, "GITHUB_API_URL must be an http(s) URL"),
        (
            {"MIGRATION_GUARD_DATABASE_URL": "mysql://x"},
            "MIGRATION_GUARD_DATABASE_URL must be a sqlite:/// or postgresql://",
        ),
        ({"MIGRATION_GUARD_WORKERS": "many"}, "MIGRATION_GUARD_WORKERS must be a number, not 'many'"),
        (
            {"MIGRATION_GUARD_JOB_RETENTION_DAYS": "a fortnight"},
            "MIGRATION_GUARD_JOB_RETENTION_DAYS must be a number, not 'a fortnight'",
        ),
    ],
)
def test_bad_settings_name_the_variable(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env(env(**overrides))
    assert str(error.value).startswith(message)


def test_serve_with_a_bad_setting_exits_2_with_one_line(tmp_path: Path) -> None:
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MIGRATION_GUARD_"))}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--port", "0"],
        env={**variables, **env(GITHUB_WEBHOOK_SECRET="<unset>")},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (2, "migration-guard: error: GITHUB_WEBHOOK_SECRET is not set\n")


def test_private_key_from_a_file_and_defaults(tmp_path: Path) -> None:
    key = tmp_path / "app.pem"
    key.write_text(key_pair()[0])
    settings = Settings.from_env(env(GITHUB_PRIVATE_KEY="<unset>", GITHUB_PRIVATE_KEY_PATH=str(key)))
    assert settings.api_url == "https://api.github.com"
    assert settings.database_url == "sqlite:///migration-guard.sqlite3"
    assert settings.docs_url == "https://github.com/migration-guard/migration-guard/blob/main/rules/{module}.py"
    public = Settings.from_env(env(MIGRATION_GUARD_PUBLIC_URL="https://guard.example.com/"))
    assert public.docs_url == "https://guard.example.com/rules/{rule}"
    assert settings.job_retention_days == 14
    assert Settings.from_env(env(MIGRATION_GUARD_JOB_RETENTION_DAYS="30")).job_retention_days == 30


def test_manifest_asks_for_what_the_app_uses() -> None:
    """app.yml is generated (tools/generate_docs.py) from the handlers and the calls' declared
    permissions; it is current, and it holds exactly the handled events."""
    from bot.app.manifest import app_yml
    from bot.github.client import PERMISSIONS

    assert (ROOT / "app.yml").read_text() == app_yml(), "run python tools/generate_docs.py"
    manifest = yaml.safe_load(app_yml())
    assert manifest["name"] == "Migration Guard"
    # exactly the events a handler consumes: none missing (the App would never hear of it), none
    # extra (GitHub would deliver webhooks nobody reads); `installation` is delivered to every App
    assert sorted(manifest["default_events"]) == sorted(HANDLERS)
    # every permission a call declares, at its level (what the double and GitHub check on each call)
    assert all(manifest["default_permissions"][p] == level or level == "read" for p, level in PERMISSIONS.items())
    assert manifest["default_permissions"] == {"checks": "write", "pull_requests": "write", "issues": "write",
                                               "contents": "read", "metadata": "read", "deployments": "read"}
    assert manifest["hook_attributes"]["url"].endswith("/webhook")


def test_dockerfile_runs_serve_as_non_root_with_healthcheck() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert text.startswith("# Migration Guard") and "FROM python:3.11-slim" in text
    assert "USER guard" in text and "HEALTHCHECK" in text and "/healthz" in text
    assert 'CMD ["migration-guard", "serve", "--host", "0.0.0.0", "--port", "8080"]' in text


def test_rule_pages(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    store.create_schema()

    async def fetch(path: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(store, "s"))
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            return await client.get(path)

    page = asyncio.run(fetch("/rules/missing-rollback"))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<h1><code>missing-rollback</code></h1>" in page.text and "<strong>error</strong> by default" in page.text
    example = asyncio.run(fetch("/rules/adding-foreign-key-constraint")).text
    assert '<pre class="bad"><code>ALTER TABLE users ADD CONSTRAINT fk_org' in example
    assert "<h2>Rails</h2>" in example and "validate: false" in example
    assert asyncio.run(fetch("/rules/nope")).status_code == 404
    index = asyncio.run(fetch("/rules")).text
    assert '<a href="/rules/duplicate-migration-version"><code>duplicate-migration-version</code></a>' in index
