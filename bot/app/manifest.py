"""The App's registration manifest, from what the code needs: the events the webhook handlers
consume (``bot.app.webhooks.HANDLERS``) and the permissions every GitHub call declares
(``bot.github.client.PERMISSIONS``) plus those the events require. Used by the one-click
registration (``/setup``, GitHub's manifest flow) and written to ``app.yml`` by
``tools/generate_docs.py``, so neither can miss an event the App handles."""

from __future__ import annotations

from typing import Any

import yaml

from bot.app.webhooks import EVENT_PERMISSIONS, HANDLERS
from bot.github.client import PERMISSIONS

NAME = "Migration Guard"
HOMEPAGE = "https://github.com/migration-guard/migration-guard"
DESCRIPTION = (
    "Reviews database migrations in pull requests: edits to deployed migrations, ordering collisions "
    "between branches, missing rollbacks, zero-downtime hazards. Posts a required check run and inline "
    "review comments."
)


def permissions() -> dict[str, str]:
    wanted = dict(PERMISSIONS)
    for permission, level in EVENT_PERMISSIONS.values():
        if wanted.get(permission) != "write":
            wanted[permission] = level
    return dict(sorted(wanted.items()))


def manifest(public_url: str, name: str = NAME) -> dict[str, Any]:
    """GitHub's manifest for an App served at ``public_url`` (webhooks to ``/webhook``, the
    registration back to ``/setup/callback``)."""
    base = public_url.rstrip("/")
    return {
        "name": name,
        "url": HOMEPAGE,
        "description": DESCRIPTION,
        "public": False,
        "hook_attributes": {"url": f"{base}/webhook", "active": True},
        "redirect_url": f"{base}/setup/callback",
        "default_events": list(HANDLERS),
        "default_permissions": permissions(),
    }


def app_yml() -> str:
    """``app.yml``: the manifest with a placeholder host, for registering by hand."""
    head = ("# GitHub App manifest, generated from the code by tools/generate_docs.py (do not edit).\n"
            "# One click instead: start `migration-guard serve` without App credentials and open /setup\n"
            "# (README, \"Register the App\"). By hand: replace the host and use GitHub's manifest flow.\n")  # fmt: skip
    return head + yaml.safe_dump(manifest("https://migration-guard.example.com"), sort_keys=False, width=100)
