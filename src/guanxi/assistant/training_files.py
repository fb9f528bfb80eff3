"""Reading the assistant's training and knowledge files, with errors that name what was wrong.

Intents and question pairs come as CSV files, the FAQ and the dialogue intents as YAML; each kind has
its own error code prefix (``intents``, ``pairs``, ``faq``, ``dialogue_intents``), and every error
names the file and where in it: the line and column of a CSV, the entry and field of a YAML list.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

from guanxi.errors import ValidationFailed

__all__ = ["csv_rows", "entry_error", "file_error", "line_error"]


def csv_rows(path: Path, required: Sequence[str], *, code: str) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a UTF-8 CSV file with a header holding ``required``, each with its line number.

    Header names are trimmed. Raises ``ValidationFailed`` (``{code}_empty_file`` for a file without a
    header, ``{code}_bad_file`` otherwise) naming the file, and the line and column where they are
    known: an empty file, a column missing from the header, text that is not UTF-8, broken CSV. The
    caller checks the fields of each row and raises ``line_error`` for a bad one.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = [c.strip() for c in reader.fieldnames or []]
            if not columns:
                raise ValidationFailed(
                    f"{path}: the file is empty (expected a header with columns {', '.join(required)})",
                    code=f"{code}_empty_file",
                    details={"file": str(path)},
                )
            missing = [c for c in required if c not in columns]
            if missing:
                raise line_error(path, 1, missing[0], "is missing from the header", code=code, missing=missing)
            reader.fieldnames = columns
            start = reader.line_num + 1
            for row in reader:
                # A quoted field may span lines: the row starts where the previous one ended.
                line, start = start, reader.line_num + 1
                yield line, row
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})", code=f"{code}_bad_file"
        ) from None
    except csv.Error as exc:
        raise ValidationFailed(f"{path}: not a readable CSV file ({exc})", code=f"{code}_bad_file") from None


def line_error(path: Path, line: int, column: str, reason: str, *, code: str, **extra: object) -> ValidationFailed:
    """A ``{code}_bad_file`` error naming the file, line and column of a CSV file."""
    return ValidationFailed(
        f"{path}: line {line}: column '{column}' {reason}",
        code=f"{code}_bad_file",
        details={"file": str(path), "line": line, "column": column, **extra},
    )


def entry_error(
    path: Path, index: int, name: str | None, field: str, reason: str, *, code: str, entries: str, name_key: str
) -> ValidationFailed:
    """A ``{code}_bad_file`` error naming the file, the entry of list ``entries`` (index, and its name
    under ``name_key`` when known) and the field of a YAML file.
    """
    entry = f"{entries}[{index}]" + (f" ('{name}')" if name else "")
    return ValidationFailed(
        f"{path}: {entry}: field '{field}' {reason}",
        code=f"{code}_bad_file",
        details={"file": str(path), "entry": index, name_key: name, "field": field},
    )


def file_error(path: Path, reason: str, field: str | None = None, *, code: str) -> ValidationFailed:
    """A ``{code}_bad_file`` error about a file as a whole, or one of its top-level fields."""
    message = f"{path}: field '{field}' {reason}" if field else f"{path}: {reason}"
    return ValidationFailed(message, code=f"{code}_bad_file", details={"file": str(path), "field": field})
