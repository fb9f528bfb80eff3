"""Writing the canonical extract: one file per entity, parts for the lake entities, ground truth.

Column order and types come from :mod:`guanxi.ingest.entities`, so the files match the spec by
construction. Parquet uses the spec's Arrow types; CSV is UTF-8 with ISO dates and
``YYYY-MM-DDTHH:MM:SSZ`` datetimes, written by Arrow's CSV writer (strings are quoted).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from guanxi.ingest.entities import ENTITIES, EntitySpec, FieldSpec, get_entity
from guanxi.ingest.synth import arrays as ar

Format = Literal["csv", "parquet"]
LABEL_COLUMNS = ("subject_type", "subject_key", "label", "event_date", "detail")
_KIND_TYPES = {
    "str": pa.string(),
    "code": pa.string(),
    "currency": pa.string(),
    "json": pa.string(),
    "int": pa.int64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "datetime": ar.TIMESTAMP,
    "money": ar.MONEY,
    "decimal": ar.DECIMAL,
}


def arrow_type(field: FieldSpec) -> pa.DataType:
    """The Arrow (and Parquet) type of a canonical field."""
    return _KIND_TYPES[field.kind]


def entity_schema(spec: EntitySpec) -> pa.Schema:
    """The Arrow schema of an entity's file, columns in spec order."""
    return pa.schema([pa.field(f.name, arrow_type(f), nullable=not f.required) for f in spec.fields])


def make_table(entity: str, columns: Mapping[str, pa.Array], dictionaries: bool = False) -> pa.Table:
    """Build an entity's table from named columns; absent optional columns are null.

    With ``dictionaries``, dictionary-encoded text columns are kept as they are: Parquet stores
    them as ordinary (dictionary-encoded) strings and saves materialising every value.
    """
    spec = get_entity(entity)
    names = {f.name for f in spec.fields}
    unknown = set(columns) - names
    if unknown:
        raise ValueError(f"{entity}: columns not in the canonical spec: {sorted(unknown)}")
    length = len(next(iter(columns.values())))
    arrays = []
    for f in spec.fields:
        typ = arrow_type(f)
        col = columns.get(f.name)
        if col is None:
            if f.required:
                raise ValueError(f"{entity}: required column {f.name} missing")
            col = pa.nulls(length, typ)
        elif pa.types.is_dictionary(col.type) and typ == pa.string():
            col = col if dictionaries else col.cast(typ)
        elif col.type != typ:
            col = col.cast(typ)
        if len(col) != length:
            raise ValueError(f"{entity}.{f.name}: {len(col)} values, expected {length}")
        arrays.append(col)
    schema = pa.schema(
        [pa.field(f.name, a.type, nullable=not f.required) for f, a in zip(spec.fields, arrays, strict=True)]
    )
    return pa.Table.from_arrays(arrays, schema=schema)


def _csv_ready(table: pa.Table) -> pa.Table:
    """Datetimes as ISO 8601 UTC text; everything else Arrow's CSV writer formats as required."""
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(
                i, pa.field(field.name, pa.string(), field.nullable), table.column(i).cast(pa.string())
            )
        elif pa.types.is_timestamp(field.type):
            text = ar.iso_datetimes(table.column(i).combine_chunks())
            table = table.set_column(i, pa.field(field.name, pa.string(), field.nullable), text)
    return table


_CSV_OPTIONS = pacsv.WriteOptions(quoting_style="needed")
# Columns with few distinct values, worth a Parquet dictionary: codes, currencies, references.
_REPETITIVE = frozenset(
    f.name for spec in ENTITIES for f in spec.fields if f.kind in ("code", "currency", "bool") or f.ref
)


class ExtractWriter:
    """Streams an extract to ``out``; db entities are appended to one file each.

    Encoding and compressing files runs on a background thread (Arrow releases the GIL), so on
    a machine with two cores the next batch is generated while the previous one is written.
    Writes happen in submission order, so the files are the same as with a single thread.
    """

    def __init__(self, out: Path, fmt: Format) -> None:
        self.out = out
        self.fmt = fmt
        self.counts = {e.name: 0 for e in ENTITIES}
        self._writers: dict[str, pq.ParquetWriter | pacsv.CSVWriter] = {}
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="synth-writer")
        self._pending: list[Future[None]] = []
        out.mkdir(parents=True, exist_ok=True)
        self._clear()

    def __enter__(self) -> ExtractWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
            return
        # Failing: stop writing, release the files, keep the original error.
        for future in self._pending:
            future.cancel()
        self._thread.shutdown(wait=True)
        for sink in self._writers.values():
            sink.close()

    def _clear(self) -> None:
        # Remove what an earlier run wrote (only our own files), so a smaller run leaves no stale parts.
        for spec in ENTITIES:
            for ext in ("csv", "parquet"):
                (self.out / f"{spec.name}.{ext}").unlink(missing_ok=True)
            if spec.target == "lake" and (self.out / spec.name).is_dir():
                shutil.rmtree(self.out / spec.name)
        (self.out / "ground_truth" / "labels.csv").unlink(missing_ok=True)

    def _submit(self, job: Callable[[], None]) -> None:
        self._pending.append(self._thread.submit(job))

    def wait(self) -> None:
        """Block until everything submitted so far is on disk (re-raising a write error)."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def _open(self, path: Path, schema: pa.Schema) -> pq.ParquetWriter | pacsv.CSVWriter:
        if self.fmt == "parquet":
            # Without the stored Arrow schema, dictionary columns read back as plain strings. Only
            # repetitive text is dictionary-encoded: hashing millions of unique keys is wasted work.
            repetitive = [f.name for f in schema if pa.types.is_dictionary(f.type) or f.name in _REPETITIVE]
            return pq.ParquetWriter(path, schema, compression="zstd", store_schema=False, use_dictionary=repetitive)
        return pacsv.CSVWriter(path, _csv_ready(schema.empty_table()).schema, write_options=_CSV_OPTIONS)

    def _write(self, sink: pq.ParquetWriter | pacsv.CSVWriter, table: pa.Table) -> None:
        sink.write_table(_csv_ready(table) if self.fmt == "csv" else table)

    def write(self, entity: str, columns: Mapping[str, pa.Array]) -> None:
        """Append rows to a db entity's file."""
        table = make_table(entity, columns)
        self.counts[entity] += table.num_rows

        def job() -> None:
            sink = self._writers.get(entity)
            if sink is None:
                sink = self._writers[entity] = self._open(self.out / f"{entity}.{self.fmt}", table.schema)
            self._write(sink, table)

        self._submit(job)

    def write_part(self, entity: str, part: int, columns: Mapping[str, pa.Array]) -> None:
        """Write one part of a lake entity (``OUT/<entity>/part-NNNNN.<fmt>``)."""
        table = make_table(entity, columns, dictionaries=True)
        self.counts[entity] += table.num_rows
        folder = self.out / entity
        folder.mkdir(exist_ok=True)

        def job() -> None:
            with self._open(folder / f"part-{part:05d}.{self.fmt}", table.schema) as sink:
                self._write(sink, table)

        self._submit(job)

    def write_labels(self, table: pa.Table) -> None:
        """Write the ground truth, which is not part of the extract."""
        folder = self.out / "ground_truth"
        folder.mkdir(exist_ok=True)
        pacsv.write_csv(table, folder / "labels.csv", write_options=_CSV_OPTIONS)

    def close(self) -> None:
        """Finish every file; entities that got no rows still get a file with the header."""
        self.wait()
        self._thread.shutdown(wait=True)
        for spec in ENTITIES:
            if spec.target == "db" and spec.name not in self._writers:
                self._writers[spec.name] = self._open(self.out / f"{spec.name}.{self.fmt}", entity_schema(spec))
        for sink in self._writers.values():
            sink.close()
        self._writers.clear()
