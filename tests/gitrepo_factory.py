"""Real git repositories in temporary folders, built commit by commit like a team would."""

from __future__ import annotations

import io
import json
import os
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from bot.cli import main

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def json(self) -> dict:
        return json.loads(self.out)

    @property
    def found(self) -> list[tuple[str, str, int | None]]:
        """(rule, path, line) of every finding, in report order."""
        return [(f["rule"], f["path"], f["line"]) for f in self.json["findings"]]

    def found_for(self, *rules: str) -> list[tuple[str, str, int | None]]:
        """Like ``found``, for the given rules only (other rules may rightly fire on the same text)."""
        return [f for f in self.found if f[0] in rules]

    def finding(self, rule: str) -> dict:
        matches = [f for f in self.json["findings"] if f["rule"] == rule]
        assert len(matches) == 1, matches
        return matches[0]


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    @classmethod
    def existing(cls, root: Path) -> Repo:
        """A folder that is already there (a clone, or not a repository at all)."""
        repo = cls.__new__(cls)
        repo.root = root
        return repo

    def git(self, *args: str) -> str:
        done = subprocess.run(["git", *args], cwd=self.root, env=GIT_ENV, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def write(self, path: str, text: str | bytes) -> Repo:
        file = self.root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            file.write_bytes(text)
        else:
            file.write_text(text, encoding="utf-8")
        return self

    def remove(self, path: str) -> Repo:
        self.git("rm", "-q", path)
        return self

    def move(self, old: str, new: str) -> Repo:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", old, new)
        return self

    def commit(self, message: str = "change") -> Repo:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self

    def branch(self, name: str) -> Repo:
        self.git("checkout", "-q", "-b", name)
        return self

    def checkout(self, name: str) -> Repo:
        self.git("checkout", "-q", name)
        return self

    def findings(self, base: str = "main", config: str | None = None) -> list:
        """The engine's findings (with suggestions), as the App sees them."""
        from bot.core.config import Config
        from bot.pipeline.configuration import read_config
        from bot.pipeline.engine import run
        from bot.pipeline.gitrepo import GitRepo
        from bot.pipeline.snapshot import build_changeset

        git = GitRepo(self.root)
        head, base_sha = git.resolve("HEAD"), git.resolve(base)
        assert head and base_sha
        cfg = read_config(config, "config") if config else Config()
        merge_base = git.merge_base(base_sha, head)
        assert merge_base
        base_tree = git.tree(base_sha)
        cs, _ = build_changeset(
            source=git,
            config=cfg,
            head_tree=git.tree(head),
            base_tree=base_tree,
            deployed_tree=base_tree,
            changes=git.changes(merge_base, head),
        )
        return list(run(cs, cfg).findings)

    def check(self, *args: str, fmt: str = "json") -> Outcome:
        """Run ``migration-guard check`` in-process, as the console script would."""
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["check", "--repo", str(self.root), "--format", fmt, "--no-cache", *args])
        return Outcome(code, out.getvalue(), err.getvalue())
