"""Service settings, read once from the environment and checked before anything starts.

A missing or bad setting stops ``migration-guard serve`` with exit status 2 and one line that
names it, rather than a service that starts and fails on the first webhook.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T", int, float)

DEFAULT_DATABASE_URL = "sqlite:///migration-guard.sqlite3"
DEFAULT_DOCS_URL = "https://github.com/migration-guard/migration-guard/blob/main/rules/{module}.py"


class SettingsError(Exception):
    """One line naming the setting and what is wrong with it."""


@dataclass(frozen=True)
class Settings:
    app_id: int
    private_key: str = field(repr=False)  # secrets never appear in a repr, a log line or a traceback
    webhook_secret: str = field(repr=False)
    api_url: str = "https://api.github.com"
    database_url: str = DEFAULT_DATABASE_URL
    workers: int = 2
    job_lease_seconds: float = 120.0
    max_attempts: int = 5
    #: a last-resort guard on one review's analysis (what is past it is reported as not analysed,
    #: an error): far above what the work bounds let through, so load does not change findings
    review_deadline_seconds: float = 600.0
    retry_base_seconds: float = 2.0  # backoff of GitHub 5xx retries and of failed jobs
    job_retention_days: float = 14.0  # finished jobs and delivery ids (dedupe) are deleted after it
    docs_url: str = DEFAULT_DOCS_URL
    check_name: str = "Migration Guard"
    redelivery_interval_seconds: float = 300.0  # how often GitHub's list of failed deliveries is read

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def required(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                raise SettingsError(f"{name} is not set")
            return value

        app_id_text = required("GITHUB_APP_ID")
        if not app_id_text.isdigit():
            raise SettingsError(f"GITHUB_APP_ID must be the App's numeric id, not {app_id_text!r}")
        if env.get("GITHUB_PRIVATE_KEY", "").strip():
            key, source = env["GITHUB_PRIVATE_KEY"].replace("\\n", "\n").strip() + "\n", "GITHUB_PRIVATE_KEY"
        elif env.get("GITHUB_PRIVATE_KEY_PATH", "").strip():
            path = Path(env["GITHUB_PRIVATE_KEY_PATH"].strip())
            try:
                key = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise SettingsError(f"GITHUB_PRIVATE_KEY_PATH: cannot read {path}: {exc}") from None
            source = "GITHUB_PRIVATE_KEY_PATH"
        else:
            raise SettingsError("GITHUB_PRIVATE_KEY (PEM text) or GITHUB_PRIVATE_KEY_PATH is not set")
        _check_private_key(key, source)
        api_url = env.get("GITHUB_API_URL", "").strip() or "https://api.github.com"
        if not api_url.startswith(("http://", "https://")):
            raise SettingsError(f"GITHUB_API_URL must be an http(s) URL, not {api_url!r}")
        database_url = database_url_from(env)
        return cls(
            app_id=int(app_id_text),
            private_key=key,
            webhook_secret=required("GITHUB_WEBHOOK_SECRET"),
            api_url=api_url.rstrip("/"),
            database_url=database_url,
            workers=_number(env, "MIGRATION_GUARD_WORKERS", 2, int),
            job_lease_seconds=_number(env, "MIGRATION_GUARD_JOB_LEASE_SECONDS", 120.0, float),
            max_attempts=_number(env, "MIGRATION_GUARD_MAX_ATTEMPTS", 5, int),
            review_deadline_seconds=_number(env, "MIGRATION_GUARD_REVIEW_DEADLINE_SECONDS", 600.0, float),
            retry_base_seconds=_number(env, "MIGRATION_GUARD_RETRY_BASE_SECONDS", 2.0, float),
            job_retention_days=_number(env, "MIGRATION_GUARD_JOB_RETENTION_DAYS", 14.0, float),
            docs_url=docs_url_from(env),
            redelivery_interval_seconds=_number(env, "MIGRATION_GUARD_REDELIVERY_SECONDS", 300.0, float),
        )


def database_url_from(env: Mapping[str, str]) -> str:
    database_url = env.get("MIGRATION_GUARD_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    if not database_url.startswith(("sqlite", "postgresql")):
        raise SettingsError("MIGRATION_GUARD_DATABASE_URL must be a sqlite:/// or postgresql:// URL")
    return database_url


def public_url_from(env: Mapping[str, str]) -> str | None:
    """``MIGRATION_GUARD_PUBLIC_URL`` (where GitHub reaches this service), checked, or None."""
    public = env.get("MIGRATION_GUARD_PUBLIC_URL", "").strip().rstrip("/")
    if not public:
        return None
    if not public.startswith(("http://", "https://")):
        raise SettingsError(f"MIGRATION_GUARD_PUBLIC_URL must be an http(s) URL, not {public!r}")
    return public


def docs_url_from(env: Mapping[str, str]) -> str:
    """Where rule links point: ``MIGRATION_GUARD_DOCS_URL`` (a template with ``{rule}``), else the
    service's own ``/rules/{rule}`` page when ``MIGRATION_GUARD_PUBLIC_URL`` is known, else the source."""
    explicit = env.get("MIGRATION_GUARD_DOCS_URL", "").strip()
    if explicit:
        if "{rule}" not in explicit and "{module}" not in explicit:
            raise SettingsError("MIGRATION_GUARD_DOCS_URL must contain {rule} or {module}")
        return explicit
    public = public_url_from(env)
    return public + "/rules/{rule}" if public else DEFAULT_DOCS_URL


def _number(env: Mapping[str, str], name: str, default: T, kind: type[T]) -> T:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {text!r}") from None
    if value <= 0:
        raise SettingsError(f"{name} must be positive, not {text!r}")
    return value


def _check_private_key(pem: str, source: str) -> None:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise SettingsError(f"{source}: not a PEM private key (download one from the App's settings page)") from None
