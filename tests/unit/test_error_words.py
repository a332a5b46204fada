"""Lower floors name what was wrong by a neutral name; each entry point words it: the CLI
with the option its user typed (--db), the web and the library without terminal words."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import buyersync
from buyersync.cli.common import OPTION_WORDS
from buyersync.errors import BadInput
from buyersync.store import db

PACKAGE = Path(buyersync.__file__).parent
LOWER = ("text", "method", "locate", "learning", "tender", "store", "imports", "services")


def test_no_lower_floor_names_an_option_of_the_command_line():
    found = []
    for room in LOWER:
        for path in (PACKAGE / room).rglob("*.py"):
            tree = ast.parse(path.read_text("utf-8"))
            docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and id(node) not in docs and isinstance(node.value, str) \
                        and any(f"--{o}" in node.value for o in ("db", "warning", "strict",
                                                                 "map", "from")):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value!r}")
    assert not found, found


def test_a_bad_database_url_reads_neutrally_unless_the_cli_words_it():
    with pytest.raises(BadInput) as caught:
        db.parse_url("mysql://root@localhost/x")
    error = caught.value
    assert error.values["where"] == "db"
    assert not str(error).startswith("--") and str(error).startswith("the workspace database")
    assert error.render("zh").startswith("工作区数据库")
    assert error.render("en", words=OPTION_WORDS).startswith("--db: ")


def test_the_command_line_says_the_option_it_was_given():
    done = subprocess.run([sys.executable, "-m", "buyersync.cli", "deals", "list", "--db",
                           "mysql://root@localhost/x"], capture_output=True, text=True,
                          env={"PATH": "", "LANG": "C.UTF-8"})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "--db: mysql://root@localhost/x is not a usable database URL" in done.stderr
