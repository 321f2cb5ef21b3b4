"""Reading a zip member with a bound on the bytes it unpacks to, whatever its header says.

`zipfile` stops a member at its declared size, but it hands bzip2 and LZMA data to the
decompressor without a bound on the output: a member of a few hundred bytes whose header
declares 1,000 unpacks to hundreds of megabytes in memory before the CRC check fails. Here the
member's compressed bytes are read from the archive file and unpacked a bounded piece at a
time; reading stops as soon as more bytes come out than the member declares, and the member is
skipped. The sizes and offsets come from `zipfile`'s directory (`ZipInfo`).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import IO, Protocol

from ganstudio.core.data.files.common import Skip

_CHUNK = 64 * 1024
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... file name length, extra field length
_LOCAL_SIGNATURE = b"PK\x03\x04"


def open_member(
    file: IO[bytes], info: zipfile.ZipInfo, limit: int | None = None
) -> MemberReader:
    """Opens one zip member for reading its unpacked bytes.

    Args:
        file: The archive file, open for reading (it is sought and read; nothing else may
            read it meanwhile).
        info: The member, from the archive's `infolist()`.
        limit: The most bytes the member may declare; `None`: any (it never unpacks to more
            than it declares).

    Returns:
        A stream of the member's bytes that raises `Skip` as soon as more come out than the
        member declares, and at its end when it unpacked to fewer or its CRC-32 is wrong.

    Raises:
        Skip: The member is encrypted, declares more than `limit` bytes, uses a compression
            we do not read, or its local header is broken.
    """
    if info.flag_bits & 0x1:
        raise Skip("unreadable (encrypted zip member)")
    if limit is not None and info.file_size > limit:
        raise Skip(f"too large ({info.file_size} bytes unpacked)")
    return MemberReader(file, info)


def read_member(file: IO[bytes], info: zipfile.ZipInfo, limit: int) -> bytes:
    """All of one member's unpacked bytes (see `open_member`); raises `Skip` when it cannot."""
    with open_member(file, info, limit) as member:
        return member.readall()


class _Unpacker(Protocol):
    """What `bz2.BZ2Decompressor` offers: bounded output, and whether it wants input."""

    @property
    def needs_input(self) -> bool: ...

    @property
    def eof(self) -> bool: ...

    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


class MemberReader(io.RawIOBase):
    """A zip member's unpacked bytes, never more than it declares (see `open_member`)."""

    def __init__(self, file: IO[bytes], info: zipfile.ZipInfo) -> None:
        super().__init__()
        self._file = file
        self._info = info
        self._unpacker = _unpacker(info.compress_type, info.file_size)
        self._raw_at = _data_offset(file, info)
        self._raw_left = info.compress_size
        self._pending = memoryview(b"")
        self._unpacked = 0
        self._crc = 0
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        out = memoryview(buffer).cast("B")
        while not self._pending and not self._ended:
            self._unpack_some()
        count = min(len(out), len(self._pending))
        out[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def _unpack_some(self) -> None:
        declared = self._info.file_size
        room = min(_CHUNK, declared - self._unpacked + 1)  # one byte past the size tells a lie
        try:
            if self._unpacker.needs_input:
                if self._raw_left == 0:
                    self._end()
                    return
                data = self._unpacker.decompress(self._read_raw(), room)
            else:
                data = self._unpacker.decompress(b"", room)
        except (zlib.error, OSError, EOFError, ValueError) as err:
            raise Skip(f"unreadable (corrupt zip member: {err})") from None
        self._unpacked += len(data)
        if self._unpacked > declared:
            raise Skip(f"unpacks to more than its declared size ({declared} bytes)")
        self._crc = zlib.crc32(data, self._crc)
        self._pending = memoryview(data)
        if self._unpacker.eof:
            self._end()

    def _read_raw(self) -> bytes:
        wanted = min(_CHUNK, self._raw_left)
        self._file.seek(self._raw_at)
        raw = self._file.read(wanted)
        if len(raw) < wanted:
            raise Skip("unreadable (corrupt zip member: the archive ends inside it)")
        self._raw_at += len(raw)
        self._raw_left -= len(raw)
        return raw

    def _end(self) -> None:
        self._ended = True
        if self._unpacked != self._info.file_size:
            raise Skip(
                f"unreadable (corrupt zip member: it unpacks to {self._unpacked} bytes, "
                f"not the {self._info.file_size} it declares)"
            )
        if self._crc != self._info.CRC:
            raise Skip("unreadable (corrupt zip member: bad CRC-32)")


def _data_offset(file: IO[bytes], info: zipfile.ZipInfo) -> int:
    """Where the member's compressed bytes start, after its local header."""
    try:
        file.seek(info.header_offset)
        head = file.read(_LOCAL_HEADER.size)
    except (OSError, ValueError) as err:
        raise Skip(f"unreadable (corrupt zip member: {err})") from None
    if len(head) < _LOCAL_HEADER.size or head[:4] != _LOCAL_SIGNATURE:
        raise Skip("unreadable (corrupt zip member: no local header where the directory says)")
    _, name_length, extra_length = _LOCAL_HEADER.unpack(head)
    return info.header_offset + _LOCAL_HEADER.size + name_length + extra_length


def _unpacker(method: int, declared: int) -> _Unpacker:
    if method == zipfile.ZIP_STORED:
        return _Stored()
    if method == zipfile.ZIP_DEFLATED:
        return _Inflate()
    try:
        if method == zipfile.ZIP_BZIP2:
            import bz2

            return bz2.BZ2Decompressor()
        if method == zipfile.ZIP_LZMA:
            return _ZipLzma(declared)
    except ImportError:
        pass
    raise Skip(f"unreadable (zip compression method {method} is not supported)")


class _Stored:
    """No compression: the bytes as they are, at most `max_length` at a time."""

    eof = False

    def __init__(self) -> None:
        self._rest = b""

    @property
    def needs_input(self) -> bool:
        return not self._rest

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        data = self._rest + data
        if max_length < 0:
            max_length = len(data)
        self._rest = data[max_length:]
        return data[:max_length]


class _Inflate:
    """Deflate, with the `needs_input` of bz2's decompressor."""

    def __init__(self) -> None:
        self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)

    @property
    def needs_input(self) -> bool:
        return not self._inflate.unconsumed_tail

    @property
    def eof(self) -> bool:
        return self._inflate.eof

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        return self._inflate.decompress(self._inflate.unconsumed_tail + data, max(max_length, 0))


class _ZipLzma:
    """LZMA as zip stores it: a 4-byte header and the LZMA1 properties, then raw LZMA1 data.

    The dictionary, allocated up front at the size the properties ask for (up to 4 GiB), is
    cut to the member's declared size: no match reaches farther back than what came out, and
    reading stops one byte past the declared size.
    """

    def __init__(self, declared: int) -> None:
        import lzma

        self._lzma = lzma
        self._declared = declared
        self._head = b""
        self._unpacker: lzma.LZMADecompressor | None = None

    @property
    def needs_input(self) -> bool:
        return self._unpacker is None or self._unpacker.needs_input

    @property
    def eof(self) -> bool:
        return self._unpacker is not None and self._unpacker.eof

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        try:
            if self._unpacker is None:
                self._head += data
                if len(self._head) < 4:
                    return b""
                size = int.from_bytes(self._head[2:4], "little")
                if len(self._head) < 4 + size:
                    return b""
                properties, data = self._head[4 : 4 + size], self._head[4 + size :]
                self._unpacker = self._lzma.LZMADecompressor(
                    self._lzma.FORMAT_RAW, filters=[self._filter(properties)]
                )
            return self._unpacker.decompress(data, max_length)
        except self._lzma.LZMAError as err:
            raise ValueError(str(err)) from None

    def _filter(self, properties: bytes) -> dict[str, int]:
        if len(properties) != 5 or properties[0] >= 9 * 5 * 5:
            raise ValueError("bad LZMA properties")
        pb, rest = divmod(properties[0], 9 * 5)
        lp, lc = divmod(rest, 9)
        size = min(int.from_bytes(properties[1:5], "little"), max(self._declared + 1, 4096))
        return {"id": self._lzma.FILTER_LZMA1, "dict_size": size, "lc": lc, "lp": lp, "pb": pb}
