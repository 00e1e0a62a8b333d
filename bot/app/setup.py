"""One-click registration (GitHub's manifest flow), for a service started without App credentials.

The operator opens the link the service printed in its log at start, ``/setup?token=...``: the
token opens a browser session (an HttpOnly, SameSite=Lax cookie; ``bot.app.setup_access``) and the
answer redirects to ``/setup``, so the token leaves the address bar and the browser history.
``GET /setup`` then shows a button that posts the manifest (``bot.app.manifest``: the events the
handlers consume, the permissions the calls declare, this service's URLs) to GitHub with a
one-time ``state`` bound to that session. GitHub creates the App and sends the browser back to
``GET /setup/callback`` with a ``code``; a callback without the session's cookie and a state bound
to it is refused. The code is exchanged (``POST /app-manifests/{code}/conversions``) for the App's
id, private key and webhook secret. They are stored in the service's database (never logged,
never shown) and the service starts reviewing without a restart; ``/setup`` then says the App is
registered (``ClosedSetup``).
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.app.setup_access import COOKIE, OperatorAccess
from bot.store import Registration, Store

log = logging.getLogger("migration_guard.setup")
SESSION_SECONDS = 3600  # the setup cookie's life: long enough to register, short enough to forget
STYLE = ("<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}"
         "button{font-size:1rem;padding:.6rem 1.2rem;border-radius:6px;border:1px solid #1f883d;"
         "background:#1f883d;color:#fff;cursor:pointer}</style>")  # fmt: skip


def html_page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"{STYLE}</head><body><h1>{html.escape(title)}</h1>{body}</body></html>")  # fmt: skip


class SetupFlow:
    """The registration's state: who may register (``access``), and what to do once registered."""

    def __init__(self, store: Store, public_url: str, api_url: str, web_url: str,
                 on_registered: Callable[[Registration], None], access: OperatorAccess | None = None) -> None:  # fmt: skip
        self.store = store
        self.public_url = public_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.web_url = web_url.rstrip("/")
        self.on_registered = on_registered
        self.access = access or OperatorAccess()

    @property
    def link(self) -> str:
        """What the log prints for the operator: the only way into ``/setup``."""
        return f"{self.public_url}/setup?token={self.access.token}"

    def page(self, organization: str | None, session: str) -> str:
        from bot.app.manifest import manifest  # lazy: it reads the GitHub client's permissions (githubkit), once

        state = self.access.new_state(session)
        where = (f"{self.web_url}/organizations/{organization}/settings/apps/new" if organization
                 else f"{self.web_url}/settings/apps/new")  # fmt: skip
        data = html.escape(json.dumps(manifest(self.public_url)), quote=True)
        target = html.escape(f"{where}?state={state}", quote=True)
        return html_page(
            "Register Migration Guard",
            f"<p>This service (<code>{html.escape(self.public_url)}</code>) has no GitHub App yet. The button "
            "creates one on GitHub with the events and permissions the service uses; GitHub then sends you back "
            "here and the service starts reviewing. To register it for an organization, open "
            "<code>/setup?org=NAME</code>.</p>"
            f'<form action="{target}" method="post"><input type="hidden" name="manifest" value="{data}">'
            '<button type="submit">Register the GitHub App</button></form>',
        )

    def convert(self, code: str) -> Registration:
        """GitHub's answer to the code: the new App's identity (``POST /app-manifests/{code}/conversions``)."""
        import httpx  # lazy: only a service in setup mode makes this call; the door opens without it

        try:
            response = httpx.post(f"{self.api_url}/app-manifests/{code}/conversions", timeout=30.0,
                                  headers={"Accept": "application/vnd.github+json"})  # fmt: skip
        except httpx.HTTPError as exc:
            raise ValueError(f"GitHub could not be reached: {type(exc).__name__}") from None
        if response.status_code != 201:
            raise ValueError(f"GitHub answered {response.status_code} to the conversion")
        data = response.json()
        return Registration(int(data["id"]), str(data["slug"]), str(data["html_url"]), str(data["pem"]),
                            str(data["webhook_secret"]))  # fmt: skip


NOT_THE_OPERATOR = (
    "<p>Only the operator registers this service: open the setup link printed in the service's log at start "
    "(<code>…/setup?token=…</code>), in the browser that will register the App, at the service's public URL.</p>"
)


def setup_app(flow: SetupFlow, healthz: Callable[[Request], Awaitable[Response]]) -> Starlette:
    """The routes of a service that is not registered yet."""
    secure = flow.public_url.startswith("https://")

    async def setup(request: Request) -> Response:
        organization = request.query_params.get("org") or None
        if organization is not None and not organization.replace("-", "").isalnum():
            return HTMLResponse("<p>Not an organization name.</p>", status_code=400)
        token = request.query_params.get("token")
        if token is not None:
            session = flow.access.open_session(token)
            if session is None:
                log.warning("refused a setup link with a wrong token")
                return HTMLResponse(html_page("Not this link", NOT_THE_OPERATOR), status_code=403)
            # The token leaves the address bar (and the history, and any Referer) at once.
            answer = RedirectResponse("/setup" + (f"?org={organization}" if organization else ""), status_code=303)
            answer.set_cookie(COOKIE, session, max_age=SESSION_SECONDS, path="/setup", secure=secure,
                              httponly=True, samesite="lax")  # fmt: skip
            return answer
        session = request.cookies.get(COOKIE, "")
        if not flow.access.knows(session):
            return HTMLResponse(html_page("Open the setup link", NOT_THE_OPERATOR), status_code=403)
        return HTMLResponse(flow.page(organization, session))

    async def callback(request: Request) -> Response:
        code, state = request.query_params.get("code", ""), request.query_params.get("state", "")
        session = request.cookies.get(COOKIE, "")
        if not flow.access.knows(session):
            log.warning("refused a registration callback from a browser without the setup session")
            return HTMLResponse(html_page("Registration refused", "<p>This registration was not started in this "
                                          "browser.</p>" + NOT_THE_OPERATOR), status_code=403)  # fmt: skip
        if not flow.access.take_state(state, session):
            return HTMLResponse("<p>This registration link expired or was not started here: "
                                '<a href="/setup">start again</a>.</p>', status_code=400)  # fmt: skip
        if not code or len(code) > 200 or not code.replace("-", "").replace("_", "").isalnum():
            return HTMLResponse("<p>GitHub sent no usable code: <a href=\"/setup\">start again</a>.</p>",
                                status_code=400)  # fmt: skip
        try:
            registration = flow.convert(code)
        except (ValueError, KeyError) as exc:
            log.warning("registration failed: %s", type(exc).__name__)
            return HTMLResponse("<p>GitHub did not confirm the registration: <a href=\"/setup\">start again</a>."
                                "</p>", status_code=502)  # fmt: skip
        if not flow.store.save_registration(registration):
            return HTMLResponse(html_page("Already registered", "<p>This service is already registered.</p>"),
                                status_code=409)  # fmt: skip
        log.info("registered as GitHub App %s (%s)", registration.app_id, registration.slug)
        flow.on_registered(registration)
        return RedirectResponse(f"{registration.html_url}/installations/new", status_code=303)

    async def not_yet(_request: Request) -> JSONResponse:
        return JSONResponse({"error": "not registered yet: open /setup"}, status_code=503)

    return Starlette(routes=[
        Route("/setup", setup),
        Route("/setup/callback", callback),
        Route("/webhook", not_yet, methods=["POST"]),
        Route("/healthz", healthz),
    ])  # fmt: skip


class ClosedSetup:
    """The service's routes once it has its App, with ``/setup`` and ``/setup/callback`` saying so:
    an operator who reloads the page, or follows GitHub back a second time, learns what happened
    instead of meeting a bare 404 (and no code is ever exchanged again)."""

    def __init__(self, inner: Any, registration: Registration | None) -> None:
        self.inner = inner
        if registration is None:
            said = ("<p>This service already has its GitHub App: its credentials are set in its environment "
                    "(<code>GITHUB_APP_ID</code>). There is nothing to register.</p>")  # fmt: skip
        else:
            install = html.escape(f"{registration.html_url}/installations/new", quote=True)
            said = (f"<p>This service is already registered as the GitHub App "
                    f"<code>{html.escape(registration.slug)}</code>. To review more repositories, "
                    f'<a href="{install}">install the App</a> on them.</p>')  # fmt: skip
        self.page = html_page("Already registered", said)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and scope["path"] in ("/setup", "/setup/callback"):
            status = 409 if scope["path"] == "/setup/callback" else 200
            await HTMLResponse(self.page, status_code=status)(scope, receive, send)
            return
        await self.inner(scope, receive, send)


class Switch:
    """An ASGI app whose routes change once: the setup routes until registered, then the service's."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        await self.inner(scope, receive, send)
