"""How much code a migration holds: the size bound counts statements, not comments or blank lines.

The analysis bound (``limits.max_bytes``) exists to bound the parser's work, and comments cost a
parser almost nothing; counted as code they let anyone push a dangerous migration past the bound
with a megabyte of ``--`` lines. This is a count, not a parse: strings are kept (a comment marker
inside one is code), every pattern always matches or moves on, so the cost is linear in the text
whatever it holds (an unclosed quote or block comment runs to the end once, never again).
"""

from __future__ import annotations

import re

_PY_STRINGS = r'"""[\s\S]*?(?:"""|\Z)|\'\'\'[\s\S]*?(?:\'\'\'|\Z)|"(?:[^"\\\n]|\\.)*+"?|\'(?:[^\'\\\n]|\\.)*+\'?'
_C_STRINGS = r'"(?:[^"\\\n]|\\.)*+"?|\'(?:[^\'\\\n]|\\.)*+\'?|`(?:[^`\\]|\\[\s\S])*+`?'
_BLOCK = r"/\*[\s\S]*?(?:\*/|\Z)"

#: (comment alternatives, string alternatives) per source language, by file suffix
_LEXERS: dict[tuple[str, ...], re.Pattern[str]] = {
    (".py",): re.compile(rf"(?P<c>#[^\n]*)|(?P<s>{_PY_STRINGS})"),
    (".rb",): re.compile(rf"(?P<c>#[^\n]*|^=begin\b[\s\S]*?(?:^=end\b|\Z))|(?P<s>{_C_STRINGS})", re.MULTILINE),
    (".js", ".cjs", ".mjs", ".ts", ".cts", ".mts"): re.compile(rf"(?P<c>//[^\n]*|{_BLOCK})|(?P<s>{_C_STRINGS})"),
    (".php",): re.compile(rf"(?P<c>//[^\n]*|#(?!\[)[^\n]*|{_BLOCK})|(?P<s>{_C_STRINGS})"),
}
_SQL = re.compile(
    rf"(?P<c>--[^\n]*|^[ \t]*#[^\n]*|{_BLOCK})|(?P<s>'(?:[^']|'')*+'?|\"[^\"]*+\"?|`[^`]*+`?)", re.MULTILINE
)
_SPACE = re.compile(r"\s+")


def without_comments(path: str, text: str) -> str:
    """The text with its comments removed (strings kept) and every line where it was (a block
    comment leaves its newlines); SQL for any suffix not known here."""
    lexer = next((lexer for suffixes, lexer in _LEXERS.items() if path.endswith(suffixes)), _SQL)
    return lexer.sub(lambda m: "\n" * m.group(0).count("\n") if m.group("c") is not None else m.group(0), text)


def code_bytes(path: str, text: str) -> int:
    """UTF-8 bytes of the text outside comments, whitespace not counted."""
    return len(_SPACE.sub("", without_comments(path, text)).encode("utf-8", "surrogatepass"))


_BRACKETS = re.compile(r"[()\[\]{}]")


def nesting_depth(text: str, stop_at: int) -> int:
    """The deepest bracket nesting of ``text`` (quotes not excluded: a bound, not a parse)."""
    depth = deepest = 0
    for char in _BRACKETS.findall(text):  # only the brackets: a loop over every character was most of the bound's cost
        if char in "([{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_at:
                    return deepest
        elif char in ")]}" and depth:
            depth -= 1
    return deepest
