"""Finding and opening the files of an extract, and turning read failures into clear errors.

Text files are read by DuckDB with the columns taken from the header line and strict
parsing, so a row with the wrong number of fields, an unterminated quote or bytes that are
not in the declared encoding stops the load with the file and line named.
"""

from __future__ import annotations

import codecs
import csv
import glob
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb

from guanxi.ingest.errors import EncodingProblem, ExtractFileEmpty, MalformedFile
from guanxi.ingest.mapping import CsvOptions

PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True)
class SourceFile:
    """A file of the extract, inspected but not yet read."""

    path: Path
    kind: Literal["csv", "parquet"]
    columns: tuple[str, ...]
    csv: CsvOptions
    # Further files read together with ``path`` in one scan (same kind, columns and options).
    more_paths: tuple[Path, ...] = ()

    @property
    def name(self) -> str:
        """The file's name as shown in messages."""
        return self.path.name


def sql_string(value: str) -> str:
    """Quote ``value`` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    """Quote ``name`` as a SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def combined(sources: list[SourceFile]) -> SourceFile:
    """One source reading all ``sources`` in a single parallel scan, where they are alike; else the first."""
    first = sources[0]
    alike = all(s.kind == first.kind and s.columns == first.columns and s.csv == first.csv for s in sources)
    if len(sources) == 1 or not alike:
        return first
    return SourceFile(first.path, first.kind, first.columns, first.csv, tuple(s.path for s in sources[1:]))


def find_files(directory: Path, patterns: tuple[str, ...]) -> list[Path]:
    """Return the files for the first pattern that matches anything, sorted; empty if none."""
    for pattern in patterns:
        matches = sorted(Path(p) for p in glob.glob(glob.escape(str(directory)) + "/" + pattern) if Path(p).is_file())
        if matches:
            return matches
    return []


def inspect_file(path: Path, options: CsvOptions) -> SourceFile:
    """Check that a file is non-empty and readable, and return its columns."""
    if path.stat().st_size == 0:
        raise ExtractFileEmpty(f"{path.name}: the file is empty (0 bytes)", details={"file": str(path)})
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return SourceFile(path, "parquet", _parquet_columns(path), options)
    return SourceFile(path, "csv", _csv_header(path, options), options)


def _parquet_columns(path: Path) -> tuple[str, ...]:
    with path.open("rb") as handle:
        head = handle.read(4)
        handle.seek(-4, 2)
        tail = handle.read(4)
    if head != b"PAR1" or tail != b"PAR1":
        raise MalformedFile(f"{path.name}: not a Parquet file (missing PAR1 markers)", details={"file": str(path)})
    con = duckdb.connect()
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM read_parquet({sql_string(str(path))})").fetchall()
    except duckdb.Error as exc:
        raise MalformedFile(f"{path.name}: unreadable Parquet file: {first_line(exc)}") from exc
    finally:
        con.close()
    return tuple(str(r[0]) for r in rows)


def _csv_header(path: Path, options: CsvOptions) -> tuple[str, ...]:
    with path.open("rb") as handle:
        first = handle.readline()
    try:
        text = first.decode(options.encoding)
    except UnicodeDecodeError as exc:
        raise EncodingProblem(
            f"{path.name}, line 1: not valid {options.encoding} text (byte 0x{first[exc.start]:02x} at column "
            f"{exc.start + 1}); if the file uses another encoding, declare it in the mapping (csv: encoding: ...)",
            details={"file": str(path), "line": 1},
        ) from exc
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ExtractFileEmpty(
            f"{path.name}: the first line is blank; expected a header row", details={"file": str(path)}
        )
    if not options.header:
        count = len(next(csv.reader(io.StringIO(text), delimiter=options.delimiter, quotechar=options.quote)))
        return tuple(f"column{i}" for i in range(count))
    header = next(csv.reader(io.StringIO(text), delimiter=options.delimiter, quotechar=options.quote))
    header = [h.strip() for h in header]
    seen: set[str] = set()
    for name in header:
        if not name:
            raise MalformedFile(
                f"{path.name}, line 1: the header has an empty column name", details={"file": str(path)}
            )
        if name in seen:
            raise MalformedFile(f"{path.name}, line 1: column '{name}' appears twice in the header")
        seen.add(name)
    return tuple(header)


def scan_sql(source: SourceFile, row_numbers: bool = False, types: dict[str, str] | None = None) -> str:
    """Return the DuckDB table function that reads ``source``.

    CSV columns are text unless ``types`` names a DuckDB type for them; then the reader parses them
    itself (fast) and fails on the first value that does not parse.
    """
    paths = [source.path, *source.more_paths]
    where = sql_string(str(paths[0])) if len(paths) == 1 else "[" + ", ".join(sql_string(str(p)) for p in paths) + "]"
    if source.kind == "parquet":
        extra = ", file_row_number=true" if row_numbers else ""
        return f"read_parquet({where}{extra})"
    opts = source.csv
    types = types or {}
    columns = ", ".join(f"{sql_string(c)}: {sql_string(types.get(c, 'VARCHAR'))}" for c in source.columns)
    encoding = opts.encoding.lower().replace("_", "-")
    encoding = {"utf8": "utf-8", "latin1": "latin-1", "iso-8859-1": "latin-1"}.get(encoding, encoding)
    return (
        f"read_csv({where}, delim={sql_string(opts.delimiter)}, "
        f"quote={sql_string(opts.quote)}, escape={sql_string(opts.quote)}, header={str(opts.header).lower()}, "
        f"auto_detect=false, strict_mode=true, columns={{{columns}}}, encoding={sql_string(encoding)})"
    )


_LINE = re.compile(r"CSV Error on Line: (\d+)")
_COLUMNS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def explain_read_error(source: SourceFile, exc: duckdb.Error) -> Exception:
    """Turn a DuckDB read failure into an error that names the file, line and reason."""
    text = str(exc)
    line_match = _LINE.search(text)
    line = int(line_match.group(1)) if line_match else None
    where = f"{source.name}, line {line}" if line else source.name
    details = {"file": str(source.path), "line": line}
    if "unicode" in text.lower() or "encod" in text.lower():
        bad_line = _first_undecodable_line(source.path, source.csv.encoding) or line
        where = f"{source.name}, line {bad_line}" if bad_line else source.name
        details["line"] = bad_line
        return EncodingProblem(
            f"{where}: not valid {source.csv.encoding} text; if the file uses another encoding, declare it in the "
            "mapping (csv: encoding: ...)",
            details=details,
        )
    columns = _COLUMNS.search(text)
    if columns:
        return MalformedFile(
            f"{where}: malformed row: expected {columns.group(1)} fields, found {columns.group(2)}",
            details=details,
        )
    if "unterminated quote" in text.lower():
        return MalformedFile(f"{where}: malformed row: a quoted value is never closed", details=details)
    if source.kind == "csv":
        found = _diagnose_csv(source)
        if found is not None:
            line, reason = found
            return MalformedFile(f"{source.name}, line {line}: {reason}", details=details | {"line": line})
    return MalformedFile(f"{where}: cannot be read: {first_line(exc)}", details=details)


def _diagnose_csv(source: SourceFile) -> tuple[int, str] | None:
    """Find the first malformed row with Python's csv module (only on the failure path)."""
    opts = source.csv
    expected = len(source.columns)
    try:
        with source.path.open(encoding=opts.encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=opts.delimiter, quotechar=opts.quote, strict=True)
            start = reader.line_num
            for row in reader:
                if reader.line_num == 1 and opts.header:
                    start = reader.line_num
                    continue
                if row and len(row) != expected:
                    return start + 1, f"malformed row: expected {expected} fields, found {len(row)}"
                start = reader.line_num
    except csv.Error:
        return start + 1, "malformed row: a quoted value is never closed"
    except UnicodeDecodeError:
        return None
    raw = source.path.read_bytes()
    if b"\r\n" in raw and b"\n" in raw.replace(b"\r\n", b""):
        return 1, "mixes Windows (CRLF) and Unix (LF) line endings; save it with one kind"
    return None


def _first_undecodable_line(path: Path, encoding: str) -> int | None:
    """Find the first line that does not decode (only on the failure path, so speed is secondary)."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        return None
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError:
                return number
    return None


def first_line(exc: BaseException) -> str:
    """The first non-blank line of an error's message (DuckDB's go on with hints)."""
    lines = [ln for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__
