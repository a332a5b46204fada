"""Schemathesis over the whole API, in local and team mode, on SQLite and on a real
PostgreSQL (started from the machine's binaries, as the tests do): prints, per setting,
the operations, the calls by status and the server errors (the goal: 0).

    .venv/bin/python bench/fuzz_api.py [--examples 50]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.test_fuzz_api import fuzz, fuzz_app  # noqa: E402
from tests.pg import PostgresServer, pg_bin  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=50,
                        help="cases per operation and generation mode")
    args = parser.parse_args()
    bin_dir = pg_bin()
    server = PostgresServer(bin_dir) if bin_dir else None
    if server:
        server.start()
    failures = 0
    try:
        with tempfile.TemporaryDirectory() as folder:
            databases = [("sqlite", lambda mode: f"sqlite:///{folder}/{mode}.sqlite3")]
            if server:
                databases.append(("postgresql",
                                  lambda mode: server.url(server.create_database())))
            for db_name, url_for in databases:
                for mode in ("local", "team"):
                    app, cookies = fuzz_app(url_for(mode), team=mode == "team")
                    started = time.perf_counter()
                    figures = fuzz(app, cookies, examples=args.examples)
                    app.state.ctx.engine.dispose()
                    seconds = time.perf_counter() - started
                    print(f"{db_name:10} {mode:5}  {figures.line()}  [{seconds:.0f} s]")
                    for line in sorted(set(figures.server_errors)):
                        print("    " + line)
                    failures += len(figures.server_errors)
    finally:
        if server:
            server.stop()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
