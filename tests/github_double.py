"""A GitHub API double: the endpoints the App calls, over real HTTP, backed by a real git repository.

Answers with GitHub's documented JSON shapes (the bot parses them with githubkit's validation
on; objects start from the real webhook payloads in ``../shared/github-webhook-examples``),
checks authentication (App JWT, then installation tokens it issued), enforces the rules GitHub
enforces (50 annotations per check-run update, review comments only on diff lines), records
every request, and can inject faults and latency.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import re
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "github-webhook-examples"


#: GitHub lists at most this many files of a pull request (``GET /pulls/{n}/files``)
PR_FILES_LISTED = 3000
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def commentable_lines(patch: str) -> set[int]:
    """Head-side line numbers GitHub accepts a review comment on: added and context lines of the
    patch. Written here, independently of the product's own diff parser, so a bug in that one
    cannot hide behind the same bug in the double."""
    lines: set[int] = set()
    current = 0
    for row in patch.splitlines():
        start = _HUNK.match(row)
        if start:
            current = int(start.group(1))
        elif (row.startswith(("+", " ")) and current) or (row == "" and current):
            lines.add(current)
            current += 1
    return lines


def example(event: str, name: str) -> dict:
    return json.loads((EXAMPLES / event / name).read_text())


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict = field(default_factory=lambda: {"message": "Server Error"})
    delay: float = 0.0


@dataclass
class Hold:
    """The next matching call waits, unanswered, from ``arrived`` until the test sets ``released``:
    a worker frozen in a GitHub call, without sleeping."""

    method: str
    pattern: re.Pattern[str]
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    taken: bool = False
    skip: int = 0  # matching calls to let through first


@dataclass
class PullRequest:
    number: int
    base: str
    head_sha: str
    state: str = "open"


class GitHubDouble:
    def __init__(self, repo_root: Path, owner: str, name: str, app_id: int, public_key: str) -> None:
        self.root = repo_root
        self.owner = owner
        self.name = name
        self.app_id = app_id
        self.public_key = public_key
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.holds: list[Hold] = []
        self.latency = 0.0
        #: cleared, every request waits until it is set again (to see what happens before GitHub answers)
        self.gate = threading.Event()
        self.gate.set()
        self.tokens: set[str] = set()
        self.revoked: set[str] = set()  # tokens GitHub no longer accepts (revoked, or expired by its clock)
        self._revoke_on: list[tuple[str, re.Pattern[str]]] = []
        self.pulls: dict[int, PullRequest] = {}
        self.check_runs: dict[int, dict] = {}
        self.reviews: dict[int, list[dict]] = {}
        self.comments: dict[int, list[dict]] = {}
        self.minimized: set[str] = set()
        self.reactions: list[tuple[str, int, str]] = []  # (kind, comment id, content)
        self.conversation: dict[int, list[dict]] = {}  # issue comments the App posted, per PR
        self.permissions: dict[str, str] = {}  # login -> role name (default: read)
        self.deployments: list[dict] = []  # newest first: {"id", "sha", "ref", "environment", "state"}
        #: manifest-flow codes GitHub would accept once -> (App id, slug, private key PEM, webhook secret)
        self.manifest_codes: dict[str, tuple[int, str, str, str]] = {}
        #: where GitHub sends the App's webhooks, and the secret it signs them with (``deliver``)
        self.webhook_url: str | None = None
        self.webhook_secret = ""
        #: every delivery attempt, oldest first, as ``GET /app/hook/deliveries`` lists them (newest first)
        self.hook_deliveries: list[dict] = []
        self._delivered: dict[int, tuple[str, bytes]] = {}  # delivery id -> (event, body) for redelivery
        self._delivery_ids = 12_000_000_000
        self._ids = 1000
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self.url = ""
        self._diff_cache: dict[tuple[str, str], list[dict]] = {}
        self._pr_template = example("pull_request", "opened.payload.json")["pull_request"]
        self._check_template = example("check_run", "created.payload.json")["check_run"]
        self._comment_template = example("pull_request_review_comment", "created.payload.json")["comment"]

    # -- test controls -------------------------------------------------------------------
    def open_pr(self, number: int, base: str, head: str) -> PullRequest:
        pr = PullRequest(number, base, self.git("rev-parse", head).strip())
        self.pulls[number] = pr
        return pr

    def push(self, number: int, head: str) -> str:
        self.pulls[number].head_sha = self.git("rev-parse", head).strip()
        return self.pulls[number].head_sha

    def fail(self, method: str, pattern: str, status: int = 500, times: int = 1, **kw: Any) -> None:
        """The next ``times`` matching calls fail with ``status``; status 0 only delays them (``delay=``)."""
        self.faults.append(Fault(method, re.compile(pattern), status, times, **kw))

    def revoke_tokens(self) -> None:
        """Every installation token issued so far dies now, as a revoked (or early-expired) one
        does on GitHub: a call with it answers 401 "Bad credentials"; new ones are issued as usual."""
        with self._lock:
            self.revoked |= self.tokens
            self.tokens.clear()

    def revoke_tokens_on(self, method: str, pattern: str) -> None:
        """The first matching request finds every token issued so far revoked (it dies mid-review)."""
        self._revoke_on.append((method, re.compile(pattern)))

    def hold(self, method: str, pattern: str, skip: int = 0) -> Hold:
        """Hold the next call matching ``method`` and ``pattern`` (after ``skip`` of them) until
        ``released`` is set."""
        hold = Hold(method, re.compile(pattern), skip=skip)
        self.holds.append(hold)
        return hold

    def requests(self, method: str | None = None, pattern: str | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if (method is None or c.method == method) and (pattern is None or re.search(pattern, c.path))
        ]

    def git(self, *args: str, input: bytes | None = None) -> str:
        done = subprocess.run(["git", *args], cwd=self.root, capture_output=True, input=input, check=True)
        return done.stdout.decode("utf-8", "surrogateescape")

    def _id(self) -> int:
        with self._lock:
            self._ids += 1
            return self._ids

    # -- server --------------------------------------------------------------------------
    def start(self) -> GitHubDouble:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        config = uvicorn.Config(self.app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        threading.Thread(target=self._server.run, daemon=True).start()
        deadline = time.time() + 300
        while not self._server.started:
            if time.time() > deadline:
                raise RuntimeError("GitHub double did not start")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True

    def app(self) -> Starlette:
        routes = [
            Route("/app/installations/{installation_id:int}/access_tokens", self.access_token, methods=["POST"]),
            Route("/repos/{owner}/{repo}/pulls/{number:int}/files", self.pr_files),
            Route("/repos/{owner}/{repo}/pulls/{number:int}/reviews", self.reviews_endpoint, methods=["GET", "POST"]),
            Route("/repos/{owner}/{repo}/pulls/{number:int}/comments", self.review_comments),
            Route("/repos/{owner}/{repo}/pulls/{number:int}", self.pull),
            Route("/repos/{owner}/{repo}/compare/{basehead:path}", self.compare),
            Route("/repos/{owner}/{repo}/commits/{sha}/pulls", self.pulls_for_commit),
            Route("/repos/{owner}/{repo}/commits/{ref:path}/check-runs", self.check_runs_for_ref),
            Route("/repos/{owner}/{repo}/git/ref/{ref:path}", self.ref),
            Route("/repos/{owner}/{repo}/git/matching-refs/{ref:path}", self.matching_refs),
            Route("/repos/{owner}/{repo}/git/trees/{sha}", self.tree),
            Route("/repos/{owner}/{repo}/git/blobs/{sha}", self.blob),
            Route("/repos/{owner}/{repo}/tarball/{ref:path}", self.tarball),
            Route("/_codeload/{sha}.tar.gz", self.codeload),
            Route("/repos/{owner}/{repo}/check-runs", self.create_check_run, methods=["POST"]),
            Route("/repos/{owner}/{repo}/check-runs/{check_run_id:int}", self.update_check_run, methods=["PATCH"]),
            Route("/graphql", self.graphql, methods=["POST"]),
            Route("/repos/{owner}/{repo}/issues/comments/{comment_id:int}/reactions", self.reaction, methods=["POST"]),
            Route("/repos/{owner}/{repo}/pulls/comments/{comment_id:int}/reactions", self.reaction, methods=["POST"]),
            Route("/repos/{owner}/{repo}/issues/{number:int}/comments", self.issue_comment, methods=["POST"]),
            Route(
                "/repos/{owner}/{repo}/pulls/{number:int}/comments/{comment_id:int}/replies",
                self.review_reply,
                methods=["POST"],
            ),
            Route("/repos/{owner}/{repo}/collaborators/{user}/permission", self.permission),
            Route("/repos/{owner}/{repo}/deployments", self.list_deployments),
            Route("/repos/{owner}/{repo}/deployments/{deployment_id:int}/statuses", self.deployment_statuses),
            Route("/app-manifests/{code}/conversions", self.manifest_conversion, methods=["POST"]),
            Route("/app/hook/deliveries", self.list_hook_deliveries),
            Route("/app/hook/deliveries/{delivery_id:int}/attempts", self.redeliver, methods=["POST"]),
        ]
        app = Starlette(routes=routes)
        double = self

        async def middleware(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            await double._around(scope, receive, send, app)

        return middleware  # type: ignore[return-value]

    async def _around(self, scope: Any, receive: Any, send: Any, app: Starlette) -> None:
        import asyncio

        request = Request(scope, receive)
        raw = await request.body()
        body = json.loads(raw) if raw else None
        path = scope["path"]
        query = dict(request.query_params)
        if self.latency:
            await asyncio.sleep(self.latency)
        while not self.gate.is_set():
            await asyncio.sleep(0.01)
        hold = self._take_hold(scope["method"], path)
        if hold is not None:
            hold.arrived.set()
            while not hold.released.is_set():
                await asyncio.sleep(0.01)
        status_box: dict[str, int] = {}

        async def replay() -> dict:
            return {"type": "http.request", "body": raw, "more_body": False}

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                status_box["status"] = message["status"]
            await send(message)

        for trigger in list(self._revoke_on):
            if trigger[0] == scope["method"] and trigger[1].search(path):
                self._revoke_on.remove(trigger)
                self.revoke_tokens()
        fault = self._take_fault(scope["method"], path)
        if fault is not None and fault.status == 0:  # a slow answer, otherwise the real one
            await asyncio.sleep(fault.delay)
            fault = None
        if fault is not None:
            self.calls.append(Call(scope["method"], path, query, body, fault.status))
            if fault.delay:
                await asyncio.sleep(fault.delay)
            response = JSONResponse(fault.body, status_code=fault.status, headers=fault.headers)
            await response(scope, replay, send)
            return
        denied = self._auth_problem(path, request.headers.get("authorization", ""))
        if denied:
            self.calls.append(Call(scope["method"], path, query, body, 401))
            answer = {"message": denied, "documentation_url": "https://docs.github.com/rest", "status": "401"}
            await JSONResponse(answer, status_code=401)(scope, replay, send)
            return
        await app(scope, replay, capture)
        self.calls.append(Call(scope["method"], path, query, body, status_box.get("status", 0)))

    def _take_hold(self, method: str, path: str) -> Hold | None:
        with self._lock:
            for hold in self.holds:
                if not hold.taken and hold.method == method and hold.pattern.search(path):
                    if hold.skip:
                        hold.skip -= 1
                        continue
                    hold.taken = True
                    return hold
        return None

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and fault.pattern.search(path):
                    fault.times -= 1
                    return fault
        return None

    def _auth_problem(self, path: str, header: str) -> str | None:
        if path.startswith("/_codeload/"):
            return None  # like codeload.github.com: the redirect URL itself is the credential
        if path.startswith("/app-manifests/"):
            return None  # the manifest flow's one-time code is the credential
        if path.startswith("/app/"):
            if not header.startswith("Bearer "):
                return "App JWT required"
            try:
                claims = jwt.decode(header[7:], self.public_key, algorithms=["RS256"])
            except jwt.PyJWTError as exc:
                return f"bad JWT: {exc}"
            return None if str(claims.get("iss")) == str(self.app_id) else "JWT issuer is not the App"
        token = header.removeprefix("token ").removeprefix("Bearer ")
        return None if token in self.tokens else "Bad credentials"

    # -- endpoints -----------------------------------------------------------------------
    async def access_token(self, request: Request) -> JSONResponse:
        token = f"ghs_{self._id():036d}"
        self.tokens.add(token)
        expires = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return JSONResponse(
            {"token": token, "expires_at": expires, "permissions": {"checks": "write"}, "repository_selection": "all"},
            status_code=201,
        )

    def _api(self, suffix: str) -> str:
        return f"{self.url}/repos/{self.owner}/{self.name}/{suffix}"

    async def ref(self, request: Request) -> JSONResponse:
        ref = request.path_params["ref"]
        try:
            sha = self.git("rev-parse", "--verify", "--quiet", f"refs/{ref}^{{commit}}").strip()
        except subprocess.CalledProcessError:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        return JSONResponse(
            {
                "ref": f"refs/{ref}",
                "node_id": "REF_" + sha[:8],
                "url": self._api(f"git/refs/{ref}"),
                "object": {"type": "commit", "sha": sha, "url": self._api(f"git/commits/{sha}")},
            }
        )

    async def matching_refs(self, request: Request) -> JSONResponse:
        prefix = request.path_params["ref"]
        out = self.git("for-each-ref", "--format=%(refname) %(objectname)", f"refs/{prefix.rsplit('/', 1)[0]}/")
        items = []
        for line in out.splitlines():
            ref, sha = line.split()
            if ref.startswith(f"refs/{prefix}"):
                items.append({"ref": ref, "node_id": "REF", "url": self._api(f"git/{ref}"),
                              "object": {"type": "commit", "sha": sha, "url": self._api(f"git/commits/{sha}")}})  # fmt: skip
        return JSONResponse(items)

    async def tree(self, request: Request) -> JSONResponse:
        sha = request.path_params["sha"]
        out = self.git("ls-tree", "-r", "-t", "-l", "-z", "--full-tree", sha)
        items = []
        for record in out.split("\0"):
            if not record:
                continue
            meta, _, path = record.partition("\t")
            mode, kind, obj, size = meta.split()
            item = {"path": path, "mode": mode, "type": kind, "sha": obj, "url": self._api(f"git/{kind}s/{obj}")}
            if kind == "blob":
                item["size"] = int(size)
            items.append(item)
        tree_sha = self.git("rev-parse", f"{sha}^{{tree}}").strip()
        return JSONResponse(
            {"sha": tree_sha, "url": self._api(f"git/trees/{tree_sha}"), "truncated": False, "tree": items}
        )

    async def blob(self, request: Request) -> JSONResponse:
        sha = request.path_params["sha"]
        done = subprocess.run(["git", "cat-file", "blob", sha], cwd=self.root, capture_output=True)
        if done.returncode != 0:  # as GitHub answers for a SHA that is no blob of the repository
            return JSONResponse({"message": "Not Found", "documentation_url": "https://docs.github.com/rest/git/blobs#get-a-blob",
                                 "status": "404"}, status_code=404)  # fmt: skip
        data = done.stdout
        return JSONResponse(
            {
                "sha": sha,
                "node_id": "BLOB_" + sha[:8],
                "size": len(data),
                "url": self._api(f"git/blobs/{sha}"),
                "content": base64.encodebytes(data).decode(),
                "encoding": "base64",
            }
        )

    async def tarball(self, request: Request) -> Response:
        sha = self.git("rev-parse", request.path_params["ref"]).strip()
        return Response(status_code=302, headers={"location": f"{self.url}/_codeload/{sha}.tar.gz"})

    async def codeload(self, request: Request) -> Response:
        sha = request.path_params["sha"]
        prefix = f"{self.owner}-{self.name}-{sha[:7]}/"
        data = subprocess.run(
            ["git", "archive", "--format=tar.gz", f"--prefix={prefix}", sha],
            cwd=self.root,
            capture_output=True,
            check=True,
        ).stdout
        return Response(data, media_type="application/x-gzip")

    def _diff_entries(self, pr: PullRequest) -> list[dict]:
        """Every file of the pull request's diff (from its merge base), as GitHub lists them, cached
        per (merge base, head): each page of a 3,000-file listing asks again."""
        base = self.git("merge-base", f"refs/heads/{pr.base}", pr.head_sha).strip()
        key = (base, pr.head_sha)
        if key not in self._diff_cache:
            self._diff_cache[key] = self._diff(base, pr.head_sha)
        return self._diff_cache[key]

    def _diff(self, base: str, head: str) -> list[dict]:
        raw = self.git("diff", "--raw", "-z", "-M", "--no-abbrev", base, head).split("\0")
        patches: dict[str, str] = {}
        for part in self.git("diff", "--no-color", "-M", base, head).split("\ndiff --git ")[0:]:
            header, _, body = part.partition("\n")
            name = header.removeprefix("diff --git ").rsplit(" b/", 1)[-1]
            at = body.find("\n@@")
            patches[name] = body[at + 1 :] if at != -1 else ""
        entries = []
        i = 0
        while i < len(raw) - 1:
            meta = raw[i]
            if not meta.startswith(":"):
                i += 1
                continue
            _, _, old_sha, new_sha, status = meta[1:].split(" ")
            if status[0] == "R":
                old, new = raw[i + 1], raw[i + 2]
                i += 3
            else:
                old = new = raw[i + 1]
                i += 2
            hunks = patches.get(new, "")
            hunks = hunks.encode("utf-8", "surrogateescape").decode("utf-8", "replace")  # as GitHub shows bad bytes
            added = sum(1 for line in hunks.splitlines() if line.startswith("+"))
            removed = sum(1 for line in hunks.splitlines() if line.startswith("-"))
            kind = {"A": "added", "D": "removed", "M": "modified", "R": "renamed"}.get(status[0], "modified")
            entry = {
                "sha": new_sha if kind != "removed" else old_sha,
                "filename": new,
                "status": kind,
                "additions": added,
                "deletions": removed,
                "changes": added + removed,
                "blob_url": f"https://github.com/{self.owner}/{self.name}/blob/{head}/{new}",
                "raw_url": f"https://github.com/{self.owner}/{self.name}/raw/{head}/{new}",
                "contents_url": self._api(f"contents/{new}?ref={head}"),
            }
            if hunks:
                entry["patch"] = hunks.rstrip("\n")
            if kind == "renamed":
                entry["previous_filename"] = old
            entries.append(entry)
        return entries

    def _paged(self, request: Request, items: list) -> JSONResponse:
        per_page = int(request.query_params.get("per_page", 30))
        page = int(request.query_params.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            headers["link"] = f'<{self.url}{request.url.path}?per_page={per_page}&page={page + 1}>; rel="next"'
        return JSONResponse(chunk, headers=headers)

    async def pr_files(self, request: Request) -> JSONResponse:
        """As GitHub: "Responses include a maximum of 3000 files" (files past it are not listed)."""
        pr = self.pulls[request.path_params["number"]]
        return self._paged(request, self._diff_entries(pr)[:PR_FILES_LISTED])

    async def compare(self, request: Request) -> JSONResponse:
        """``GET /compare/{base}...{head}``: the merge base and the commits (one page; files omitted)."""
        base, _, head = request.path_params["basehead"].partition("...")
        base_sha, head_sha = self.git("rev-parse", base).strip(), self.git("rev-parse", head).strip()
        merge_base = self.git("merge-base", base_sha, head_sha).strip()
        commits = self.git("rev-list", "--reverse", f"{merge_base}..{head_sha}").split()
        behind = len(self.git("rev-list", f"{merge_base}..{base_sha}").split())
        per_page = int(request.query_params.get("per_page", 250))
        compare = f"{base}...{head}"
        return JSONResponse({
            "url": self._api(f"compare/{compare}"),
            "html_url": f"https://github.com/{self.owner}/{self.name}/compare/{compare}",
            "permalink_url": f"https://github.com/{self.owner}/{self.name}/compare/{compare}",
            "diff_url": f"https://github.com/{self.owner}/{self.name}/compare/{compare}.diff",
            "patch_url": f"https://github.com/{self.owner}/{self.name}/compare/{compare}.patch",
            "base_commit": self._commit(base_sha),
            "merge_base_commit": self._commit(merge_base),
            "status": "identical" if not commits and not behind else "ahead" if not behind else
                      "behind" if not commits else "diverged",
            "ahead_by": len(commits),
            "behind_by": behind,
            "total_commits": len(commits),
            "commits": [self._commit(sha) for sha in commits[:per_page]],
        })  # fmt: skip

    def _commit(self, sha: str) -> dict:
        return {
            "url": self._api(f"commits/{sha}"), "sha": sha, "node_id": f"C_{sha[:10]}",
            "html_url": f"https://github.com/{self.owner}/{self.name}/commit/{sha}",
            "comments_url": self._api(f"commits/{sha}/comments"),
            "commit": {"url": self._api(f"git/commits/{sha}"), "author": None, "committer": None, "message": "",
                       "comment_count": 0, "tree": {"sha": self.git("rev-parse", f"{sha}^{{tree}}").strip(),
                                                    "url": self._api(f"git/trees/{sha}")}},
            "author": None, "committer": None, "parents": [],
        }  # fmt: skip

    def _pr_json(self, pr: PullRequest) -> dict:
        data = copy.deepcopy(self._pr_template)
        data["number"] = pr.number
        data["labels"] = []  # the 2019 example predates label fields the current schema requires
        data["state"] = pr.state
        data["head"]["sha"] = pr.head_sha
        data["base"]["ref"] = pr.base
        data["base"]["sha"] = self.git("rev-parse", f"refs/heads/{pr.base}").strip()
        data["changed_files"] = len(self._diff_entries(pr))
        return data

    async def pull(self, request: Request) -> JSONResponse:
        pr = self.pulls.get(request.path_params["number"])
        if pr is None:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        return JSONResponse(self._pr_json(pr))

    async def pulls_for_commit(self, request: Request) -> JSONResponse:
        sha = request.path_params["sha"]
        return JSONResponse([self._pr_json(pr) for pr in self.pulls.values() if pr.head_sha == sha])

    # -- checks --------------------------------------------------------------------------
    async def create_check_run(self, request: Request) -> JSONResponse:
        data = await request.json()
        run = copy.deepcopy(self._check_template)
        run_id = self._id()
        run.update(
            id=run_id,
            node_id=f"CR_{run_id}",
            name=data["name"],
            head_sha=data["head_sha"],
            external_id=data.get("external_id", ""),
            status=data.get("status", "queued"),
            conclusion=data.get("conclusion"),
            started_at=data.get("started_at", _now()),
            completed_at=None,
            details_url=data.get("details_url"),
            url=self._api(f"check-runs/{run_id}"),
            html_url=f"https://github.com/{self.owner}/{self.name}/runs/{run_id}",
        )
        run["output"] = {
            "title": (data.get("output") or {}).get("title"),
            "summary": (data.get("output") or {}).get("summary"),
            "text": None,
            "annotations_count": 0,
            "annotations_url": self._api(f"check-runs/{run_id}/annotations"),
        }
        run["pull_requests"] = []
        run["annotations"] = []
        self.check_runs[run_id] = run
        return JSONResponse(self._public_run(run), status_code=201)

    @staticmethod
    def _public_run(run: dict) -> dict:
        return {k: v for k, v in run.items() if k != "annotations"}

    async def update_check_run(self, request: Request) -> JSONResponse:
        run = self.check_runs.get(request.path_params["check_run_id"])
        if run is None:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        data = await request.json()
        output = data.get("output") or {}
        annotations = output.get("annotations") or []
        if len(annotations) > 50:
            return JSONResponse({"message": "Only 50 annotations are allowed per request"}, status_code=422)
        for key in ("status", "conclusion", "completed_at", "details_url"):
            if key in data:
                run[key] = data[key]
        if data.get("conclusion") and "status" not in data:
            run["status"] = "completed"
        if output:
            run["output"]["title"] = output.get("title", run["output"]["title"])
            run["output"]["summary"] = output.get("summary", run["output"]["summary"])
            run["annotations"].extend(annotations)
            run["output"]["annotations_count"] = len(run["annotations"])
        return JSONResponse(self._public_run(run))

    async def check_runs_for_ref(self, request: Request) -> JSONResponse:
        ref = request.path_params["ref"]
        name = request.query_params.get("check_name")
        runs = [
            self._public_run(r)
            for r in self.check_runs.values()
            if r["head_sha"] == ref and (name is None or r["name"] == name)
        ]
        return JSONResponse({"total_count": len(runs), "check_runs": runs})

    # -- reviews -------------------------------------------------------------------------
    async def reviews_endpoint(self, request: Request) -> JSONResponse:
        number = request.path_params["number"]
        if request.method == "GET":
            return self._paged(request, self.reviews.get(number, []))
        pr = self.pulls[number]
        data = await request.json()
        diff_lines = {}
        for entry in self._diff_entries(pr):
            diff_lines[entry["filename"]] = commentable_lines(entry.get("patch", ""))
        for comment in data.get("comments", []):
            if comment.get("line") not in diff_lines.get(comment.get("path"), set()):
                return JSONResponse(
                    {
                        "message": "Unprocessable Entity",
                        "errors": ["Pull request review thread line must be part of the diff"],
                        "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
                        "status": "422",
                    },
                    status_code=422,
                )
        review_id = self._id()
        user = self._user()  # created with the installation token: authored by the App's bot user
        review = {
            "id": review_id,
            "node_id": f"PRR_{review_id}",
            "user": user,
            "body": data.get("body", ""),
            "state": "COMMENTED",
            "html_url": f"https://github.com/{self.owner}/{self.name}/pull/{number}#pullrequestreview-{review_id}",
            "pull_request_url": self._api(f"pulls/{number}"),
            "_links": {"html": {"href": "https://github.com/"}, "pull_request": {"href": self._api(f"pulls/{number}")}},
            "commit_id": data.get("commit_id") or pr.head_sha,
            "submitted_at": _now(),
            "author_association": "NONE",
        }
        self.reviews.setdefault(number, []).append(review)
        for comment in data.get("comments", []):
            c = copy.deepcopy(self._comment_template)
            comment_id = self._id()
            c.update(
                id=comment_id,
                node_id=f"PRRC_{comment_id}",
                pull_request_review_id=review_id,
                path=comment["path"],
                line=comment["line"],
                original_line=comment["line"],
                side=comment.get("side", "RIGHT"),
                body=comment["body"],
                user=self._user(),
                commit_id=review["commit_id"],
                original_commit_id=review["commit_id"],
                url=self._api(f"pulls/comments/{comment_id}"),
            )
            self.comments.setdefault(number, []).append(c)
        return JSONResponse(review)

    async def review_comments(self, request: Request) -> JSONResponse:
        return self._paged(request, self.comments.get(request.path_params["number"], []))

    async def graphql(self, request: Request) -> JSONResponse:
        data = await request.json()
        if "minimizeComment" in data.get("query", ""):
            node_id = data["variables"]["id"]
            self.minimized.add(node_id)
            return JSONResponse({"data": {"minimizeComment": {"minimizedComment": {"isMinimized": True}}}})
        return JSONResponse({"errors": [{"type": "NOT_SUPPORTED", "message": "query not supported by the double"}]})

    # -- conversation ----------------------------------------------------------------------
    def _user(self, login: str = "migration-guard[bot]", kind: str = "Bot") -> dict:
        user = copy.deepcopy(self._comment_template["user"])
        user.update(login=login, type=kind)
        return user

    async def reaction(self, request: Request) -> JSONResponse:
        data = await request.json()
        kind = "review" if "/pulls/" in request.url.path else "issue"
        self.reactions.append((kind, request.path_params["comment_id"], data["content"]))
        return JSONResponse(
            {
                "id": self._id(),
                "node_id": "REA",
                "user": self._user(),
                "content": data["content"],
                "created_at": _now(),
            },
            status_code=201,
        )

    async def issue_comment(self, request: Request) -> JSONResponse:
        data = await request.json()
        number = request.path_params["number"]
        comment_id = self._id()
        comment = {
            "id": comment_id, "node_id": f"IC_{comment_id}", "url": self._api(f"issues/comments/{comment_id}"),
            "html_url": f"https://github.com/{self.owner}/{self.name}/pull/{number}#issuecomment-{comment_id}",
            "user": self._user(), "created_at": _now(), "updated_at": _now(), "issue_url": self._api(f"issues/{number}"),
            "body": data["body"], "author_association": "NONE",
        }  # fmt: skip
        self.conversation.setdefault(number, []).append(comment)
        return JSONResponse(comment, status_code=201)

    async def review_reply(self, request: Request) -> JSONResponse:
        data = await request.json()
        number = request.path_params["number"]
        c = copy.deepcopy(self._comment_template)
        comment_id = self._id()
        c.update(id=comment_id, node_id=f"PRRC_{comment_id}", body=data["body"],
                 in_reply_to_id=request.path_params["comment_id"])  # fmt: skip
        self.conversation.setdefault(number, []).append(c)
        return JSONResponse(c, status_code=201)

    async def permission(self, request: Request) -> JSONResponse:
        login = request.path_params["user"]
        role = self.permissions.get(login, "read")
        legacy = {"maintain": "write", "triage": "read"}.get(role, role)
        user = {**self._user(login, "User"), "role_name": role}
        return JSONResponse({"permission": legacy, "role_name": role, "user": user})

    async def list_deployments(self, request: Request) -> JSONResponse:
        environment = request.query_params.get("environment")
        items = []
        for d in self.deployments:
            if environment and d["environment"] != environment:
                continue
            items.append({
                "url": self._api(f"deployments/{d['id']}"), "id": d["id"], "node_id": f"DE_{d['id']}", "sha": d["sha"],
                "ref": d["ref"], "task": "deploy", "payload": {}, "environment": d["environment"], "description": None,
                "creator": self._user("deployer", "User"), "created_at": _now(), "updated_at": _now(),
                "statuses_url": self._api(f"deployments/{d['id']}/statuses"), "repository_url": self._api(""),
            })  # fmt: skip
        return JSONResponse(items)

    async def deployment_statuses(self, request: Request) -> JSONResponse:
        d = next(d for d in self.deployments if d["id"] == request.path_params["deployment_id"])
        return JSONResponse([{
            "url": self._api(f"deployments/{d['id']}/statuses/1"), "id": d["id"] * 10, "node_id": "DS", "state": d["state"],
            "creator": self._user("deployer", "User"), "created_at": _now(), "updated_at": _now(),
            "deployment_url": self._api(f"deployments/{d['id']}"), "repository_url": self._api(""),
        }])  # fmt: skip

    # -- webhook deliveries -----------------------------------------------------------------
    def deliver(self, event: str, payload: dict, guid: str | None = None, *, redelivery: bool = False,
                recorded_status: int | None = None) -> dict:  # fmt: skip
        """Send a webhook to ``webhook_url`` as GitHub does (signed, ``X-GitHub-Delivery: guid``) and
        record the attempt with the answer: ``status_code`` 0 when nothing answered (the service is
        down). ``recorded_status`` records another outcome than the real one (GitHub stopped
        waiting after 10 s and recorded a timeout, though the service got the body)."""
        import hashlib
        import hmac
        import uuid

        import httpx

        guid = guid or str(uuid.uuid4())
        body = json.dumps(payload).encode()
        signature = "sha256=" + hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        started = time.perf_counter()
        try:
            answer = httpx.post(self.webhook_url or "http://127.0.0.1:9/webhook", content=body, timeout=30, headers={
                "X-GitHub-Event": event, "X-GitHub-Delivery": guid, "X-Hub-Signature-256": signature,
                "Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/double"})  # fmt: skip
            status_code, status = answer.status_code, "OK" if answer.is_success else f"Invalid HTTP Response: {answer.status_code}"
        except httpx.HTTPError:
            status_code, status = 0, "failed to connect to host"
        if recorded_status is not None:
            status_code, status = recorded_status, "timed out" if recorded_status >= 500 else f"Invalid HTTP Response: {recorded_status}"
        with self._lock:
            self._delivery_ids += 1
            delivery_id = self._delivery_ids
            attempt = {
                "id": delivery_id, "guid": guid, "delivered_at": _now(), "redelivery": redelivery,
                "duration": round(time.perf_counter() - started, 2), "status": status, "status_code": status_code,
                "event": event, "action": payload.get("action"),
                "installation_id": (payload.get("installation") or {}).get("id"),
                "repository_id": (payload.get("repository") or {}).get("id"),
            }  # fmt: skip
            self.hook_deliveries.append(attempt)
            self._delivered[delivery_id] = (event, body)
        return attempt

    async def list_hook_deliveries(self, request: Request) -> JSONResponse:
        """GET /app/hook/deliveries: newest first, ``per_page`` (default 30, at most 100), paged by an
        opaque ``cursor`` named in the ``Link`` header (GitHub's shape for "List deliveries for an
        app webhook")."""
        per_page = min(int(request.query_params.get("per_page", 30)), 100)
        newest_first = list(reversed(self.hook_deliveries))
        cursor = request.query_params.get("cursor")
        start = 0
        if cursor:
            start = next((i for i, d in enumerate(newest_first) if f"v1_{d['id']}" == cursor), len(newest_first))
        page = newest_first[start : start + per_page]
        headers = {}
        if start + per_page < len(newest_first):
            following = newest_first[start + per_page]["id"]
            headers["link"] = f'<{self.url}/app/hook/deliveries?per_page={per_page}&cursor=v1_{following}>; rel="next"'
        return JSONResponse(page, headers=headers)

    async def redeliver(self, request: Request) -> JSONResponse:
        """POST /app/hook/deliveries/{id}/attempts: 202, then the same body is delivered again with
        the same ``guid`` and a fresh signature (from a thread, as GitHub does it after answering)."""
        delivery_id = request.path_params["delivery_id"]
        found = self._delivered.get(delivery_id)
        if found is None:
            return JSONResponse({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
                                status_code=404)  # fmt: skip
        event, body = found
        guid = next(d["guid"] for d in self.hook_deliveries if d["id"] == delivery_id)
        threading.Thread(target=self.deliver, args=(event, json.loads(body), guid), kwargs={"redelivery": True},
                         daemon=True).start()  # fmt: skip
        return JSONResponse({}, status_code=202)

    # -- views for assertions ------------------------------------------------------------
    async def manifest_conversion(self, request: Request) -> JSONResponse:
        """POST /app-manifests/{code}/conversions: the App GitHub created from a manifest, with its
        secrets (documented shape, abridged to what a client reads); the code works once."""
        found = self.manifest_codes.pop(request.path_params["code"], None)
        if found is None:
            return JSONResponse({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
                                status_code=404)  # fmt: skip
        app_id, slug, pem, secret = found
        return JSONResponse({
            "id": app_id, "slug": slug, "node_id": f"A_{app_id}", "name": "Migration Guard",
            "owner": self._user(self.owner, "Organization"), "description": "", "external_url": "https://example.com",
            "html_url": f"https://github.com/apps/{slug}", "created_at": _now(), "updated_at": _now(),
            "permissions": {}, "events": [], "client_id": f"Iv1.{app_id:016x}", "client_secret": "client-secret",
            "webhook_secret": secret, "pem": pem,
        }, status_code=201)  # fmt: skip

    def live_comments(self, number: int) -> list[dict]:
        return [c for c in self.comments.get(number, []) if c["node_id"] not in self.minimized]


def wait_for(condition: Callable[[], Any], timeout: float = 300.0, what: str = "condition") -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")
