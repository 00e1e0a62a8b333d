"""Installation tokens that die before their time are replaced, once per call.

githubkit caches an installation token until a minute before the ``expires_at`` GitHub gave it.
A token can die sooner: revoked (the App was reinstalled, a token was leaked and revoked), or
expired early by GitHub's clock when ours runs late. githubkit then keeps sending the dead token
until its cache entry lapses, up to an hour: every call answers 401 and no check run can even be
created. ``RenewDeadToken`` sits in the retry chain: a 401 to an installation call drops that
token from the cache, so the retry asks GitHub for a new one (``POST
/app/installations/{id}/access_tokens``). A call is retried so once; a 401 with the new token
propagates, and ``refused_credentials`` words it for the check run.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from githubkit.cache import MemCacheStrategy
from githubkit.cache.mem_cache import MemCache
from githubkit.exception import GitHubException, RequestFailed
from githubkit.typing import RetryOption

from bot.github.rate_limit import answered

log = logging.getLogger("migration_guard.github")


class TokenCache(MemCache):
    """githubkit's memory cache, with a way to forget a token GitHub refused."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def set(self, key: str, value: str, ex: timedelta) -> None:
        with self._lock:
            super().set(key, value, ex)

    def drop(self, value: str) -> bool:
        """Forget every entry holding ``value``; whether one did (another thread may have already)."""
        with self._lock:
            keys = [key for key, item in self._cache.items() if item.value == value]
            for key in keys:
                del self._cache[key]
        return bool(keys)


class TokenCacheStrategy(MemCacheStrategy):
    """A ``MemCacheStrategy`` whose storage is a ``TokenCache`` (one per App: the installation
    clients share their parent's configuration, hence this cache)."""

    def get_cache_storage(self) -> TokenCache:
        if self._cache is None:
            self._cache = TokenCache()
        assert isinstance(self._cache, TokenCache)
        return self._cache


class RenewDeadToken:
    """Retry decision: a 401 to a call made with an installation token means the token died; drop
    it and retry at once (the retry fetches a new token). Once per call: githubkit counts a call's
    retries from 0, so the first failure of each call resets this thread's note."""

    def __init__(self, cache: TokenCacheStrategy) -> None:
        self.cache = cache
        self._calls = threading.local()

    def __call__(self, exc: GitHubException, retry_count: int) -> RetryOption:
        if retry_count == 0:
            self._calls.renewed = False
        if not (isinstance(exc, RequestFailed) and exc.response.status_code == 401):
            return RetryOption(False)
        header = exc.request.headers.get("authorization", "")
        if not header.startswith("token "):
            return RetryOption(False)  # the App's JWT itself was refused: a new token would not help
        self.cache.get_cache_storage().drop(header.removeprefix("token "))
        if getattr(self._calls, "renewed", False):
            log.error("GitHub refused a new installation token too (401 to %s)", exc.request.url)
            return RetryOption(False)
        self._calls.renewed = True
        log.warning("GitHub refused the installation token (401 to %s); retrying with a new one", exc.request.url)
        return RetryOption(True, timedelta(milliseconds=10))  # githubkit waits 60 s on a zero delay


def refused_credentials(exc: BaseException) -> str | None:
    """``"401 Bad credentials to GET /repos/…"`` when GitHub refused the App's credentials (an
    installation call, or asking for the token itself), else ``None``."""
    exc = answered(exc)
    if not (isinstance(exc, RequestFailed) and exc.response.status_code == 401):
        return None
    try:
        message = str(exc.response.raw_response.json().get("message", ""))[:200]
    except (ValueError, AttributeError):
        message = ""
    return f"401 {message or 'Unauthorized'} to {exc.request.method} {exc.request.url.path}"
