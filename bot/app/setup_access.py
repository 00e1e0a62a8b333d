"""Who may register the App: the operator, not whoever reaches a fresh service first.

A service in setup mode is reachable by anyone who knows its URL. Without a binding, a stranger
could load ``/setup``, take its ``state`` and finish ``/setup/callback`` with a code for an App of
their own: the service would then trust the stranger's webhook secret. So, as notebook servers
do, the service prints a setup token in its log at start; only the holder of the token (who can
read the log: the operator) opens a browser session (an HttpOnly cookie), and each ``state``
handed to GitHub is bound to the session that asked for it. A callback needs both the cookie and
a state bound to it. Every comparison of a secret is made in constant time.
"""

from __future__ import annotations

import hmac
import secrets
import threading

#: at most this many browser sessions and pages may be open at once; older ones expire
MAX_SESSIONS = 20
MAX_STATES = 20
COOKIE = "migration_guard_setup"


def _among(value: str, known: list[str]) -> str | None:
    """The element of ``known`` equal to ``value``, compared in constant time with each."""
    found = None
    for candidate in known:
        if hmac.compare_digest(candidate.encode(), value.encode()):
            found = candidate
    return found


class OperatorAccess:
    """The setup token, the browser sessions it opened and the states bound to them (in memory:
    a restart prints a new token and forgets every session)."""

    def __init__(self, token: str | None = None) -> None:
        self.token = token or secrets.token_urlsafe(32)
        self._sessions: list[str] = []
        self._states: list[tuple[str, str]] = []  # (state, session)
        self._lock = threading.Lock()

    def open_session(self, token: str) -> str | None:
        """A new session for the holder of the setup token; None for any other token."""
        if not token or not hmac.compare_digest(token.encode(), self.token.encode()):
            return None
        session = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions = [*self._sessions[-(MAX_SESSIONS - 1) :], session]
        return session

    def knows(self, session: str) -> bool:
        with self._lock:
            return bool(session) and _among(session, self._sessions) is not None

    def new_state(self, session: str) -> str:
        state = secrets.token_urlsafe(24)
        with self._lock:
            self._states = [*self._states[-(MAX_STATES - 1) :], (state, session)]
        return state

    def take_state(self, state: str, session: str) -> bool:
        """True once for a state handed to this very session; a state shown to another browser
        (or none at all) is refused and stays valid for the browser it belongs to."""
        if not state or not session:
            return False
        with self._lock:
            for pair in self._states:
                same_state = hmac.compare_digest(pair[0].encode(), state.encode())
                same_session = hmac.compare_digest(pair[1].encode(), session.encode())
                if same_state and same_session:
                    self._states.remove(pair)
                    return True
        return False
