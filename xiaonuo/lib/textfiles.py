"""Decoding text files that people export from Excel, WPS and Chinese business software.

Files arrive as UTF-8, UTF-8 with a BOM (Excel's "CSV UTF-8"), or GBK/GB18030 (Excel's default
"CSV" on a Chinese Windows). The order of attempts matters: strict UTF-8 almost never decodes
GBK by accident, while GB18030 decodes most byte soups, so UTF-8 goes first. charset-normalizer
is a last resort for the odd Big5 or UTF-16 file, and only a confident answer is accepted.
"""

import codecs
from typing import BinaryIO

from xiaonuo.lib.errors import ServiceError

FILE_ENCODING_UNREADABLE = "file_encoding_unreadable"

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# charset-normalizer's "chaos" is the share of odd characters in its best guess; above this the
# guess is mojibake more often than not.
_MAX_CHAOS = 0.1


_CHUNK = 1 << 20


def sniff_encoding(raw: BinaryIO, *, name: str = "") -> str:
    """The encoding of a whole binary stream, by the same rule as ``decode_bytes`` (BOM, strict
    UTF-8, GB18030; no guessing), checked end to end in chunks so that a file of any size can be
    streamed afterwards: a file whose first megabytes are ASCII may still be GBK further down.
    The stream is rewound; raises ServiceError(file_encoding_unreadable)."""
    start = raw.tell()
    head = raw.read(4)
    raw.seek(start)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        offset = lines = 0
        try:
            while chunk := raw.read(_CHUNK):
                decoder.decode(chunk)
                offset += len(chunk)
                lines += chunk.count(b"\n")
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError as exc:
            failure = (exc, offset, lines)
        finally:
            raw.seek(start)
    error, offset, lines = failure  # GB18030's failure: the last rule tried
    raise _unreadable(name, error, offset=offset, lines_before=lines)


def decode_bytes(data: bytes, *, name: str = "") -> tuple[str, str]:
    """``(text, encoding)`` for a whole file, or ServiceError(file_encoding_unreadable)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise _unreadable(name, exc) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    guess = _guess(data)
    if guess is None:
        raise _unreadable(name, utf8_error)
    return guess


def _guess(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    # Single-byte guesses (cp1252, latin-1 …) "decode" anything and would store mojibake as
    # Chinese names, so only the multi-byte encodings people actually send us are trusted.
    if (
        best is None
        or best.chaos > _MAX_CHAOS
        or not best.encoding.startswith(("big5", "utf_16", "utf_32"))
    ):
        return None
    return str(best), best.encoding


def _unreadable(
    name: str, exc: UnicodeDecodeError, *, offset: int = 0, lines_before: int = 0
) -> ServiceError:
    # The byte offset helps whoever opens the file in a hex editor; the line is easier for people.
    line = lines_before + exc.object[: exc.start].count(b"\n") + 1
    byte = offset + exc.start
    return ServiceError(
        FILE_ENCODING_UNREADABLE,
        f"{name or 'file'}:{line}: not readable as UTF-8, GBK or GB18030 (byte {byte})",
        line=line,
        byte=byte,
    )
