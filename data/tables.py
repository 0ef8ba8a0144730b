"""The one reader of CSV/TSV tables, for scoring, training and evaluation alike, from the CLI or an upload.

`sniff_input` finds what a file is written in: one pass over the bytes checks the encoding (so a bad byte is
reported with its file offset before any row is read; a non-UTF-8 single-byte file is detected) and fingerprints
the file (so `--resume` can refuse an input that changed since the interrupted run); the delimiter comes from
the extension or the header line. `read_chunks` then streams the records with the `csv` module (quoted fields
may hold delimiters and newlines; a row with the wrong number of fields is a bad row, kept with a message, not a
failed file), and `read_table` reads a whole (bounded) file that way.
"""

from __future__ import annotations

import codecs
import collections
import csv
import dataclasses
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from data import DataError

DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon"}
# Files a user may take for a table, by their first bytes: refused with what to do, not read as garbled text.
_PACKED = (
    (b"\x1f\x8b", "gzip-compressed", "decompress it first (gunzip FILE)"),
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook is one)", "unzip it, or save the sheet as CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Excel or Office file", "save the sheet as CSV"),
    (b"PAR1", "a Parquet file", "write it out as CSV (pandas: read_parquet, then to_csv)"),
    # an image given where its table belongs (a file's image column names images; they are not the table)
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "give the CSV or TSV file whose rows name it"),
    (b"\xff\xd8\xff", "a JPEG image", "give the CSV or TSV file whose rows name it"),
    (b"%PDF-", "a PDF document", "save the table as CSV"),
)
_BY_EXTENSION = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": "\t"}
TABLE_EXTENSIONS = tuple(_BY_EXTENSION)  # names a table is read and written by (any other: comma-separated)
_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_BLOCK = 1 << 20

csv.field_size_limit(2**31 - 1)  # a tweet cell may be arbitrarily long; the default limit is 131,072 characters


@dataclass(frozen=True)
class InputFormat:
    encoding: str  # a Python codec name; "utf-8-sig" reads UTF-8 with or without a BOM
    delimiter: str
    fingerprint: str  # SHA-256 of the bytes
    size: int
    note: str = ""  # how the encoding was found, when it is not plain UTF-8
    errors: str = "strict"  # "replace": a UTF-8 file with stray bytes, each read as U+FFFD (its row says so)
    bom: bool = False  # the file begins with a byte-order mark (Excel's "CSV UTF-8"): the scored file gets one too
    sep_line: bool = False  # the first line is Excel's "sep=;" hint, not the header: both engines skip it


def delimiter_for(path: Path) -> str:
    """The delimiter a file name implies (`.tsv`, `.tab`, `.txt`: tab; else comma)."""
    return _BY_EXTENSION.get(Path(path).suffix.lower(), ",")


def sniff_input(path: str | Path, encoding: str | None = None, delimiter: str | None = None) -> InputFormat:
    """Checks the whole file decodes and picks the delimiter. `encoding=None` means: UTF-8 (BOM or not; a UTF-8
    file with stray bytes is read with each as U+FFFD, `errors="replace"`), or UTF-16/32 with a BOM, or else a
    detected single-byte encoding; a named encoding is checked strictly."""
    path = Path(path)
    if str(path) == "-":
        raise DataError("-: standard input is not read (the file is read twice: checked, then scored); give the "
                        "file's path")
    if path.is_dir():
        raise DataError(f"{path}: a folder, not a file")
    if not path.is_file():
        what = "not a regular file" if path.exists() else "a symbolic link that leads nowhere (its target is " \
            "missing, or the link leads back to itself)" if path.is_symlink() else "file not found"
        raise DataError(f"{path}: {what}")
    with open(path, "rb") as handle:
        head = handle.read(4096)
    for magic, what, advice in _PACKED:
        if head.startswith(magic):
            raise DataError(f"{path}: {what}, not a CSV or TSV text file; {advice}")
    note, automatic = "", encoding is None
    bom = any(head.startswith(mark) for mark, _ in _BOMS)
    if encoding is None:
        encoding = next((name for mark, name in _BOMS if head.startswith(mark)), "utf-8-sig")
        if encoding != "utf-8-sig":
            note = f"{encoding} (byte-order mark)"
        elif (wide := _utf16_without_bom(head)) is not None:
            encoding, note = wide, f"{wide} (detected: no byte-order mark, every other byte zero)"
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise DataError(f"unknown encoding {encoding!r}") from None
    if not getattr(codec, "_is_text_encoding", True):  # base64, hex, zlib, rot13: bytes to bytes, or text to text
        raise DataError(f"{encoding!r} is not a text encoding; name the one the file is written in, such as utf-8, "
                        f"cp1252 or utf-16")
    digest, size, bad = _check_decodes(path, encoding)
    if bad is not None:
        offset, byte = bad
        automatic = automatic and not note  # not named; UTF-8, not UTF-16/32 by a BOM or by its zero bytes
        utf8, stray = _utf8_reading(path) if automatic else (0, 0)
        detected = _detect(path, offset) if automatic and utf8 < stray else None
        if utf8 and detected is None:  # UTF-8 with stray bytes: their rows are marked, not the file
            note = (f"UTF-8 with bytes that are not (the first, 0x{byte:02x}, at byte offset {offset:,}): each is "
                    f"read as U+FFFD (\ufffd), and each row holding one says so in `error`")
            return _with_delimiter(InputFormat(encoding, delimiter or "", digest, size, note, "replace", bom), path)
        if detected is None:
            raise DataError(f"{path}: not valid {_label(encoding)} text: byte 0x{byte:02x} at byte offset {offset} "
                            f"cannot be decoded; save the file as UTF-8 (or, with `cli.py score`, `train` or "
                            f"`evaluate`, name its encoding with --encoding)")
        encoding = detected
        digest, size, again = _check_decodes(path, encoding)
        if again is not None:  # cannot happen for the single-byte encodings detection returns, but be sure
            raise DataError(f"{path}: not valid UTF-8 (byte offset {offset}) nor {detected} (byte offset {again[0]})")
        note = f"{detected} (detected: not UTF-8 from byte offset {offset}" + (
            f"; {utf8:,} character(s) that UTF-8 could read, against {stray:,} byte(s) it could not, are read as "
            f"{detected} too: name --encoding utf-8 if those are meant" if utf8 else "") + ")"
    return _with_delimiter(InputFormat(encoding, delimiter or "", digest, size, note, bom=bom), path)


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 without a byte-order mark, as some spreadsheet exports write it: Latin-script text then has a zero
    byte in every other position (odd ones little-endian, even ones big-endian). Valid UTF-8 as it stands, so
    it must be recognised before it is read as text full of NUL characters."""
    even, odd = head[0::2], head[1::2]
    if len(odd) < 8:
        return None
    zeros_even, zeros_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if zeros_odd > 0.4 and zeros_even < 0.05:
        return "utf-16-le"
    if zeros_even > 0.4 and zeros_odd < 0.05:
        return "utf-16-be"
    return None


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
            except UnicodeError as exc:  # a decoder's own refusal, with no offset ("UTF-16 stream does not start with BOM")
                raise DataError(f"{path}: not valid {_label(encoding)} text ({exc}); is that the encoding it is "
                                f"written in?") from None
            if final:
                return digest.hexdigest(), offset, None
            offset += len(block)


# A character past ASCII that is not an undecodable byte (which surrogateescape turns into U+DC80-U+DCFF).
_DECODED_PAST_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")
_STRAY = re.compile("[\udc80-\udcff]")


def _utf8_reading(path: Path) -> tuple[int, int]:
    """(characters past ASCII that UTF-8 reads, bytes it cannot) in the file. More of the first: UTF-8 with stray
    bytes, not a single-byte encoding, which would turn each of its emoji and accented letters into two or more
    wrong ones. More of the second: a single-byte encoding in which a pair of bytes happens to be UTF-8 (German
    cp1252's "ß…" is the bytes of "߅"): read as UTF-8, its every other accented letter became U+FFFD."""
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    utf8 = stray = 0
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            text = decoder.decode(block)
            utf8 += len(_DECODED_PAST_ASCII.findall(text))
            stray += len(_STRAY.findall(text))
    return utf8, stray


def _detect(path: Path, offset: int) -> str | None:
    """A single-byte encoding that reads the text around the first non-UTF-8 byte of a file with no valid
    multi-byte UTF-8 sequence, if charset_normalizer finds one with confidence; None otherwise (the caller refuses
    the file)."""
    from charset_normalizer import from_bytes

    with open(path, "rb") as handle:
        handle.seek(max(0, offset - 32_768))
        sample = handle.read(65_536)
    best = from_bytes(sample, cp_isolation=["cp1252", "latin_1", "iso8859_15", "cp1251", "koi8_r"]).best()
    if best is None or best.chaos > 0.2:
        return None
    if best.encoding in ("cp1251", "koi8_r") and not _mostly_cyrillic(sample.decode(best.encoding, "replace")):
        try:  # English with a € or two: one byte Cyrillic reads as a letter ("5Ђ"), where cp1252 reads "5€"
            sample.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    return best.encoding


def _mostly_cyrillic(text: str) -> bool:
    """Whether more than a fifth of a text's letters are Cyrillic, as a text in a Cyrillic encoding's reading is
    (English with a € read as cp1251 has one Cyrillic letter, Ђ, among many Latin ones)."""
    letters = [char for char in text if char.isalpha()]
    return sum("\u0400" <= char <= "\u04ff" for char in letters) > 0.2 * len(letters)


def _with_delimiter(fmt: InputFormat, path: Path) -> InputFormat:
    """`fmt` with its delimiter: the one given; else the one of Excel's "sep=X" first line; else sniffed."""
    with open(path, encoding=fmt.encoding, errors=fmt.errors, newline="") as handle:
        head = handle.read(SNIFFED_CHARS)
    hint = _SEP_LINE.fullmatch(head.splitlines()[0]) if head.strip() else None
    delimiter = fmt.delimiter or (hint and hint[1]) or _sniff_delimiter(head, delimiter_for(path))
    return dataclasses.replace(fmt, delimiter=delimiter, sep_line=bool(hint))


# Excel's hint of the delimiter, which some exports write as a file's first line and Excel reads: "sep=;".
_SEP_LINE = re.compile(r"sep=([^\w\s\"]|\t)")
SNIFFED_CHARS = 1 << 16  # the delimiter is sniffed from the header line and the rows in the file's first 64 K


def _sniff_delimiter(head: str, default: str) -> str:
    """Of comma, tab and semicolon, the one that splits the header line into more than one field and the most
    rows after it into as many (a quoted field may hold any character); on a tie, the one giving more columns,
    then the extension's (`default`), which is also taken when none splits the header."""
    def fit(delimiter: str) -> tuple[int, int, bool]:
        try:
            records = [r for r in csv.reader(io.StringIO(head, newline=""), delimiter=delimiter) if r]
        except csv.Error:  # a NUL byte, say: the reader says which line when it reads the file
            return (-1, 0, delimiter == default)
        if not records or len(records[0]) < 2:
            return (-1, 0, delimiter == default)
        width = len(records[0])  # the last of the lines read may be cut inside a row: not counted
        return (sum(len(r) == width for r in records[1:-1]), width, delimiter == default)

    return max([default, *(d for d in DELIMITERS if d != default)], key=fit)


@dataclass
class Chunk:
    frame: pd.DataFrame
    row_errors: list  # per row: None or a message about the row (its fields, a quote, bytes that are not UTF-8)
    unscorable: np.ndarray  # rows not to score (too many fields, a quote left open)
    bytes_read: int  # of the input, roughly: how far the reader got


class Header(NamedTuple):
    """A table's column names: `names` as pandas gives them, unique, by which columns are picked and read;
    `given` as the file's header line has them (blank or repeated), which is what a scored file is written with."""

    names: list[str]
    given: list[str]


# How many names, and how many characters of each, a message quotes: a header line of megabytes (a JSON file, a
# file without line ends) or a label cell holding a whole text must not become an error of megabytes.
SHOWN_NAMES, SHOWN_CHARS = 50, 60


def shown_text(text: str, limit: int = SHOWN_CHARS) -> str:
    """A cell, name or path as a message quotes it: cut at `limit` characters, with … when cut."""
    return text if len(text) <= limit else f"{text[:limit]}…"


def is_url(cell) -> bool:
    """Whether a cell of an image column is a URL (`https://…`, `s3://…`): images are read from files, never
    fetched, and a URL read as a path names a folder `https:` that is not there."""
    return re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*://", str(cell).strip()) is not None


def shown_names(names) -> str:
    """Column names (or labels) as a message quotes them: a list of their reprs, each cut at SHOWN_CHARS
    characters, at most SHOWN_NAMES of them, with how many more there are."""
    names = [str(name) for name in names]
    cut = [repr(name[:SHOWN_CHARS]) + ("…" if len(name) > SHOWN_CHARS else "") for name in names[:SHOWN_NAMES]]
    more = f" and {len(names) - SHOWN_NAMES:,} more" if len(names) > SHOWN_NAMES else ""
    return f"[{', '.join(cut)}]{more}"


def pandas_header(names: list[str]) -> list[str]:
    """Column names as pandas gives them: blank → `Unnamed: i`, repeats → `name.1`, `name.2`."""
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        name = name if name.strip() else f"Unnamed: {i}"
        if name in seen:
            seen[name] += 1
            candidate = f"{name}.{seen[name]}"
            while candidate in seen:
                seen[name] += 1
                candidate = f"{name}.{seen[name]}"
            name = candidate
        seen.setdefault(name, 0)
        out.append(name)
    return out


# What a row can be. A header of more columns is refused at once (a million columns took 78 s and 5 GB to read);
# a record is read over at most this many lines: a quote still open after them is a quote left open, and the row
# of its line alone is refused, the lines after it read again as rows (so is a quote left open to the end of the
# file), as is a stray quote that a later one closes with text after it.
MAX_COLUMNS = 1_000
MAX_LINES_PER_RECORD = 100


class KeptLines:
    """The lines of a text for `csv.reader`, each also appended to `kept` as it is read; lines put in `again` are
    read again first (the reader goes on after the end of the text, if there are). With `limit`, a record is given
    at most `limit` lines: at the next, the text seems to end, the reader gives the record as it has it, and `cut`
    is set. Call `new_record` as each record is read."""

    def __init__(self, lines, kept: collections.deque, limit: int | None = None):
        self.lines, self.kept, self.again = iter(lines), kept, collections.deque()
        self.limit, self.in_record, self.cut = limit, 0, False

    def __iter__(self):
        return self

    def new_record(self) -> bool:
        """Whether the record just read was cut at `limit` lines; the next record's lines are counted anew."""
        cut, self.cut, self.in_record = self.cut, False, 0
        return cut

    def __next__(self) -> str:
        if self.limit is not None and self.in_record >= self.limit:
            self.cut = True
            raise StopIteration
        line = self.again.popleft() if self.again else next(self.lines)
        self.kept.append(line)
        self.in_record += 1
        return line


def record_text(kept: collections.deque, line: int, last_line: int) -> str:
    """The raw text of the record read from `line` to `last_line`, from the last lines `KeptLines` kept."""
    return "".join(list(kept)[line - last_line - 1:])


def ends_quoted(record: str, delimiter: str) -> bool:
    """Whether a record's raw text ends inside a quoted field, read as the csv module reads it: a quote opens a
    field only at its start, and a doubled quote inside one is a quote."""
    quoted, at_start, i = False, True, 0
    while i < len(record):
        char = record[i]
        if quoted:
            if char == '"':
                if record.startswith('"', i + 1):
                    i += 1
                else:
                    quoted = False
        elif char == '"' and at_start:
            quoted = True
        at_start = not quoted and char in (delimiter, "\n", "\r")
        i += 1
    return quoted


def closes_then_runs_on(record: str, delimiter: str) -> bool:
    """Whether a record's raw text has a quoted field followed by more text before its delimiter (`"wow" he
    said`), which the csv module reads leniently. On one line that is a cell as spreadsheets read it; in a record
    spanning lines it is a stray quote that swallowed the lines up to the next quote. (A quote never closed is
    `ends_quoted`'s.)"""
    if ends_quoted(record, delimiter):
        return False
    try:
        for _ in csv.reader(io.StringIO(record, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error:
        return True
    return False


def first_line_fields(first_line: str, delimiter: str, width: int) -> list:
    """The fields of a record's first line read alone (a quote it opens ends with the line), `width` of them."""
    fields = next(csv.reader([first_line.rstrip("\r\n")], delimiter=delimiter, strict=False), [])
    return (fields + [""] * width)[:width]


def read_chunks(path: Path, fmt: InputFormat, chunk_rows: int):
    """Yields the `Header`, then `Chunk`s of at most `chunk_rows` records each."""
    binary = open(path, "rb")
    try:
        text = io.TextIOWrapper(binary, encoding=fmt.encoding, errors=fmt.errors, newline="")
        tail = collections.deque(maxlen=MAX_LINES_PER_RECORD)  # the last lines read: the last record's own
        lines = KeptLines(text, tail, MAX_LINES_PER_RECORD)
        reader = csv.reader(lines, delimiter=fmt.delimiter, quotechar='"', doublequote=True, strict=False)
        # The header is the first record: blank lines before it are skipped, as blank lines between rows are.
        if fmt.sep_line:  # Excel's "sep=;" line before it
            next(reader)
            lines.new_record()
        names = None
        for record in reader:
            if lines.new_record():
                raise DataError(f"{path}: a quote opened in the header is not closed within "
                                f"{MAX_LINES_PER_RECORD} lines")
            if record:
                names = record
                break
        if names is None:
            raise DataError(f"{path}: the file is empty")
        if len(names) > MAX_COLUMNS:
            raise DataError(f"{path}: the header has {len(names):,} columns, over the limit of {MAX_COLUMNS:,}")
        header = pandas_header(names)
        width = len(header)
        yield Header(header, names)
        records: list = []
        errors: list = []
        bad: list = []
        last_line = line = reader.line_num
        read_again = 0  # lines put back to be read once more: the reader counts them twice
        ends_in_record = False

        def refuse_first_line(why: str) -> None:
            """The record read from `line` to `last_line` is the row of its first line alone, not scored, and
            the lines after that are read again."""
            nonlocal last_line, read_again
            after, record_lines = last_line - line, list(tail)[-(last_line - line + 1):]
            records.append(first_line_fields(record_lines[0], fmt.delimiter, width))
            again = "" if not after else "; the line it ran over is read as a row" if after == 1 else \
                f"; the {after:,} lines it ran over are read as rows"
            errors.append(f"line {line}: {why}; not scored{again}")
            bad.append(True)
            lines.again.extend(record_lines[1:])
            read_again += after
            last_line = line

        try:
            while True:  # once more when a record that ran to the end inside a quote gives its lines back
                for record in reader:
                    line = last_line + 1
                    last_line = reader.line_num - read_again
                    cut = lines.new_record()
                    ends_in_record = bool(record)
                    if not record:  # a blank line is not a row
                        continue
                    if cut:  # still inside a quote after MAX_LINES_PER_RECORD lines
                        refuse_first_line(f"a quote opened here is not closed within {MAX_LINES_PER_RECORD} lines "
                                          f"(double it: \"\")")
                    elif last_line > line and closes_then_runs_on(record_text(tail, line, last_line), fmt.delimiter):
                        # csv would read the lines up to the closing quote as one field of one row, dropping it
                        refuse_first_line(f"a quote opened here closes on line {last_line:,} with text after it (a "
                                          f"stray quote? double it: \"\")")
                    elif len(record) == width:
                        records.append(record)
                        errors.append(None)
                        bad.append(False)
                    elif len(record) < width:
                        records.append(record + [""] * (width - len(record)))
                        errors.append(f"line {line}: {len(record)} of {width} fields; the missing ones read as empty")
                        bad.append(False)
                    else:
                        extra = fmt.delimiter.join(record[width:])
                        records.append(record[:width])
                        errors.append(f"line {line}: {len(record)} fields where the header has {width}; not scored "
                                      f"(fields beyond the last column: {extra[:200]!r})")
                        bad.append(True)
                    if fmt.errors != "strict" and any("\ufffd" in field for field in records[-1]):
                        replaced = f"line {line}: bytes that are not {_label(fmt.encoding)}, read as U+FFFD (\ufffd)"
                        errors[-1] = f"{errors[-1]}; {replaced}" if errors[-1] else replaced
                    if len(records) > chunk_rows:  # the last record is kept back: it may run to the end in a quote
                        frame = pd.DataFrame(records[:chunk_rows], columns=header, dtype=object)
                        yield Chunk(frame, errors[:chunk_rows], np.array(bad[:chunk_rows]), binary.tell())
                        records, errors, bad = records[chunk_rows:], errors[chunk_rows:], bad[chunk_rows:]
                if not ends_in_record or not ends_quoted(record_text(tail, line, last_line), fmt.delimiter):
                    break
                # The last record ran to the end of the file inside a quote opened on `line`: its lines go back.
                del records[-1], errors[-1], bad[-1]
                ends_in_record = False
                refuse_first_line("a quote opened here is never closed (double it: \"\")")
        except csv.Error as exc:
            raise DataError(f"{path}: unreadable CSV after line {last_line}: {exc}") from None
        except UnicodeError as exc:  # sniff_input checked the bytes; only a file changed meanwhile gets here
            raise DataError(f"{path}: not valid {fmt.encoding} text ({getattr(exc, 'reason', exc)})") from None
        if records:
            yield Chunk(pd.DataFrame(records, columns=header, dtype=object), errors, np.array(bad), binary.tell())
    finally:
        binary.close()


def likely_text_column(frame: pd.DataFrame) -> str:
    """The column most likely to hold the texts: `text` if there is one, else the one with the longest cells on
    average (a tweet, not an id or a date)."""
    if "text" in frame.columns:
        return "text"
    return max(frame.columns, key=lambda column: frame[column].astype(str).str.len().mean())


@dataclass
class Table:
    """A whole table read by `read_table`: its header, its rows in chunks, and what was wrong with some rows."""

    name: str
    columns: list[str]  # as pandas names them (unique)
    chunks: list  # `Chunk`s: frames of text cells, with per-row messages about malformed rows
    rows: int
    notes: list = field(default_factory=list)  # e.g. the encoding that was detected
    bad_rows: int = 0  # rows with a message in `row_errors` (kept)
    given_columns: list[str] | None = None  # as the header line has them: the scored file's header
    bom: bool = False  # `InputFormat.bom`

    @property
    def frame(self) -> pd.DataFrame:
        return pd.concat([c.frame for c in self.chunks], ignore_index=True)

    def first_bad_row(self) -> str | None:
        return next((e for c in self.chunks for e in c.row_errors if e), None)


def read_table(path: str | Path, chunk_rows: int = 500, max_rows: int | None = None, name: str | None = None,
               encoding: str | None = None, delimiter: str | None = None) -> Table:
    """A whole CSV/TSV file, read as `read_chunks` reads it (every cell as text). `max_rows` refuses a longer
    file; `name` is how messages call the file (an upload's own name rather than its temporary path)."""
    path = Path(path)
    name = name or str(path)
    try:
        fmt = sniff_input(path, encoding, delimiter)
        reading = read_chunks(path, fmt, chunk_rows)
        columns, given = next(reading)
        chunks, rows = [], 0
        for chunk in reading:  # counted while reading: a file over the limit is refused at the limit
            chunks.append(chunk)
            rows += len(chunk.frame)
            if max_rows is not None and rows > max_rows:
                raise DataError(f"{name}: more than {max_rows:,} rows, over the limit of {max_rows:,}; split the "
                                f"file, or score it with `python cli.py score`, which has no limit")
    except DataError as exc:
        raise DataError(str(exc).replace(str(path), name)) from None
    if rows == 0:
        raise DataError(f"{name}: a header line but no rows")
    bad = sum(sum(e is not None for e in c.row_errors) for c in chunks)
    notes = [f"encoding: {fmt.note}"] if fmt.note else []
    return Table(name, columns, chunks, rows, notes, bad, given, fmt.bom)
