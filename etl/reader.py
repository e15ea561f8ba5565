"""Read one extract file into a staging table of raw text, with the line each record starts on.

DuckDB's CSV reader does the work. It cannot say which physical line a record came from, so the
line is derived from the record's position plus the newlines inside earlier quoted values, and
checked against the file's own line count. Where that check fails (rows with the wrong number of
fields, blank lines) the file is re-read with Python's csv module, which knows every line.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np

from etl.contract import Extract, Reason

CHUNK = 1 << 24
BOM = codecs.BOM_UTF8
MAX_FIELD_BYTES = 1 << 20  # the default of settings.max_field_bytes
SHOWN_CHARS = 200  # how much of an over-long field the quarantine keeps
DUCKDB_MAX_LINE = 2_097_152  # read_csv's default max_line_size


class StructuralError(Exception):
    """The extract as a whole cannot be loaded; nothing is written."""


@dataclass
class Malformed:
    """A record set aside while reading: wrong width, or a field over the length limit."""

    line: int
    raw: str
    detail: str
    reason: str = Reason.MALFORMED_ROW.value
    record_id: str | None = None


@dataclass
class StagedFile:
    extract: Extract
    path: Path
    encoding: str
    table: str  # a view: raw VARCHAR columns of the contract, plus _rec (record order)
    label: str  # where the rows came from, for the quarantine and the load log
    rows_read: int
    malformed: list[Malformed] = field(default_factory=list)
    missing_optional: tuple[str, ...] = ()
    # Fast path: newlines inside quoted values of all earlier records, indexed by _rec.
    # None when _rec already is the line (the csv-module path) or no value held a newline.
    newlines_before: np.ndarray | None = None
    rec_is_line: bool = False

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        """Free the staged text once the extract is validated (its rejected rows carry their
        own raw text): held to the end of the build, a decade's text made it spill to disk."""
        con.execute(f"DROP VIEW IF EXISTS {self.table}")
        con.execute(f"DROP TABLE IF EXISTS {self.table}_scan")

    def lines(self, recs: np.ndarray) -> np.ndarray:
        """The line each record starts on (header = line 1), from the records' _rec values."""
        recs = np.asarray(recs, dtype=np.int64)
        if self.rec_is_line:
            return recs
        lines = recs + 2
        if self.newlines_before is not None:
            lines = lines + self.newlines_before[recs]
        return lines


@dataclass
class _Scan:
    encoding: str
    lines: int  # physical lines, counting a last line without a newline
    utf8_path: Path  # a UTF-8 copy when the source was Windows-1252
    checked: bool = True  # False: taken to be UTF-8 without looking (_scan's check_utf8)


def refuse_symlink(path: Path) -> None:
    """An extract is a file dropped in the folder, never a link to one elsewhere (which could
    name any file the loader can read); nothing of the link's target is read or echoed."""
    if path.is_symlink():
        raise StructuralError(
            f"{path.name}: is a symbolic link; refusing to follow it (copy the extract into "
            f"the folder instead)"
        )


def _scan(path: Path, workdir: Path, check_utf8: bool = True) -> _Scan:
    """Decide the encoding (UTF-8, with or without BOM, else Windows-1252) and count lines.
    Without ``check_utf8`` the file is taken to be UTF-8 unchecked: DuckDB's reader refuses
    any record that is not, and the load then scans again with the check (stage_file)."""
    newlines = 0
    last = b""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
            if utf8 and check_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8 and check_utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    if last == b"" and newlines == 0:
        raise StructuralError(f"{path.name}: the file is empty (no header row)")
    lines = newlines + (0 if last == b"\n" else 1)
    if utf8:
        with path.open("rb") as fh:
            encoding = "utf-8-sig" if fh.read(3) == BOM else "utf-8"
        return _Scan(encoding, lines, path, checked=check_utf8)
    raw = path.read_bytes()
    # A file saved with a BOM by one tool and a Windows-1252 byte by another: the BOM is not
    # text (read as Windows-1252 it would be "ï»¿", glued to the first column's name).
    try:
        text = raw.removeprefix(BOM).decode("cp1252")
    except UnicodeDecodeError as exc:
        raise StructuralError(
            f"{path.name}: unreadable file: neither UTF-8 nor Windows-1252 "
            f"(byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
        ) from exc
    copy = workdir / f"{path.stem}.utf8.csv"
    copy.write_text(text, encoding="utf-8", newline="")
    return _Scan("windows-1252", lines, copy)


def _refuse_utf16(path: Path) -> None:
    """UTF-16 (Excel's "Unicode Text") read as Windows-1252 gave a header of letters and NULs,
    refused as missing every required column: the message pointed at the columns, not at how
    the file was saved. A UTF-16 byte-order mark, or NUL bytes in the header line, say so."""
    try:
        with path.open("rb") as fh:
            start = fh.read(1 << 16)
    except OSError:
        return  # _scan's own message says why the file cannot be read
    header = start.split(b"\n", 1)[0]
    if start.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in header:
        raise StructuralError(
            f'{path.name}: saved as UTF-16 (Excel\'s "Unicode Text"), which is not read: save '
            f'it as "CSV UTF-8" (or plain CSV)'
        )


def _header_of(path: Path, workdir: Path, scan: _Scan, extract: Extract) -> tuple[list[str], _Scan]:
    """The header of a file taken to be UTF-8, and its scan; when it is not UTF-8 after all,
    the header of its converted copy and the checked scan that made the copy."""
    try:
        return _header(scan.utf8_path, extract, path.name), scan
    except UnicodeDecodeError:
        scan = _scan(path, workdir)
        return _header(scan.utf8_path, extract, path.name), scan


def _header(path: Path, extract: Extract, file: str) -> list[str]:
    """The header of ``path`` (UTF-8: the extract or its converted copy); messages name the
    extract as the user gave it, ``file``."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        try:
            header = next(csv.reader(fh), None)
        except csv.Error as exc:
            raise StructuralError(f"{file}: unreadable header row: {exc}") from exc
    if not header or not any(h.strip() for h in header):
        raise StructuralError(f"{file}: the first line is not a header row")
    names = [h.strip().lower() or f"unnamed_{i}" for i, h in enumerate(header, start=1)]
    twice = named_twice(names)
    if twice is not None:
        raise StructuralError(f"{file}: column {_some([twice])!r} appears twice in the header")
    missing = [c for c in extract.required if c not in names]
    if missing:
        raise StructuralError(
            f"{file}: missing required column(s) {', '.join(missing)} (header has: {_some(names)})"
        )
    return names


def named_twice(names: list[str]) -> str | None:
    """The first name a header gives again (a blank one is no name), or None: which of two
    columns of one name would be read? The CSV reader and the workbook source both ask."""
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            return name
        seen.add(name)
    return None


def _some(names: list[str], most: int = 20, width: int = 40) -> str:
    """A header, shortened for a message: the first ``most`` names, each cut to ``width``."""
    shown = [n if len(n) <= width else n[:width] + "..." for n in names[:most]]
    more = f" and {len(names) - most:,} more" if len(names) > most else ""
    return ", ".join(shown) + more


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _contract_columns(extract: Extract, names: list[str]) -> str:
    """The contract's columns from a raw scan; absent optional ones as NULL."""
    cols = [_quote(c) if c in names else f"NULL::VARCHAR AS {_quote(c)}" for c in extract.names]
    return ", ".join(cols)


def _scan_names(extract: Extract, names: list[str]) -> list[str]:
    """The names the staged scan gives a header's columns: the contract's as they are, every
    other column by its position. An extra column is never read, and under its own name it
    could shadow what the reader adds (DuckDB's ``rowid``, the ``_line`` of the csv-module
    path): a source system's own ``rowid`` column became the record number."""
    return [n if n in extract.names else f"_extra_{i}" for i, n in enumerate(names, start=1)]


def _columns_arg(names: list[str], first: str = "") -> str:
    quoted = [f"'{n.replace(chr(39), chr(39) * 2)}': 'VARCHAR'" for n in names]
    return "{" + ", ".join([*([first] if first else []), *quoted]) + "}"


LINE_COLUMN = "'_line': 'BIGINT'"
CSV_OPTIONS = "header=true, auto_detect=false, delim=',', quote='\"', escape='\"'"


def _read_fast(
    con: duckdb.DuckDBPyConnection,
    extract: Extract,
    names: list[str],
    scan: _Scan,
    table: str,
    max_field_bytes: int = MAX_FIELD_BYTES,
) -> np.ndarray | bool | None:
    """Read with DuckDB alone. Returns the newlines-before array (or None when there are no
    embedded newlines), or False when the derived line numbers could not be trusted."""
    names = _scan_names(extract, names)
    rejects = f"{table}_rejects"
    source = (
        f"read_csv(?, {CSV_OPTIONS}, columns={_columns_arg(names)}, null_padding=false, "
        f"store_rejects=true, rejects_table='{rejects}', rejects_scan='{rejects}_scan')"
    )
    # Flat lists, not chains of + or OR: a file with 1,000+ columns must not hit DuckDB's
    # expression depth limit.
    newlines = [
        f"CASE WHEN contains({_quote(n)}, chr(10)) "
        f"THEN length({_quote(n)}) - length(replace({_quote(n)}, chr(10), '')) ELSE 0 END"
        for n in names
    ]
    longest = ", ".join(f"coalesce(max(strlen({_quote(n)})), 0)" for n in names)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table}_scan AS SELECT * FROM {source}",
            [str(scan.utf8_path)],
        )
    except duckdb.InvalidInputException:
        # e.g. mixed line endings: the csv module copes, so let it decide.
        return False
    rejected = con.execute(f"SELECT count(*) FROM {rejects}").fetchall()[0][0]
    con.execute(f"DROP TABLE IF EXISTS {rejects}; DROP TABLE IF EXISTS {rejects}_scan")
    # The newlines inside values, counted in one pass with the longest field; each record's
    # own count only when there are some (most extracts have none).
    totals = ", ".join(f"coalesce(sum({n}), 0)" for n in newlines)
    records, longest_field, *per_column = con.execute(
        f"SELECT count(*), greatest({longest}), {totals} FROM {table}_scan"
    ).fetchall()[0]
    embedded = sum(per_column)
    # Over-long fields are set aside by the csv-module path, which sees each record whole.
    if rejected or 1 + records + embedded != scan.lines or longest_field > max_field_bytes:
        con.execute(f"DROP TABLE {table}_scan")
        return False
    newlines_before = None
    if embedded:
        # Line numbers are only needed for the few quarantined rows: keep the running count
        # here rather than computing a window over every row.
        per_record = con.execute(
            f"SELECT list_sum([{', '.join(newlines)}]) AS _nl FROM {table}_scan ORDER BY rowid"
        ).fetchnumpy()
        counts = per_record["_nl"].astype(np.int64)
        newlines_before = np.concatenate(([0], np.cumsum(counts)[:-1]))
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT rowid AS _rec, "
        f"{_contract_columns(extract, names)} FROM {table}_scan"
    )
    return newlines_before


def _too_long(value: str, limit: int) -> int | None:
    """The value's size in UTF-8 bytes when over ``limit``, else None (cheap for short ones)."""
    if len(value) * 4 <= limit:
        return None
    size = len(value.encode("utf-8"))
    return size if size > limit else None


def _cut(text: str) -> str:
    """Text the quarantine keeps: a long one cut to its start, with its length."""
    if len(text) <= SHOWN_CHARS:
        return text
    return f"{text[:SHOWN_CHARS]}... [{len(text):,} characters]"


def _shortened(row: list[str]) -> str:
    """A record as one CSV line, each long field cut to its start and its length."""
    raw = io.StringIO()
    csv.writer(raw).writerow([_cut(v) for v in row])
    return raw.getvalue().rstrip("\r\n")


def _record_id(fields: list[str], names: list[str], extract: Extract) -> str | None:
    """The record's id, as far as a record set aside while reading has one."""
    key = names.index(extract.key) if extract.key in names else None
    value = fields[key].strip() if key is not None and key < len(fields) else ""
    return value or None


def _long_field(
    row: list[str], names: list[str], extract: Extract, limit: int, line: int
) -> Malformed | None:
    """A record holding a field over ``limit`` bytes, set aside as field_too_long."""
    over = [(i, n) for i, v in enumerate(row) if (n := _too_long(v, limit)) is not None]
    if not over:
        return None
    i, size = over[0]
    column = names[i] if i < len(names) else f"field {i + 1}"
    return Malformed(
        line,
        _shortened(row),
        f"{column} is {size:,} bytes, over the {limit:,}-byte limit (max_field_bytes)",
        reason=Reason.FIELD_TOO_LONG.value,
        # An id over the limit is no id to name the record by.
        record_id=None if column == extract.key else _record_id(row, names, extract),
    )


# Read after a file's last line: a record still inside a quoted value there takes it in.
_END_MARK = "\ue000end of the file\ue000"


def _records(path: Path) -> Iterator[tuple[int, list[str] | None]]:
    """Each record after the header, with the line it starts on (blank lines included, as
    empty records). A quoted value never closed would take every later line of the file in as
    one value (Python's csv module, not strict, gives it back at the end of the file): that
    record comes as (line, None), and reading goes on from the line after it."""
    skip, header = 0, True
    while True:
        with path.open(encoding="utf-8-sig", newline="") as src:
            reader = csv.reader(itertools.chain(itertools.islice(src, skip, None), [_END_MARK]))
            try:
                if header:
                    next(reader)
                    header = False
                line_end = reader.line_num
                for row in reader:
                    start, line_end = skip + line_end + 1, reader.line_num
                    if row == [_END_MARK]:
                        return
                    if row and row[-1].endswith(_END_MARK):
                        yield start, None
                        skip = start
                        break
                    yield start, row
                else:
                    return
            except csv.Error as exc:
                raise StructuralError(
                    f"{path.name}: unreadable file at line {skip + reader.line_num}: {exc}"
                ) from exc


def _unclosed(path: Path, line: int, names: list[str], extract: Extract) -> Malformed:
    """The record starting on ``line`` whose quoted value is never closed, set aside."""
    with path.open(encoding="utf-8-sig", newline="") as src:
        text = next(itertools.islice(src, line - 1, None)).rstrip("\r\n")
    return Malformed(
        line,
        _cut(text),
        "a quoted value opened on this line is never closed (every later line would have been "
        "read into it): the line is set aside and reading goes on from the next",
        record_id=_record_id(next(csv.reader([text]), []), names, extract),
    )


def _read_slow(
    con: duckdb.DuckDBPyConnection,
    extract: Extract,
    names: list[str],
    scan: _Scan,
    table: str,
    workdir: Path,
    max_field_bytes: int = MAX_FIELD_BYTES,
) -> tuple[int, list[Malformed]]:
    """Parse with Python's csv module: exact line numbers, and rows of the wrong width, with
    an over-long field or with a quoted value never closed set aside."""
    malformed: list[Malformed] = []
    scanned = _scan_names(extract, names)
    good_path = workdir / f"{table}.lines.csv"
    records = 0
    longest_line = 0
    # No field can be longer than the file: the module's own limit (131,072) must not refuse
    # a whole extract; over-long fields are quarantined below instead.
    csv.field_size_limit(max(csv.field_size_limit(), scan.utf8_path.stat().st_size + 1))
    with good_path.open("w", encoding="utf-8", newline="") as dst:
        writer = csv.writer(dst)
        writer.writerow(["_line", *scanned])
        for start, row in _records(scan.utf8_path):
            if row is None:
                records += 1
                malformed.append(_unclosed(scan.utf8_path, start, names, extract))
                continue
            if not row:
                continue  # a blank line is not a record
            records += 1
            too_long = _long_field(row, names, extract, max_field_bytes, start)
            if too_long:
                malformed.append(too_long)
                continue
            if len(row) != len(names):
                raw = io.StringIO()
                csv.writer(raw).writerow(row)
                malformed.append(
                    Malformed(
                        start,
                        raw.getvalue().rstrip("\r\n"),
                        f"expected {len(names)} fields as in the header, found {len(row)}",
                    )
                )
                continue
            writer.writerow([start, *row])
            longest_line = max(longest_line, sum(len(v) for v in row) * 4)
    max_line = max(DUCKDB_MAX_LINE, longest_line + 4 * len(names) + 64)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table}_scan AS SELECT * FROM read_csv(?, {CSV_OPTIONS}, "
        f"columns={_columns_arg(scanned, first=LINE_COLUMN)}, max_line_size={max_line})",
        [str(good_path)],
    )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT _line AS _rec, "
        f"{_contract_columns(extract, names)} FROM {table}_scan"
    )
    return records, malformed


def stage_file(
    con: duckdb.DuckDBPyConnection,
    extract: Extract,
    path: Path,
    workdir: Path,
    label: str | None = None,
    max_field_bytes: int = MAX_FIELD_BYTES,
) -> StagedFile:
    """Stage ``path`` as the temp view ``raw_<extract>``; raise StructuralError if unusable."""
    refuse_symlink(path)
    if not path.is_file():
        raise StructuralError(f"{path.name}: missing file (looked for {path})")
    _refuse_utf16(path)
    try:
        # Most extracts are UTF-8 and read whole by DuckDB, which checks the encoding itself:
        # the byte-by-byte check costs a second pass only for the others.
        scan = _scan(path, workdir, check_utf8=False)
    except OSError as exc:
        raise StructuralError(f"{path.name}: unreadable file: {exc.strerror}") from exc
    names, scan = _header_of(path, workdir, scan, extract)
    table = f"raw_{extract.name}"
    staged = StagedFile(
        extract=extract,
        path=path,
        encoding=scan.encoding,
        table=table,
        label=label or extract.file,
        rows_read=0,
        missing_optional=tuple(c for c in extract.names if c not in names),
    )
    try:
        fast = _read_fast(con, extract, names, scan, table, max_field_bytes)
        if fast is False:
            if not scan.checked:  # the encoding checked; a Windows-1252 file converted
                scan = _scan(path, workdir)
                staged.encoding = scan.encoding
            staged.rows_read, staged.malformed = _read_slow(
                con, extract, names, scan, table, workdir, max_field_bytes
            )
            staged.rec_is_line = True
        else:
            staged.newlines_before = fast
            staged.rows_read = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    except duckdb.Error as exc:
        raise StructuralError(f"{path.name}: unreadable file: {exc}") from exc
    return staged
