"""What a CSV/TSV file to score is written in: its text encoding and its field delimiter.

One pass over the bytes checks the encoding (so a bad byte is reported with its file offset before any row is
scored) and fingerprints the file (so `--resume` can refuse an input that changed since the interrupted run).
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

from models.labelled_data import DataError

DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon"}
_BY_EXTENSION = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": "\t"}
_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_BLOCK = 1 << 20


@dataclass(frozen=True)
class InputFormat:
    encoding: str  # a Python codec name; "utf-8-sig" reads UTF-8 with or without a BOM
    delimiter: str
    fingerprint: str  # SHA-256 of the bytes
    size: int
    note: str = ""  # how the encoding was found, when it is not plain UTF-8


def delimiter_for(path: Path) -> str:
    """The delimiter a file name implies (`.tsv`, `.tab`, `.txt`: tab; else comma)."""
    return _BY_EXTENSION.get(Path(path).suffix.lower(), ",")


def sniff_input(path: str | Path, encoding: str | None = None, delimiter: str | None = None) -> InputFormat:
    """Checks the whole file decodes and picks the delimiter. `encoding=None` means: UTF-8 (BOM or not), or
    UTF-16/32 with a BOM, or else a detected single-byte encoding; a named encoding is checked strictly."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    with open(path, "rb") as handle:
        head = handle.read(4)
    note = ""
    if encoding is None:
        encoding = next((name for bom, name in _BOMS if head.startswith(bom)), "utf-8-sig")
        if encoding != "utf-8-sig":
            note = f"{encoding} (byte-order mark)"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataError(f"unknown encoding {encoding!r}") from None
    digest, size, bad = _check_decodes(path, encoding)
    if bad is not None:
        offset, byte = bad
        detected = _detect(path, offset) if encoding == "utf-8-sig" and not note else None
        if detected is None:
            raise DataError(f"{path}: not valid {_label(encoding)} text: byte 0x{byte:02x} at byte offset {offset} "
                            f"cannot be decoded; save the file as UTF-8 or name its encoding with --encoding")
        encoding = detected
        digest, size, again = _check_decodes(path, encoding)
        if again is not None:  # cannot happen for the single-byte encodings detection returns, but be sure
            raise DataError(f"{path}: not valid UTF-8 (byte offset {offset}) nor {detected} (byte offset {again[0]})")
        note = f"{detected} (detected: not UTF-8 from byte offset {offset})"
    return InputFormat(encoding, delimiter or _sniff_delimiter(path, encoding), digest, size, note)


def _label(encoding: str) -> str:
    return "UTF-8" if encoding in ("utf-8-sig", "utf-8", "utf8") else encoding


def _check_decodes(path: Path, encoding: str) -> tuple[str, int, tuple[int, int] | None]:
    """(sha256, size, None or (byte offset, byte) of the first byte that does not decode)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    with open(path, "rb") as handle:
        while True:
            block = handle.read(_BLOCK)
            final = not block
            digest.update(block)
            try:
                decoder.decode(block, final=final)
            except UnicodeDecodeError as exc:
                # The decoder may hold back the undecoded tail of the previous block; exc.start counts in
                # `pending + block`, so step back over what it held.
                pending = len(exc.object) - len(block)
                position = offset - pending + exc.start
                return digest.hexdigest(), position, (position, exc.object[exc.start])
            if final:
                return digest.hexdigest(), offset, None
            offset += len(block)


def _detect(path: Path, offset: int) -> str | None:
    """A single-byte encoding that reads the text around the first non-UTF-8 byte, if charset_normalizer
    finds one with confidence; None otherwise (the caller refuses the file)."""
    from charset_normalizer import from_bytes

    with open(path, "rb") as handle:
        handle.seek(max(0, offset - 32_768))
        sample = handle.read(65_536)
    best = from_bytes(sample, cp_isolation=["cp1252", "latin_1", "iso8859_15", "cp1251", "koi8_r"]).best()
    if best is None or best.chaos > 0.2:
        return None
    return best.encoding


def _sniff_delimiter(path: Path, encoding: str) -> str:
    """The extension's delimiter if the header line has it; else whichever of comma, tab and semicolon the
    header line has most of; else the extension's."""
    with open(path, encoding=encoding, newline="") as handle:
        header = handle.readline()
    default = delimiter_for(path)
    # Ignore quoted parts of the header: a quoted column name may hold any character.
    unquoted = "".join(header.split('"')[::2])
    if unquoted.count(default):
        return default
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else default
