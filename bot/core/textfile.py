"""Turning blob bytes into text, or into a clear reason why not.

A migration the tool cannot read is reported (``unparsable-migration``), never skipped, so the
reason must name the problem and, where there is one, the line.
"""

from __future__ import annotations

import hashlib


class UnreadableFile(Exception):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


#: a migration file larger than this is reported, not decoded or parsed (no tool's migration is
#: anywhere near it; a pull request can hold a file of GitHub's 100 MB maximum)
MAX_FILE_BYTES = 10 * 1024 * 1024


def too_large(size: int) -> UnreadableFile | None:
    """Why a blob of ``size`` bytes is not read, if it is over the bound. Readers that know a
    blob's size before reading it (``git cat-file --batch-check``, the trees API's ``size``) ask
    first, so a 1 GiB file costs a number, not a gigabyte of memory."""
    if size <= MAX_FILE_BYTES:
        return None
    return UnreadableFile(f"{size:,} bytes, over the {MAX_FILE_BYTES // (1024 * 1024)} MiB a migration may have: not read")


def decode_text(data: bytes) -> str:
    """Decode UTF-8 (a BOM is allowed); refuse binary content, other encodings and huge files."""
    if (refused := too_large(len(data))) is not None:
        raise refused
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile("UTF-16 encoded; save the file as UTF-8 (migration tools read UTF-8)")
    if b"\x00" in data[:8000]:
        raise UnreadableFile("binary file (contains NUL bytes), not a text migration")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnreadableFile(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line}); save the file as UTF-8",
            line,
        ) from None


def git_blob_sha(data: bytes) -> str:
    """The SHA git names a blob of these bytes by: the key of every cached analysis, so text held
    only in memory (a suggestion applied) is cached as the same file committed would be."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
