"""Any tabular extract to model-ready features and a 0/1 target, with no code from the user.

A bank's extracts come with every separator, with or without a header, with numbers written as
text ("1,234.50", "1234,50", "12 %"), and with missing values spelled '', '?', 'NA' and so on.
:func:`load_dataset` reads such a file, learns a :class:`TabularSchema` (which column is numeric,
categorical or a date, how its numbers are written, which levels a category keeps) and applies it;
scoring a new file applies the same schema, so training and scoring see identical features.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from guanxi.errors import ValidationFailed

MISSING_TOKENS = frozenset({"", "?", "na", "n/a", "nan", "null", "none", "nil", "#n/a", "-", "."})
OTHER_LEVEL = "(other)"
MAX_LEVELS = 100  # more levels than this are rare ones that trees overfit
MIN_LEVEL_COUNT = 5  # a level seen fewer times falls into OTHER_LEVEL
NUMERIC_SHARE = 0.98  # a column is numeric when this share of its present values parse as numbers
ID_LIKE_SHARE = 0.9  # a text column this unique is an identifier or free text, not a feature
ID_TOKENS = frozenset({"id", "uuid", "guid", "key", "no", "nr", "number", "num", "ref"})
POSITIVE_WORDS = ("1", "yes", "y", "true", "t", "bad", "default", "churn", "churned", "positive")

_SPACES_AND_CURRENCY = re.compile(r"[\s\u00a0$€£¥]")
_PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS_COMMA = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
_DOT_THOUSANDS_DECIMAL_COMMA = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}[-/]\d{2}[-/]\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")

Kind = Literal["numeric", "categorical", "date"]
NumberStyle = Literal["plain", "thousands_comma", "decimal_comma"]


@dataclass(frozen=True)
class ColumnSpec:
    """How one feature column is read: its kind, number style and kept levels."""

    name: str
    kind: Kind
    style: NumberStyle = "plain"
    levels: tuple[str, ...] = ()


@dataclass(frozen=True)
class TabularSchema:
    """What was learned from the training file; applied again to every file scored later."""

    columns: tuple[ColumnSpec, ...]
    target: str
    positive: str
    id_column: str | None = None
    sep: str = ","
    header: bool = True
    dropped: dict[str, str] = field(default_factory=dict)

    @property
    def feature_names(self) -> list[str]:
        """The feature columns, in order."""
        return [c.name for c in self.columns]

    def features(self, raw: pd.DataFrame, *, source: str) -> pd.DataFrame:
        """Turn a frame of raw strings into typed features (numeric floats, categories)."""
        missing = [c.name for c in self.columns if c.name not in raw.columns]
        if missing:
            raise ValidationFailed(
                f"{source}: column(s) {', '.join(repr(m) for m in missing)} that the model needs are missing",
                code="scoring_missing_columns",
                details={"file": source, "columns": missing},
            )
        out: dict[str, pd.Series] = {}
        for spec in self.columns:
            values = _clean(raw[spec.name])
            if spec.kind == "numeric":
                out[spec.name] = _to_number(values, spec.style)
            elif spec.kind == "date":
                out[spec.name] = _to_days(values)
            else:
                kept = values.where(values.isin(spec.levels) | values.isna(), OTHER_LEVEL)
                out[spec.name] = pd.Series(
                    pd.Categorical(kept, categories=[*spec.levels, OTHER_LEVEL]), index=raw.index, name=spec.name
                )
        return pd.DataFrame(out, index=raw.index)


@dataclass
class Dataset:
    """Features, a 0/1 target and row identifiers read from one file."""

    X: pd.DataFrame
    y: np.ndarray
    ids: pd.Series
    schema: TabularSchema
    source: str
    notes: list[str]

    def summary(self) -> dict[str, object]:
        """What the data was, for reports and model cards."""
        kinds = {c.name: c.kind for c in self.schema.columns}
        return {
            "file": self.source,
            "rows": len(self.y),
            "positives": int(self.y.sum()),
            "positive_rate": round(float(self.y.mean()), 6),
            "target": self.schema.target,
            "positive": self.schema.positive,
            "features": len(kinds),
            "numeric": sorted(n for n, k in kinds.items() if k != "categorical"),
            "categorical": sorted(n for n, k in kinds.items() if k == "categorical"),
            "dropped": dict(self.schema.dropped),
        }


def read_table(path: Path, *, sep: str | None = None, header: bool = True) -> tuple[pd.DataFrame, str]:
    """Read a delimited text file as strings; returns the frame and the separator used."""
    source = str(path)
    if not path.is_file():
        raise ValidationFailed(f"{source}: no such file", code="tabular_no_file", details={"file": source})
    text = _decode(path.read_bytes())
    if not text.strip():
        raise ValidationFailed(f"{source}: the file is empty", code="tabular_empty", details={"file": source})
    sep = _resolve_sep(sep, text)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="python" if len(sep) > 1 else "c",
        )
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        reason = str(exc).strip().splitlines()[-1]
        raise ValidationFailed(
            f"{source}: cannot be read with separator {sep!r}: {reason}",
            code="tabular_unreadable",
            details={"file": source, "sep": sep},
        ) from None
    frame = frame.fillna("")
    if header:
        names = [str(v).strip() or f"c{i + 1}" for i, v in enumerate(frame.iloc[0])]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValidationFailed(
                f"{source}: the header names column(s) {', '.join(repr(d) for d in duplicated)} more than once",
                code="tabular_duplicate_columns",
                details={"file": source, "columns": duplicated},
            )
        frame = frame.iloc[1:].reset_index(drop=True)
        frame.columns = names
    else:
        frame.columns = [f"c{i + 1}" for i in range(frame.shape[1])]
    if frame.empty:
        raise ValidationFailed(f"{source}: no data rows", code="tabular_no_rows", details={"file": source})
    return frame, sep


def load_dataset(
    path: Path,
    *,
    target: str,
    positive: str | None = None,
    id_column: str | None = None,
    exclude: Sequence[str] = (),
    sep: str | None = None,
    header: bool = True,
) -> Dataset:
    """Read a training file: check the target, infer each column's type, drop what cannot be a feature."""
    raw, used_sep = read_table(path, sep=sep, header=header)
    source = str(path)
    for role, name in [("target", target), ("id", id_column), *[("exclude", e) for e in exclude]]:
        if name is not None and name not in raw.columns:
            shown = ", ".join(list(raw.columns)[:30])
            raise ValidationFailed(
                f"{source}: no column {name!r} (given as --{role}); the columns are: {shown}",
                code="tabular_unknown_column",
                details={"file": source, "column": name, "role": role},
            )
    if target == id_column or target in exclude:
        raise ValidationFailed(
            f"{source}: column {target!r} cannot be both the target and an id/excluded column",
            code="tabular_target_conflict",
            details={"file": source, "column": target},
        )
    notes: list[str] = []
    labels = _clean(raw[target])
    if labels.isna().any():
        notes.append(f"{int(labels.isna().sum())} row(s) without a value in target {target!r} were left out")
        raw = raw[labels.notna()].reset_index(drop=True)
        labels = labels[labels.notna()].reset_index(drop=True)
    positive = _positive_class(labels, positive, source=source, target=target)
    y = _labels_to_binary(labels, positive)
    if y.min() == y.max():
        raise ValidationFailed(
            f"{source}: every row of target {target!r} is {'the positive' if y[0] else 'a negative'} class "
            f"after --positive {positive!r}; the target needs exactly two classes",
            code="tabular_one_class",
            details={"file": source, "column": target, "positive": positive},
        )
    ids = raw[id_column].astype(str) if id_column else pd.Series(np.arange(1, len(raw) + 1).astype(str))
    candidates = [c for c in raw.columns if c not in {target, id_column, *exclude}]
    specs, dropped = infer_columns(raw[candidates], notes=notes)
    if not specs:
        raise ValidationFailed(
            f"{source}: no usable feature column is left besides target {target!r}",
            code="tabular_no_features",
            details={"file": source, "dropped": dropped},
        )
    schema = TabularSchema(
        columns=tuple(specs),
        target=target,
        positive=positive,
        id_column=id_column,
        sep=used_sep,
        header=header,
        dropped=dropped,
    )
    for name, reason in dropped.items():
        notes.append(f"column {name!r} dropped: {reason}")
    return Dataset(X=schema.features(raw, source=source), y=y, ids=ids, schema=schema, source=source, notes=notes)


def infer_columns(raw: pd.DataFrame, *, notes: list[str]) -> tuple[list[ColumnSpec], dict[str, str]]:
    """Decide each column's kind; return the kept columns and the dropped ones with a reason."""
    specs: list[ColumnSpec] = []
    dropped: dict[str, str] = {}
    n = len(raw)
    for name in raw.columns:
        values = _clean(raw[name])
        present = values.dropna()
        if values.nunique(dropna=False) <= 1:
            dropped[name] = "constant (a single value in every row)"
            continue
        if len(present) and present.map(_ISO_DATE.match).notna().mean() >= NUMERIC_SHARE:
            notes.append(f"column {name!r} read as a date (days since 1970-01-01)")
            specs.append(ColumnSpec(name, "date"))
            continue
        style = _number_style(present)
        if style is not None:
            numbers = _to_number(present, style)
            bad = int(numbers.isna().sum())
            if bad:
                example = present[numbers.isna()].iloc[0]
                notes.append(f"column {name!r}: {bad} value(s) that are not numbers (e.g. {example!r}) read as missing")
            whole = bool((numbers == np.floor(numbers)).all())
            if _is_identifier_name(name) and len(present) == n and numbers.is_unique and whole:
                dropped[name] = "identifier (a different whole number in every row)"
                continue
            specs.append(ColumnSpec(name, "numeric", style=style))
            continue
        distinct = present.nunique()
        if n >= 20 and distinct >= ID_LIKE_SHARE * n:
            dropped[name] = f"identifier or free text ({distinct} different values in {n} rows)"
            continue
        counts = present.value_counts()
        kept = counts[counts >= MIN_LEVEL_COUNT].index[:MAX_LEVELS]
        levels = tuple(sorted(str(v) for v in kept))
        if len(levels) < len(counts):
            notes.append(f"column {name!r}: {len(counts) - len(levels)} rare level(s) grouped as {OTHER_LEVEL!r}")
        specs.append(ColumnSpec(name, "categorical", levels=levels))
    return specs, dropped


def _decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark) first; Windows-1252 is what old extracts use otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _resolve_sep(sep: str | None, text: str) -> str:
    """Translate escaped separators ('\\t') and sniff one when none is given."""
    if sep is not None:
        named = {"\\t": "\t", "tab": "\t", "space": " ", "whitespace": r"\s+"}
        return named.get(sep, sep)
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _clean(column: pd.Series) -> pd.Series:
    """Strip spaces and quotes; every spelling of 'missing' becomes NA."""
    text = column.astype(str).str.strip().str.strip('"').str.strip()
    return text.where(~text.str.lower().isin(MISSING_TOKENS), None).astype(object)


def _number_style(present: pd.Series) -> NumberStyle | None:
    """How the column writes its numbers, or None when it is not numeric."""
    if present.empty:
        return None
    # '1,500' reads as thousands before decimals; a column with any '2,25' can only be decimal commas
    for style in ("plain", "thousands_comma", "decimal_comma"):
        if _to_number(present, style).notna().mean() >= NUMERIC_SHARE:  # type: ignore[arg-type]
            return style  # type: ignore[return-value]
    return None


def _to_number(values: pd.Series, style: NumberStyle) -> pd.Series:
    """Parse strings as floats in the given style; what does not parse becomes NaN."""
    text = values.astype(object).where(values.notna(), "").astype(str)
    compact = text.str.replace(_SPACES_AND_CURRENCY, "", regex=True).str.rstrip("%")
    if style == "thousands_comma":
        compact = compact.where(~compact.str.match(_THOUSANDS_COMMA), compact.str.replace(",", "", regex=False))
    elif style == "decimal_comma":
        local = compact.str.match(_DECIMAL_COMMA) | compact.str.match(_DOT_THOUSANDS_DECIMAL_COMMA)
        converted = compact.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        compact = compact.where(~local, converted)
    numbers = pd.to_numeric(compact.where(compact.str.match(_PLAIN)), errors="coerce")
    return pd.Series(numbers.to_numpy(dtype="float64"), index=values.index, name=values.name)


def _to_days(values: pd.Series) -> pd.Series:
    """ISO dates as days since 1970-01-01 (a number trees and bins can split)."""
    stamps = pd.to_datetime(values.str.replace("/", "-"), errors="coerce", format="mixed")
    days = (stamps - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400.0
    return days.astype("float64")


def _is_identifier_name(name: str) -> bool:
    """Whether a column's name says it is a key ('loan_id', 'CustomerId', 'account no')."""
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", name).lower()
    tokens = [t for t in re.split(r"[^a-z0-9]+", words) if t]
    return bool(tokens) and tokens[-1] in ID_TOKENS


def _positive_class(labels: pd.Series, positive: str | None, *, source: str, target: str) -> str:
    """The value of the target that counts as the positive (event) class."""
    distinct = sorted(str(v) for v in labels.unique())
    shown = ", ".join(repr(v) for v in distinct[:10]) + (" …" if len(distinct) > 10 else "")
    if positive is not None:
        if positive in distinct or _numeric_match(distinct, positive):
            return positive
        raise ValidationFailed(
            f"{source}: --positive {positive!r} is not a value of target {target!r}; its values are {shown}",
            code="tabular_unknown_positive",
            details={"file": source, "column": target, "positive": positive, "values": distinct[:10]},
        )
    if len(distinct) != 2:
        raise ValidationFailed(
            f"{source}: target {target!r} has {len(distinct)} different value(s) ({shown}); it needs exactly two, "
            "or name the positive class with --positive",
            code="tabular_not_binary",
            details={"file": source, "column": target, "values": distinct[:10]},
        )
    for word in POSITIVE_WORDS:
        for value in distinct:
            if value.lower() == word or _numeric_match([value], word):
                return value
    raise ValidationFailed(
        f"{source}: target {target!r} has the values {shown}; say which is the positive class with --positive",
        code="tabular_ambiguous_positive",
        details={"file": source, "column": target, "values": distinct},
    )


def _numeric_match(values: Sequence[str], wanted: str) -> bool:
    """'2' matches '2.0': targets are often written as floats."""
    try:
        number = float(wanted)
    except ValueError:
        return False
    for value in values:
        try:
            if float(value) == number:
                return True
        except ValueError:
            continue
    return False


def _labels_to_binary(labels: pd.Series, positive: str) -> np.ndarray:
    """1 where the label is the positive class, else 0."""
    exact = labels.astype(str) == positive
    if not exact.any():
        exact = labels.astype(str).map(lambda v: _numeric_match([v], positive))
    return exact.to_numpy(dtype=np.int64)
