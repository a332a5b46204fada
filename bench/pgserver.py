"""A throwaway PostgreSQL server for a bench run (`--pg`): the tests' own (tests/pg.py),
started from the machine's binaries in a temporary folder and removed afterwards."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    """The URL of an empty database on a fresh server, for the length of the block."""
    sys.path.insert(0, str(ROOT))
    from tests.pg import PostgresServer, pg_bin

    bin_dir = pg_bin()
    if bin_dir is None:
        raise SystemExit("PostgreSQL binaries not found (scripts/system-deps.sh installs them)")
    server = PostgresServer(bin_dir)
    try:
        server.start()
        yield server.url(server.create_database())
    finally:
        server.stop()
