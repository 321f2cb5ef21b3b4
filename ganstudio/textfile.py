"""Reading a user's small text files (configs, metadata) with a size bound and clear encodings.

A config or metadata file is UTF-8 (with or without a byte-order mark), or UTF-16/UTF-32 with
their byte-order mark (what Windows editors write as "Unicode"). Anything else, a file with NUL
bytes, a FIFO or device, or a file over `MAX_TEXT_BYTES` is refused with a message that says
what it is and what to do, never a traceback. No TensorFlow, no Qt.
"""

from __future__ import annotations

import codecs
import json
import os
import stat
from pathlib import Path
from typing import IO, Any

from ganstudio.errors import GanStudioError

__all__ = ["BYTE_ORDER_MARKS", "MAX_TEXT_BYTES", "NotARegularFile", "decode_text",
           "open_regular_file", "read_json_file", "read_text_file", "text_encoding"]

MAX_TEXT_BYTES = 16 * 1024 * 1024
"""Config and metadata files larger than this are refused (they are a few kB)."""

BYTE_ORDER_MARKS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def text_encoding(start: bytes) -> str:
    """The codec for text starting with `start` (its first 4 bytes or more): UTF-16/UTF-32 by
    their byte-order mark, else `utf-8-sig` (UTF-8 with or without a mark)."""
    return next((code for mark, code in BYTE_ORDER_MARKS if start.startswith(mark)),
                "utf-8-sig")


def decode_text(data: bytes) -> str:
    """Decodes UTF-8, or UTF-8/16/32 with a byte-order mark.

    Raises:
        ValueError: with a short reason (not text, or not in those encodings).
    """
    encoding = text_encoding(data[:4])
    if encoding != "utf-8-sig":
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as err:
            raise ValueError(f"broken {encoding.upper()} text ({err.reason} at byte "
                             f"{err.start})") from None
    if b"\x00" in data:
        raise ValueError("binary data, not text (it holds NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"not UTF-8 text (byte 0x{data[err.start]:02x} at position "
                         f"{err.start}; Latin-1 or another legacy encoding?)") from None


class NotARegularFile(OSError):
    """The path is a folder, pipe, device or socket, not a file to read."""


def open_regular_file(path: str | os.PathLike) -> IO[bytes]:
    """Opens a regular file for reading in binary, never waiting on a FIFO.

    The open does not block and the file is checked before it is read: opening a pipe named
    like a data file would wait for a writer forever; a device, socket or folder is no file.

    Raises:
        NotARegularFile: for a folder, pipe, device or socket.
        OSError: when it cannot be opened (missing, no permission, ...).
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotARegularFile(f"{os.fspath(path)!r} is not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_text_file(path: str | Path, what: str, error: type[GanStudioError],
                   max_bytes: int = MAX_TEXT_BYTES) -> str:
    """Reads a small text file, refusing what is not one with a clear message.

    Args:
        path: The file.
        what: What it is, for the message (e.g. "config file").
        error: The error class to raise (`ConfigError`, `ModelError`, ...).
        max_bytes: The size bound.

    Returns:
        Its text.

    Raises:
        error: when it is missing, not a regular file, too large, or not UTF-8/16/32 text.
    """
    shown = f"{what} {str(path)!r}"
    try:
        stream = open_regular_file(path)
    except NotARegularFile:
        raise error(f"{shown} is not a regular file (a folder, pipe or device).",
                    "Give the path of a file.") from None
    except OSError as err:
        raise error(f"{shown} cannot be read ({err.strerror or err}).",
                    "Check the path and its permissions.") from None
    with stream:
        size = os.fstat(stream.fileno()).st_size
        if size > max_bytes:
            raise error(f"{shown} is {size:,} bytes; a {what} is at most {max_bytes:,}.",
                        "Check that this is the right file.")
        data = stream.read(max_bytes + 1)
    try:
        return decode_text(data)
    except ValueError as err:
        raise error(f"{shown} is {err}.", "Save it as UTF-8 text.") from None


def read_json_file(path: str | Path, what: str, error: type[GanStudioError]) -> Any:
    """Reads a JSON file with `read_text_file`'s checks.

    Raises:
        error: as `read_text_file`, or when the text is not valid JSON (with its line).
    """
    text = read_text_file(path, what, error)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise error(f"{what} {str(path)!r} is not valid JSON ({err.msg} at line {err.lineno}, "
                    f"column {err.colno}).", "Fix the file, or write it again.") from None
