"""Opening the workspace database: engines from URLs, SQLite made safe for several writers,
the schema created or migrated with the Alembic scripts shipped in this package.

SQLite gets WAL (readers never block the writer), foreign keys, a busy timeout, and write
transactions that start with BEGIN IMMEDIATE: a writer queues for the lock up front instead
of failing half-way when two processes upgrade a read lock at once. PostgreSQL writers lock
the deal row they change (see repository.py).
"""

from __future__ import annotations

import ast
import json
import random
import re
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    Select,
    Table,
    create_engine,
    event,
    exc,
    insert,
    inspect,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from buyersync.errors import BadInput
from buyersync.text import Words

BUSY_TIMEOUT_MS = 30_000
#: kept-open connections per process. A web worker runs sync routes on up to 40 threads
#: (Starlette's thread pool): a SQLite file gets a connection kept for each, so that none
#: is opened and closed per request (SQLAlchemy's default keeps 5). A PostgreSQL server
#: is shared by every worker of every machine: 10 kept and 10 more at a peak per process
#: (four workers stay well inside PostgreSQL's default 100 connections).
SQLITE_POOL = (40, 10)
POSTGRESQL_POOL = (10, 10)
HEAD = "head"
_MIGRATION_LOCK = 7_406_411  # an arbitrary PostgreSQL advisory-lock key for migrations
WRITE = "buyersync_write"

T = TypeVar("T")


def parse_url(url: str) -> URL:
    """A SQLAlchemy URL for a `sqlite:///…` or `postgresql://…` workspace, or BadInput."""
    raw = url.strip()
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://"):]
    try:
        parsed = make_url(raw)
    except exc.ArgumentError:
        raise BadInput("bad_url", where="db", url=_shown(raw),
                       detail=Words("detail.not_db_url")) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        if not parsed.database:
            raise BadInput("bad_url", where="db", url=_shown(raw), detail=Words("detail.no_db_name"))
    elif backend != "sqlite":
        raise BadInput("bad_url", where="db", url=_shown(raw),
                       detail=Words("detail.unsupported_db", name=repr(backend)))
    return parsed


def _shown(raw: str) -> str:
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return raw[:80]


def make_engine(url: str | URL, *, create_folder: bool = False) -> Engine:
    """An engine for a workspace URL. `create_folder` makes the SQLite file's folder (used
    for the default workspace in the user's data folder; never for a URL someone typed,
    where a missing folder is more likely a typo)."""
    parsed = parse_url(url) if isinstance(url, str) else url
    serializer = _json_dumps
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        memory = not path or path == ":memory:" or "mode=memory" in str(parsed)
        if not memory and path:
            folder = Path(path).expanduser().resolve().parent
            if create_folder:
                folder.mkdir(parents=True, exist_ok=True)
            elif not folder.is_dir():
                raise BadInput("db_unavailable", where="db", url=shown_url(parsed),
                               detail=Words("detail.no_folder", folder=folder))
        kwargs: dict[str, Any] = {"json_serializer": serializer}
        if memory:
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            kwargs["pool_size"], kwargs["max_overflow"] = SQLITE_POOL
        engine = create_engine(parsed, **kwargs)
        _make_sqlite_safe(engine, memory=memory)
        return engine
    engine = create_engine(parsed, json_serializer=serializer, pool_pre_ping=True,
                           pool_size=POSTGRESQL_POOL[0], max_overflow=POSTGRESQL_POOL[1])
    _refuse_nul(engine)
    return engine


def _refuse_nul(engine: Engine) -> None:
    """PostgreSQL text cannot hold NUL; the models refuse it, and this is the net under
    them (a sign-in name, a filter, anything that reaches a query): BadInput, never a
    database error."""

    @event.listens_for(engine, "before_cursor_execute")
    def _check(_conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any,
               _many: bool) -> None:
        if _has_nul(parameters):
            raise BadInput("nul_character", where="input")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


#: rows of one table from which PostgreSQL's COPY beats a multi-row INSERT
COPY_FROM = 50


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows into `table`: on PostgreSQL with COPY (several times the rate of a
    multi-row INSERT; see docs/benchmarks.md), elsewhere or for a few rows with INSERT.
    Each value goes through its column's type as an INSERT would send it; columns no row
    names take their server defaults; NUL is refused as for every statement."""
    if not rows:
        return
    if conn.dialect.name != "postgresql" or len(rows) < COPY_FROM:
        conn.execute(insert(table), list(rows))
        return
    dialect = conn.dialect
    names = [c.key for c in table.columns if any(c.key in r for r in rows)]
    columns = [table.columns[n] for n in names]
    processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    quote = dialect.identifier_preparer.quote
    statement = (f"COPY {quote(table.name)} ({', '.join(quote(c.name) for c in columns)}) "  # text-ok: SQL
                 "FROM STDIN")
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(statement) as copy:
        for row in rows:
            values = [row.get(n) if p is None else p(row.get(n))
                      for n, p in zip(names, processors, strict=True)]
            if any(type(v) is str and "\x00" in v for v in values):
                raise BadInput("nul_character", where="input")
            copy.write_row(values)


def _json_dumps(value: Any) -> str:
    # keep Chinese readable in the database, as in the files
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _make_sqlite_safe(engine: Engine, *, memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # take transaction control from the sqlite3 module, so that BEGIN is ours
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if not memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            # in WAL mode NORMAL is safe against a crashed or killed process
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE, False) else "BEGIN")


def _is_retryable(error: exc.DBAPIError) -> bool:
    """Lock contention that a fresh try resolves: SQLite busy/locked, PostgreSQL
    serialization failures and deadlocks."""
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in ("40001", "40P01", "55P03"):
        return True
    message = str(orig).lower()
    return "database is locked" in message or "database is busy" in message


def _is_unavailable(error: exc.DBAPIError) -> bool:
    if isinstance(error, exc.InterfaceError):
        return True
    if isinstance(error, exc.DatabaseError) and not isinstance(error, exc.OperationalError):
        # a --db file that is not SQLite at all (or is encrypted)
        message = str(error.orig).lower()
        return "not a database" in message or "file is encrypted" in message
    if not isinstance(error, exc.OperationalError):
        return False
    message = str(error.orig).lower()
    return any(m in message for m in (  # text-ok: driver messages to recognise, not to show
        "unable to open", "connection", "could not translate host", "does not exist",
        "password authentication", "no such host", "timeout expired", "not a database",
        "authentication failed", "role ", "server closed"))


def shown_url(url: URL) -> str:
    """The URL as a person wrote it: no password, no driver name."""
    return url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)


def unavailable(engine: Engine, error: exc.DBAPIError) -> BadInput:
    first = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    return BadInput("db_unavailable", where="db", url=shown_url(engine.url), detail=first)


@contextmanager
def connect(engine: Engine, *, write: bool) -> Iterator[Connection]:
    """One transaction: committed when the block ends, rolled back if it raises.

    Writers on SQLite take the write lock at BEGIN (waiting up to the busy timeout).
    A database that cannot be reached becomes a one-line BadInput.
    """
    try:
        with engine.connect() as conn:
            if write:
                conn.execution_options(**{WRITE: True})
            with conn.begin():
                yield conn
    except exc.DBAPIError as e:
        if _is_unavailable(e) and not _is_retryable(e):
            raise unavailable(engine, e) from None
        raise


def in_transaction(engine: Engine, work: Callable[[Connection], T], *, write: bool = True,
                   attempts: int = 6, retry_conflicts: bool = False) -> T:
    """Run `work` in one transaction, trying again when another writer held a lock (and,
    with `retry_conflicts`, when another writer inserted the same key first).

    `work` must have no effect outside the database, since it may run more than once.
    """
    for attempt in range(attempts):
        try:
            with connect(engine, write=write) as conn:
                return work(conn)
        except exc.DBAPIError as e:
            conflict = retry_conflicts and isinstance(e, exc.IntegrityError) and attempt < 2
            if not (_is_retryable(e) or conflict) or attempt == attempts - 1:
                raise
            time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover


def read_row(engine: Engine, statement: Select[Any], params: dict[str, Any]) -> tuple[Any, ...] | None:
    """The first row of one SELECT (None: no row), for the pages read on every view
    (web/roomcache.py). On SQLite it runs straight on the driver's connection from the
    pool, without BEGIN and COMMIT (one statement reads one snapshot by itself): the
    statement compiled once per engine, each column's value then made as SQLAlchemy makes
    it. SQLAlchemy's own work per execution (a Connection, the statement's cache key, the
    result object) cost several times the indexed read itself. Elsewhere as
    `in_transaction`."""
    if engine.dialect.name != "sqlite":
        def first(conn: Connection) -> tuple[Any, ...] | None:
            row = conn.execute(statement, params).first()
            return None if row is None else tuple(row)

        return in_transaction(engine, first, write=False)
    sql, names, fixed, processors = _compiled(engine, statement)
    values = tuple(params[n] if n in params else fixed[n] for n in names)
    dbapi_error = engine.dialect.loaded_dbapi.Error
    try:
        raw = engine.raw_connection()
        try:
            found = raw.driver_connection.execute(sql, values).fetchone()  # type: ignore[union-attr]
        finally:
            raw.close()
    except (exc.DBAPIError, dbapi_error) as e:
        error = e if isinstance(e, exc.DBAPIError) else exc.DBAPIError.instance(
            sql, values, e, dbapi_error)
        if not isinstance(error, exc.DBAPIError):  # pragma: no cover (a driver error is one)
            raise error from None
        if _is_unavailable(error) and not _is_retryable(error):
            raise unavailable(engine, error) from None
        raise error from None
    if found is None:
        return None
    return tuple(v if p is None or v is None else p(v) for v, p in zip(found, processors, strict=True))


_Compiled = tuple[Select[Any], str, list[str], dict[str, Any], list[Any]]
#: per engine, per statement (by identity: the statements are built once, see store/cache.py)
_COMPILED: weakref.WeakKeyDictionary[Engine, dict[int, _Compiled]] = weakref.WeakKeyDictionary()


def _compiled(engine: Engine, statement: Select[Any]) -> tuple[str, list[str], dict[str, Any], list[Any]]:
    """`statement` as the engine's SQL: its text, the names of its parameters in order,
    the values it binds itself, and each result column's processor (or None)."""
    known = _COMPILED.setdefault(engine, {})
    entry = known.get(id(statement))
    if entry is None or entry[0] is not statement:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        names = list(compiled.positiontup or [])
        fixed = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
        if any(type(v) not in (str, int) for v in fixed.values()):  # no bind processing here
            raise TypeError(f"read_row binds only text and numbers: {fixed}")
        processors = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                      for column in statement.selected_columns]
        entry = (statement, compiled.string, names, fixed, processors)
        known[id(statement)] = entry
    return entry[1], entry[2], entry[3], entry[4]


# -- schema -----------------------------------------------------------------------------

def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "buyersync.store:migrations")
    config.attributes["connection"] = conn
    return config


def current_revision(engine: Engine) -> str | None:
    with connect(engine, write=False) as conn:
        return revision_on(conn)


def revision_on(conn: Connection) -> str | None:
    """The schema revision of the database `conn` is in (its transaction's view)."""
    from alembic.migration import MigrationContext

    rev = MigrationContext.configure(conn).get_current_revision()
    return str(rev) if rev else None


def _migrate(engine: Engine, action: Callable[[Any, Connection], None]) -> None:
    """Run an Alembic command in one locked transaction, so that two processes opening
    a new workspace at once do not both create it."""
    def work(conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        action(_alembic_config(conn), conn)

    in_transaction(engine, work, write=True)


def upgrade(target: str | Engine, revision: str = HEAD) -> str | None:
    """Create or migrate the workspace schema; returns the revision it is now at."""
    from alembic import command

    engine = make_engine(target) if isinstance(target, str) else target
    try:
        _migrate(engine, lambda config, _conn: command.upgrade(config, revision))
        return current_revision(engine)
    finally:
        if isinstance(target, str):
            engine.dispose()


def downgrade(target: str | Engine, revision: str) -> str | None:
    from alembic import command

    engine = make_engine(target) if isinstance(target, str) else target
    try:
        _migrate(engine, lambda config, _conn: command.downgrade(config, revision))
        return current_revision(engine)
    finally:
        if isinstance(target, str):
            engine.dispose()


def ensure_schema(engine: Engine) -> None:
    """Migrate on first use: a cheap version check (no Alembic import, which costs a CLI
    start a tenth of a second), and the upgrade only when behind."""
    try:
        with connect(engine, write=False) as conn:
            if not inspect(conn).has_table("alembic_version"):
                current = None
            else:
                current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except exc.DBAPIError as e:
        if _is_unavailable(e):
            raise unavailable(engine, e) from None
        raise
    if current != shipped_head():
        upgrade(engine)


_REVISION = re.compile(r"^(down_)?revision\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)


@cache
def shipped_head() -> str:
    """The newest revision shipped, read from the version files without importing Alembic
    (the one revision that no other revises; a test checks it against Alembic's own)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    folder = resources.files("buyersync.store.migrations").joinpath("versions")
    for entry in folder.iterdir():
        if not entry.name.endswith(".py") or entry.name.startswith("_"):
            continue
        for down, value in _REVISION.findall(entry.read_text("utf-8")):
            literal = ast.literal_eval(value.strip())
            if down:
                revised.update([literal] if isinstance(literal, str) else literal or [])
            else:
                revisions.add(literal)
    heads = revisions - revised
    if len(heads) != 1:
        raise RuntimeError(f"the shipped migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


_HEAD_CACHE: list[str] = []


def head_revision() -> str:
    """The newest migration shipped with this version of buyersync (as Alembic sees it)."""
    if not _HEAD_CACHE:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", "buyersync.store:migrations")
        _HEAD_CACHE.append(str(ScriptDirectory.from_config(config).get_current_head()))
    return _HEAD_CACHE[0]


def full_metadata() -> MetaData:
    """The workspace metadata with every table module of the store imported, so that it
    also holds the tables other modules add to it (the team tables, for one)."""
    import importlib
    import pkgutil

    import buyersync.store as store
    from buyersync.store.tables import metadata

    for module in pkgutil.iter_modules(store.__path__):
        if not module.ispkg:
            importlib.import_module(f"buyersync.store.{module.name}")
    return metadata
