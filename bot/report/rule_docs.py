"""A rule's documentation, from one source (the rule module: its docstring and ``EXAMPLES``),
rendered for the terminal (``migration-guard explain``) and as HTML pages (``/rules``,
``/rules/<id>`` on the App, where review comments link)."""

from __future__ import annotations

import html
import re

from bot.frameworks import BY_NAME, traits_of
from rules import RULES, Rule


def label(front_end: str) -> str:
    """``sql`` examples are plain SQL files, ``history`` ones a list of files added on the base
    branch and on the pull request's branch; the others name a framework, labelled as it likes."""
    if front_end in _LABELS:
        return _LABELS[front_end]
    return traits_of(front_end).display if front_end in BY_NAME else front_end


_LABELS = {"sql": "SQL", "history": "files added on main and on the branch; `<-` names an Alembic parent"}


def default_said(rule: Rule) -> str:
    """"warning", or "off (notice when on)" for a rule of taste."""
    return rule.severity.label if rule.on_by_default else f"off ({rule.severity.label} when on)"


def as_text(rule: Rule) -> str:
    head = f"{rule.id} ({rule.severity.label} by default)" if rule.on_by_default else (
        f"{rule.id} (off by default; turn it on with `rules: {{{rule.id}: {rule.severity.label}}}`)")
    also = [f"Also accepted as: {', '.join(rule.aliases)}."] if rule.aliases else []
    parts = [head, "", rule.explanation, *(["", *also] if also else [])]
    for front_end, (bad, safe) in rule.examples.items():
        name = label(front_end)
        parts += ["", f"Found ({name}):", _indented(bad), "", f"Safe ({name}):", _indented(safe)]
    return "\n".join(parts)


def _indented(code: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in code.splitlines())


_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1f2328}"
    "code,pre{font:14px ui-monospace,monospace;background:#f6f8fa;border-radius:6px}"
    "pre{padding:.8rem;overflow:auto}code{padding:.1rem .3rem}pre code{padding:0}"
    ".bad{border-left:4px solid #cf222e}.safe{border-left:4px solid #1a7f37}"
    "table{border-collapse:collapse}td,th{padding:.3rem .8rem;border-bottom:1px solid #d0d7de;text-align:left}"
    ".error{color:#cf222e}.warning{color:#9a6700}.notice{color:#0969da}.off{color:#59636e}"
)


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body>{body}</body></html>")  # fmt: skip


def _inline(text: str) -> str:
    """Our docstrings' `code` spans as <code>, everything else escaped."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def as_html(rule: Rule) -> str:
    paragraphs = [p.replace("\n", " ") for p in rule.explanation.split("\n\n") if p.strip()]
    body = [f"<p><a href=\"/rules\">All rules</a></p><h1><code>{rule.id}</code></h1>",
            f'<p class="{rule.default_label}"><strong>{html.escape(default_said(rule))}</strong> by default</p>']  # fmt: skip
    body += [f"<p>{_inline(p)}</p>" for p in paragraphs]
    for front_end, (bad, safe) in rule.examples.items():
        body += [f"<h2>{html.escape(label(front_end))}</h2>", "<p>Found:</p>",
                 f'<pre class="bad"><code>{html.escape(bad)}</code></pre>', "<p>Safe:</p>",
                 f'<pre class="safe"><code>{html.escape(safe)}</code></pre>']  # fmt: skip
    return _page(f"{rule.id} · Migration Guard", "".join(body))


def index_html() -> str:
    rows = "".join(
        f'<tr><td><a href="/rules/{r.id}"><code>{r.id}</code></a></td>'
        f'<td class="{r.default_label}">{html.escape(default_said(r))}</td><td>{_inline(r.summary)}</td></tr>'
        for r in RULES.values()
    )
    table = f"<table><tr><th>Rule</th><th>Default</th><th>What it catches</th></tr>{rows}</table>"
    return _page("Rules · Migration Guard", f"<h1>Migration Guard rules</h1>{table}")


#: the README's rule tables, by the groups each lists (``tools/generate_docs.py`` writes them
#: between ``<!-- rules:NAME -->`` and ``<!-- /rules:NAME -->``; a test keeps them current)
README_TABLES = {"history": ("history", "rollback", "suppressions"), "zero-downtime": ("zero-downtime", "hygiene"),
                 "style": ("style",)}  # fmt: skip


def readme_table(groups: tuple[str, ...]) -> str:
    rows = [f"| `{r.id}` | {default_said(r)} | {r.catches} |" for r in RULES.values() if r.group in groups]
    return "\n".join(["| rule | default | what it catches |", "|---|---|---|", *rows])


def with_readme_tables(readme: str) -> str:
    """``readme`` with every generated rule table replaced by the current one."""
    for name, groups in README_TABLES.items():
        start, end = f"<!-- rules:{name} -->", f"<!-- /rules:{name} -->"
        if start not in readme or end not in readme:
            raise ValueError(f"README.md: the markers {start} and {end} are missing")
        head, rest = readme.split(start, 1)
        _, tail = rest.split(end, 1)
        readme = f"{head}{start}\n{readme_table(groups)}\n{end}{tail}"
    return readme
