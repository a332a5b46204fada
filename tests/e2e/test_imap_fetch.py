"""`buyersync evidence fetch-mail` against a real IMAP server (dovecot) the test starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.imap_server import available, dovecot
from tests.mailbox_builder import build

pytestmark = pytest.mark.skipif(not available(), reason="dovecot is not installed "
                                "(scripts/system-deps.sh installs it)")


def run(*args: str, db: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BUYERSYNC_DB": db, "BUYERSYNC_LANG": "en"}
    env.pop("BUYERSYNC_IMAP_PASSWORD", None)
    return subprocess.run([sys.executable, "-m", "buyersync.cli", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=300)


def test_fetching_a_folder_attaches_its_mail_and_a_second_fetch_adds_nothing(tmp_path: Path):
    db = f"sqlite:///{tmp_path}/w.db"
    box = build(per_deal=5)
    files = []
    for i, d in enumerate(box.deals):
        files.append(tmp_path / f"deal{i}.json")
        files[-1].write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    assert run("deals", "import", *map(str, files), db=db).returncode == 0
    with dovecot() as server:
        server.append(box.messages, folder="Customers")
        args = ["evidence", "fetch-mail", "--host", server.host, "--port", str(server.port),
                "--user", server.user, "--folder", "Customers", "--security", "plain",
                "--password-stdin", "--format", "json"]
        first = run(*args, db=db, stdin=server.password + "\n")
        assert first.returncode == 0, first.stderr
        report = json.loads(first.stdout)
        expected = {m for m, d in box.truth.items() if d is not None}
        assert {a["message_id"] for a in report["attached"]} == expected
        assert len(report["unmatched"]) == len(box.truth) - len(expected)
        again = json.loads(run(*args, db=db, stdin=server.password + "\n").stdout)
        assert again["attached"] == [] and again["duplicates"] == len(expected)
        later = json.loads(run(*args, "--since", "2030-01-01", db=db,
                               stdin=server.password + "\n").stdout)
        assert later == {"attached": [], "unmatched": [], "duplicates": 0}
        wrong = run(*args[:-3], "--password-stdin", db=db, stdin="not the password\n")
        assert wrong.returncode == 2
        assert wrong.stderr.count("\n") == 1 and "refused" in wrong.stderr
