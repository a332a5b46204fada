"""Backup and restore: the whole workspace as one portable JSON Lines document.

Line 1 is a header (format, version, schema revision, time); then one line per row,
`{"t": table, "r": {column: value}}`, tables in foreign-key order, rows in key order;
the last line is `{"end": true, "counts": {table: rows}}`. Times are ISO 8601 in UTC,
dates ISO, JSON columns as JSON. Every table of the workspace metadata is included, so
the copy is complete (team tables too) and restores onto SQLite or PostgreSQL alike.

A backup reads one snapshot (SQLite WAL read transaction, PostgreSQL REPEATABLE READ), so
it is consistent while others write. A restore is one transaction: a truncated or
damaged file changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Connection, Date, DateTime, Engine, Table, delete, exc, func, insert, select

from buyersync.errors import BadInput
from buyersync.services.dealfile import bad_value, loads_json
from buyersync.store import db
from buyersync.text import Words

FORMAT = "buyersync-backup"
VERSION = 1
BATCH = 1000


#: sign-in state and cached analyses, not workspace content: never copied (a restored
#: session would be a session nobody opened); a restore ends them all
EPHEMERAL = ("sessions", "signin_failures", "analysis_cache", "page_cache", "workspace_version")


def _tables() -> list[Table]:
    return [t for t in db.full_metadata().sorted_tables if t.name not in EPHEMERAL]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _write_lines(conn: Connection, out: TextIO) -> dict[str, int]:
    tables = _tables()
    revision = db.revision_on(conn)
    header = {"format": FORMAT, "version": VERSION, "schema": revision,
              "created_at": dt.datetime.now(dt.UTC).isoformat(),
              "tables": [t.name for t in tables]}
    out.write(json.dumps(header) + "\n")
    counts = {}
    for table in tables:
        n = 0
        query = select(table).order_by(*table.primary_key.columns)
        for row in conn.execution_options(yield_per=BATCH).execute(query):
            record = {k: _plain(v) for k, v in row._mapping.items()}
            out.write(json.dumps({"t": table.name, "r": record}, ensure_ascii=False) + "\n")
            n += 1
        counts[table.name] = n
    out.write(json.dumps({"end": True, "counts": counts}) + "\n")
    return counts


def write_backup(engine: Engine, target: Path | TextIO) -> dict[str, int]:
    """Write the backup; a file appears whole or not at all. Returns rows per table."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if not isinstance(target, Path):
                return _write_lines(conn, target)
            folder = target.resolve().parent
            if not folder.is_dir():
                raise BadInput("not_found", where=str(folder))
            if target.exists() and not target.is_file():  # a folder, a FIFO, a device
                raise BadInput("backup_target", where=str(target))
            fd, tmp = tempfile.mkstemp(prefix=".backup-", dir=folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    counts = _write_lines(conn, out)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            return counts


def _lines(source: Path | TextIO, where: str) -> Iterator[tuple[int, dict[str, Any]]]:
    def parse(stream: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                item = loads_json(line)
            except json.JSONDecodeError as e:
                raise BadInput("jsonl_line", where=where, line=n, detail=e.msg) from None
            except ValueError as e:  # nested too deep, an integer of 4,300+ digits
                raise bad_value(e, f"{where}:{n}", "JSON") from None
            if not isinstance(item, dict):
                raise BadInput("jsonl_line", where=where, line=n, detail=Words("detail.expected_object"))
            yield n, item

    if isinstance(source, Path):
        if not source.is_file():
            raise BadInput("not_found", where=where)
        with source.open(encoding="utf-8") as stream:
            yield from parse(stream)
    else:
        yield from parse(source)


def _db_reason(error: exc.StatementError) -> str:
    """The database's own words, first line only, without the SQL and the values."""
    first = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
    return first[:160]


def _converter(table: Table) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in table.columns:
        kind = column.type
        impl = getattr(kind, "impl", kind)
        if isinstance(impl, DateTime):
            out[column.name] = lambda v: None if v is None else dt.datetime.fromisoformat(v)
        elif isinstance(impl, Date):
            out[column.name] = lambda v: None if v is None else dt.date.fromisoformat(v)
        else:
            out[column.name] = lambda v: v
    return out


def read_backup(engine: Engine, source: Path | TextIO, *, force: bool = False,
                actor: str | None = None) -> tuple[dict[str, int], tuple[int, int] | None]:
    """Restore a backup into this workspace, which must be empty unless `force` (then its
    contents are replaced, the user accounts included, and every session ends). All or
    nothing. Returns rows per table, and (users before, users after) when `force`
    replaced accounts that were there, so that the caller says so. The restore is
    recorded in the audit log (as `actor`) in the same transaction."""
    where = str(source) if isinstance(source, Path) else "<stdin>"
    tables = {t.name: t for t in _tables()}

    def work(conn: Connection) -> tuple[dict[str, int], tuple[int, int] | None]:
        lines = _lines(source, where)
        first = next(lines, None)
        if first is None or first[1].get("format") != FORMAT:
            raise BadInput("message", where=where, detail=Words("detail.not_backup"))
        header = first[1]
        if header.get("version") != VERSION:
            raise BadInput("message", where=where,
                           detail=Words("detail.backup_version", version=header.get("version")))
        existing = sum(int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                       for t in tables.values())
        users_before = int(conn.execute(select(func.count()).select_from(tables["users"]))
                           .scalar_one())
        if existing and not force:
            deals = conn.execute(select(func.count()).select_from(tables["deals"])).scalar_one()
            raise BadInput("not_empty", where=where, count=deals)
        for table in reversed(list(tables.values())):
            conn.execute(delete(table))
        for gone in EPHEMERAL:  # everyone signs in again, against the restored users
            conn.execute(delete(db.full_metadata().tables[gone]))
        converters = {name: _converter(t) for name, t in tables.items()}
        counts: dict[str, int] = dict.fromkeys(tables, 0)
        pending: list[dict[str, Any]] = []
        current: str | None = None
        ended: dict[str, Any] | None = None

        def flush() -> None:
            if pending and current is not None:
                try:
                    conn.execute(insert(tables[current]), pending)
                except (exc.IntegrityError, exc.DataError, exc.StatementError) as e:
                    # duplicate keys, rows that point nowhere, values of the wrong kind:
                    # the file is damaged; the transaction rolls back whole
                    raise BadInput("backup_damaged", where=where, table=current,
                                   detail=_db_reason(e)) from None
                pending.clear()

        for n, item in lines:
            if ended is not None:
                raise BadInput("jsonl_line", where=where, line=n, detail=Words("detail.after_end"))
            if item.get("end"):
                ended = item
                continue
            name, row = item.get("t"), item.get("r")
            if name not in tables or not isinstance(row, dict):
                raise BadInput("jsonl_line", where=where, line=n,
                               detail=Words("detail.unknown_table", name=repr(name)) if name not in tables
                               else Words("detail.expected_row"))
            if name != current:
                flush()
                current = name
            convert = converters[name]
            unknown = set(row) - set(convert)
            if unknown:
                raise BadInput("jsonl_line", where=where, line=n,
                               detail=Words("detail.unknown_columns", names=", ".join(sorted(unknown)), table=name))
            try:
                pending.append({k: convert[k](v) for k, v in row.items()})
            except (TypeError, ValueError) as e:
                raise BadInput("jsonl_line", where=where, line=n, detail=str(e)) from None
            counts[name] += 1
            if len(pending) >= BATCH:
                flush()
        flush()
        if ended is None:
            raise BadInput("message", where=where,
                           detail=Words("detail.backup_incomplete"))
        expected = {k: int(v) for k, v in (ended.get("counts") or {}).items()}
        if {k: v for k, v in counts.items() if v or k in expected} != expected:
            raise BadInput("message", where=where,
                           detail=Words("detail.backup_counts"))
        replaced = (users_before, counts["users"]) if force and users_before else None
        from buyersync.store.team import record_on

        if actor is not None:
            record_on(conn, actor, "restore", None, source=where[:200], force=force,
                      deals=counts.get("deals", 0), users_before=users_before,
                      users_after=counts["users"])
        return counts, replaced

    result: tuple[dict[str, int], tuple[int, int] | None] = db.in_transaction(
        engine, work, write=True, attempts=1)
    return result
