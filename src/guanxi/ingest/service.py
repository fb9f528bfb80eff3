"""The ingest use case: validate a whole extract, then load it in one transaction.

1. Plan: find every file the mapping needs; a missing, empty or unreadable file, or a mapping
   that names a column the file lacks, stops here with nothing loaded.
2. Validate every entity into DuckDB staging tables, parents before children, so a child that
   points at a rejected or unknown parent is rejected too.
3. Load: upsert operational rows and write lake rows to a staging folder inside one database
   transaction with its ``IngestRun`` and audit record; publish the lake files after commit.
Rejected rows go to a quarantine CSV naming file, line, field and reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from guanxi.audit.service import record
from guanxi.clock import now
from guanxi.config import get_settings
from guanxi.db import Bind, session_factory
from guanxi.ingest.entities import ENTITY_BY_NAME, EntitySpec
from guanxi.ingest.errors import ExtractFileMissing, IngestError, PublishFailed
from guanxi.ingest.load_db import keymap_name, load_entity, register_keymap
from guanxi.ingest.load_lake import register_erased, write_lake_single_pass, write_lake_staged
from guanxi.ingest.mapping import CsvOptions, EntityMapping, Mapping
from guanxi.ingest.models import IngestRun
from guanxi.ingest.readers import SourceFile, find_files, inspect_file
from guanxi.ingest.validate import (
    create_staging_table,
    flag_broken_references,
    flag_duplicates,
    raw_expression,
    stage_file,
    staged_table,
)
from guanxi.lake.duck import connect, first_row
from guanxi.lake.layout import staging_dir
from guanxi.lake.writer import LakeLocked, StagedWrite, lake_lock
from guanxi.progress import NullProgress, Progress
from guanxi.security.pii import Vault


@dataclass
class EntityReport:
    """What happened to one entity."""

    entity: str
    target: str
    files: list[str] = field(default_factory=list)
    read: int = 0
    rejected: int = 0
    new: int = 0
    skipped_erased: int = 0  # rows of customers erased at their request: never stored again

    @property
    def valid(self) -> int:
        """Rows that passed validation."""
        return self.read - self.rejected

    @property
    def existing(self) -> int:
        """Valid rows Guanxi already had (matched on source key)."""
        return self.valid - self.new


@dataclass
class IngestReport:
    """The outcome of one ingest run."""

    run_id: str
    source_system: str
    mapping: str
    directory: str
    entities: list[EntityReport]
    notes: list[str]
    quarantine_path: str | None

    @property
    def rows_read(self) -> int:
        """Rows read from every file."""
        return sum(e.read for e in self.entities)

    @property
    def rows_new(self) -> int:
        """Rows new to Guanxi."""
        return sum(e.new for e in self.entities)

    @property
    def rows_rejected(self) -> int:
        """Rows sent to quarantine."""
        return sum(e.rejected for e in self.entities)

    def entity(self, name: str) -> EntityReport:
        """The report of one entity."""
        return next(e for e in self.entities if e.entity == name)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "run_id": self.run_id,
            "source_system": self.source_system,
            "mapping": self.mapping,
            "directory": self.directory,
            "rows_read": self.rows_read,
            "rows_new": self.rows_new,
            "rows_rejected": self.rows_rejected,
            "entities": [{**asdict(e), "valid": e.valid, "existing": e.existing} for e in self.entities],
            "notes": self.notes,
            "quarantine_path": self.quarantine_path,
        }


@dataclass
class _Planned:
    spec: EntitySpec
    mapping: EntityMapping
    sources: list[SourceFile]
    joins: tuple[SourceFile, ...]
    # Lake entities without repeated keys are validated while they are written (one pass).
    single_pass: bool = False
    # Whether an entity later in this load refers to this one (its key map must then be refreshed).
    referenced_later: bool = False

    @property
    def absent(self) -> frozenset[str]:
        """Fields this extract says nothing about: not mapped, or an optional column no file has.

        A reload must leave what Guanxi holds for them alone rather than blank it.
        """
        absent = set()
        for f in self.spec.fields:
            fm = self.mapping.fields.get(f.name) if f.name != "key" else self.mapping.key
            if fm is None or (
                fm.column and fm.column_optional and all(fm.column not in s.columns for s in self.sources)
            ):
                absent.add(f.name)
        return frozenset(absent)


def _inline_file(em: EntityMapping, work_dir: Path) -> Path:
    """Write a mapping's inline rows as a CSV so they take the same path as files."""
    assert em.rows is not None
    columns = sorted({k for row in em.rows for k in row})
    path = work_dir / f"{em.entity}.inline.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in em.rows:
            # Nested values (an attributes object, a list) go in as JSON, not as Python's repr.
            writer.writerow({k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in row.items()})
    return path


def _plan(directory: Path, mapping: Mapping, work_dir: Path, notes: list[str]) -> list[_Planned]:
    plan: list[_Planned] = []
    for em in mapping.entities:
        spec = ENTITY_BY_NAME[em.entity]
        if em.rows is not None:
            paths = [_inline_file(em, work_dir)]
            options = CsvOptions()
        else:
            paths = find_files(directory, em.files)
            options = em.csv
        if not paths:
            if em.optional:
                if em.missing_note:
                    notes.append(em.missing_note)
                continue
            raise ExtractFileMissing(
                f"{em.files[0]}: file not found in {directory} (needed for {em.entity})",
                details={"file": em.files[0], "entity": em.entity},
            )
        joins = []
        for join in em.joins:
            found = find_files(directory, (join.file,))
            if not found:
                raise ExtractFileMissing(f"{join.file}: file not found in {directory} (joined into {em.entity})")
            joins.append(inspect_file(found[0], em.csv))
        sources = [inspect_file(p, options) for p in paths]
        for source in sources:
            for fm in (em.key, *em.fields.values()):
                raw_expression(fm, source)  # a mapping naming a column the file lacks stops here
        plan.append(_Planned(spec, em, sources, tuple(joins)))
    for n, p in enumerate(plan):
        p.referenced_later = any(r.ref == p.spec.name for later in plan[n + 1 :] for r in later.spec.refs)
    if not plan:
        expected = ", ".join(f"{e.entity}.csv" for e in mapping.entities[:4])
        raise ExtractFileMissing(f"no extract files found in {directory} (expected files such as {expected})")
    return plan


def _duckdb(work_dir: Path, memory_limit: str, threads: int | None) -> duckdb.DuckDBPyConnection:
    con = connect({"memory_limit": memory_limit, "temp_directory": str(work_dir / "spill")})
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def _write_quarantine(con: duckdb.DuckDBPyConnection, plan: list[_Planned], path: Path) -> int:
    parts = [
        f"SELECT '{p.spec.name}' AS entity, _file AS file, _line AS line, key, e.field AS field, e.reason AS reason, "
        f"e.value AS value FROM (SELECT _file, _line, key, unnest(_errors) AS e FROM {staged_table(p.spec.name)} "
        f"WHERE len(_errors) > 0)"
        for p in plan
    ]
    union = " UNION ALL ".join(parts)
    row = first_row(con.execute(f"SELECT count(*) FROM ({union})"))
    count = int(row[0]) if row else 0
    if count:
        path.parent.mkdir(parents=True, exist_ok=True)
        target = path.as_posix().replace("'", "''")
        con.execute(f"COPY (SELECT * FROM ({union}) ORDER BY entity, file, line) TO '{target}' (HEADER, DELIMITER ',')")
    return count


def ingest_extract(
    *,
    directory: Path,
    mapping: Mapping,
    bind: Bind,
    lake_root: Path,
    work_dir: Path,
    quarantine_dir: Path,
    actor: str = "system",
    progress: Progress | None = None,
    batch_size: int = 20_000,
    memory_limit: str = "4GB",
    threads: int | None = None,
    vault: Vault | None = None,
) -> IngestReport:
    """Validate and load an extract; return what was read, new and rejected.

    Personal data is encrypted on the way in with ``vault`` (the configured keys by default).
    """
    vault = vault or Vault.from_settings(get_settings())
    if not directory.is_dir():
        raise ExtractFileMissing(f"extract folder not found: {directory}", details={"directory": str(directory)})
    started = now()
    run_id = f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    run_dir = work_dir / f"ingest-{run_id}"
    run_dir.mkdir(parents=True, exist_ok=True)
    staged_lake = StagedWrite(lake_root, run_id)
    try:
        # One ingest at a time per lake: two at once would each miss the other's keys.
        with lake_lock(lake_root):
            with session_factory(bind)() as session, session.begin():
                con = _duckdb(run_dir, memory_limit, threads)
                report = _run(
                    session,
                    con,
                    directory,
                    mapping,
                    run_id,
                    run_dir,
                    staged_lake,
                    quarantine_dir,
                    batch_size,
                    progress or NullProgress(),
                    lake_root,
                    vault,
                )
                _record_run(session, report, started, actor)
            _publish(staged_lake)
        return report
    except DBAPIError as exc:
        staged_lake.discard()
        raise IngestError(f"the database refused the load, nothing was loaded: {exc.orig}") from exc
    except LakeLocked:
        raise
    except BaseException:
        staged_lake.discard()
        raise
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def _publish(staged_lake: StagedWrite) -> None:
    """Move the lake files into place after the commit; on failure keep them for the operator."""
    try:
        staged_lake.publish()
    except OSError as exc:
        kept = staging_dir(staged_lake.root, staged_lake.run_id)
        # The database already holds this load, so the staged files must not be deleted.
        raise PublishFailed(
            f"the database load is committed, but moving the lake files into place failed ({exc}); "
            f"the files are kept in {kept}: move each month=... folder's files into the table's folder"
        ) from exc


def _run(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    directory: Path,
    mapping: Mapping,
    run_id: str,
    run_dir: Path,
    staged_lake: StagedWrite,
    quarantine_dir: Path,
    batch_size: int,
    progress: Progress,
    lake_root: Path,
    vault: Vault,
) -> IngestReport:
    """Plan, validate and load inside the caller's transaction."""
    notes: list[str] = []
    plan = _plan(directory, mapping, run_dir, notes)
    reports = {p.spec.name: EntityReport(p.spec.name, p.spec.target, [s.name for s in p.sources]) for p in plan}
    _validate(session, con, plan, mapping.source_system, reports, progress)
    for p in plan:
        _load(
            session,
            con,
            p,
            mapping.source_system,
            reports[p.spec.name],
            staged_lake,
            run_id,
            batch_size,
            progress,
            lake_root,
            vault,
        )
    quarantine = quarantine_dir / f"{run_id}-{mapping.source_system}.csv"
    errors = _write_quarantine(con, plan, quarantine)
    return IngestReport(
        run_id,
        mapping.source_system,
        mapping.name,
        str(directory),
        list(reports.values()),
        notes,
        str(quarantine) if errors else None,
    )


def _validate(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    plan: list[_Planned],
    source_system: str,
    reports: dict[str, EntityReport],
    progress: Progress,
) -> None:
    planned = {p.spec.name for p in plan}
    needed = {r.ref for p in plan for r in p.spec.refs if r.ref} | {p.spec.name for p in plan if p.spec.target == "db"}
    for name in sorted(needed):
        register_keymap(session, con, ENTITY_BY_NAME[name], source_system)
    for p in plan:
        create_staging_table(con, p.spec)
    for name in needed:
        staged = f"SELECT key FROM {staged_table(name)} WHERE len(_errors) = 0 UNION " if name in planned else ""
        keys = f"{staged}SELECT key FROM {keymap_name(name)}"
        con.execute(f"CREATE OR REPLACE TEMP VIEW known_{name} AS SELECT key FROM ({keys}) WHERE key IS NOT NULL")
    for p in plan:
        progress.start(f"validate {p.spec.name}", len(p.sources))
        if p.spec.target == "lake" and not p.joins:
            p.single_pass = True  # validated while written; see _load
        else:
            _stage_entity(con, p, reports[p.spec.name], progress)
        progress.finish()


def _stage_entity(con: duckdb.DuckDBPyConnection, p: _Planned, report: EntityReport, progress: Progress) -> None:
    """Validate every row of an entity into its staging table, with line numbers and messages."""
    report.read = 0
    for source in p.sources:
        report.read += stage_file(con, p.spec, p.mapping, source, p.joins)
        progress.advance(1)
    flag_duplicates(con, p.spec)
    flag_broken_references(con, p.spec, {r.ref: f"known_{r.ref}" for r in p.spec.refs if r.ref})
    row = first_row(con.execute(f"SELECT count(*) FROM {staged_table(p.spec.name)} WHERE len(_errors) > 0"))
    report.rejected = int(row[0]) if row else 0


def _load(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    p: _Planned,
    source_system: str,
    report: EntityReport,
    staged_lake: StagedWrite,
    run_id: str,
    batch_size: int,
    progress: Progress,
    lake_root: Path,
    vault: Vault,
) -> None:
    # A single-pass lake load learns its row count while it writes.
    progress.start(f"load {p.spec.name}", None if p.single_pass else report.valid)
    if p.spec.target == "db":
        report.new, report.skipped_erased = load_entity(
            session,
            con,
            p.spec,
            source_system=source_system,
            batch_size=batch_size,
            progress=progress,
            vault=vault,
            keep=p.absent,
        )
        if p.referenced_later:
            register_keymap(session, con, p.spec, source_system)  # children resolve to the ids just written
    else:
        register_erased(session, con)  # after this run's accounts and holders are loaded

        def write_from_staging() -> int:
            return write_lake_staged(
                con,
                p.spec,
                source_system=source_system,
                lake_root=lake_root,
                run_id=run_id,
                staged=staged_lake,
                valid=report.valid,
            ).new

        if not p.single_pass:
            report.new = write_from_staging()
        else:
            result = write_lake_single_pass(
                con,
                p.spec,
                p.mapping,
                p.sources,
                source_system=source_system,
                lake_root=lake_root,
                run_id=run_id,
                staged=staged_lake,
            )
            report.new, report.read = result.new, result.new + result.existing
            if not result.clean:
                # Some row failed or a key repeats: read the files again, row by row with line numbers,
                # to say what was wrong, and write the valid rows from there.
                _stage_entity(con, p, report, NullProgress())
                report.new = write_from_staging()
        progress.advance(report.valid)
    progress.finish()


def _record_run(session: Session, report: IngestReport, started: dt.datetime, actor: str) -> None:
    counts = {
        e.entity: {
            "read": e.read,
            "new": e.new,
            "existing": e.existing,
            "rejected": e.rejected,
            "skipped_erased": e.skipped_erased,
        }
        for e in report.entities
    }
    run = IngestRun(
        started_at=started,
        finished_at=now(),
        source_system=report.source_system,
        mapping=report.mapping,
        directory=report.directory,
        rows_read=report.rows_read,
        rows_new=report.rows_new,
        rows_rejected=report.rows_rejected,
        counts=counts,
        quarantine_path=report.quarantine_path,
    )
    session.add(run)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="ingest.load",
        entity="ingest_run",
        entity_id=run.id,
        data={"run_id": report.run_id, "source_system": report.source_system, "counts": counts},
    )
