"""One source of text: the words a person reads live in the bilingual data files
(`text/*.yaml`, `web/ui.yaml`, `method/data/*.yaml`), never as string literals in Python.

The scanner reads every module of the package with `ast`. A string literal (an f-string is
judged whole, its `{…}` parts as placeholders) is *text* when it holds a Chinese character
or two words of letters side by side ("no such file", "Password: x"). Identifiers, keys,
paths, URLs and codes never have a space between words, so they pass. Then, in this order,
a text is still allowed when it is:

1. a docstring (a command's docstring is its `--help` summary: documentation, like the
   descriptions of rule 2);
2. the `description=`, `summary=` or `title=` of a call (a pydantic `Field`, a FastAPI
   route: the JSON Schema's and OpenAPI's documentation, in English for developers);
3. matched, not shown: an operand of a comparison (`"database is locked" in msg`), the
   argument of `.startswith()`, `.endswith()`, `.removeprefix()`, `.removesuffix()`, or
   a regular expression given to `re`;
4. SQL: it starts with an SQL keyword (SELECT, PRAGMA, BEGIN …) or is given to
   `CheckConstraint(...)` or `text(...)`;
5. the message of an error that only a bug raises (`assert`, AssertionError, TypeError,
   RuntimeError, NotImplementedError, KeyError), which no user input can reach;
6. marked `# text-ok: <why>` on one of its lines or on the first line of its statement,
   for the rare literal that must stay (a font name, a date format, input words to
   recognise, an HTTP header). The why is required.

DEBT lists the files not yet moved over and how many texts each still holds: a file may
only go down (and leaves DEBT at zero); a file not listed must hold none.
"""

from __future__ import annotations

import ast
import re
import tokenize
from collections import Counter
from pathlib import Path

import yaml

import buyersync

PACKAGE = Path(buyersync.__file__).parent
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
WORDS = re.compile(r"[A-Za-z]{2,}[,:;.!?)]? +\(?[A-Za-z]{2,}")
SQL = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WITH|PRAGMA|BEGIN|COMMIT|"
                 r"ROLLBACK|SET|REPEATABLE READ|READ COMMITTED|SERIALIZABLE)\b")
BUG_ERRORS = {"AssertionError", "TypeError", "RuntimeError", "NotImplementedError", "KeyError"}
MATCHERS = {"startswith", "endswith", "removeprefix", "removesuffix"}
RE_FUNCTIONS = {"compile", "search", "match", "fullmatch", "split", "sub", "subn", "findall", "finditer"}
SQL_CALLS = {"CheckConstraint", "text"}
MARKER = re.compile(r"#\s*text-ok:(.*)")

# file → texts still in Python (to move into the data files; may only go down)
DEBT: dict[str, int] = {}


def is_text(value: str) -> bool:
    return bool(CJK.search(value) or WORDS.search(value))


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def _call_name(node: ast.Call) -> str:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _allowed_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes whose strings rules 1-5 allow (the node and everything under it)."""
    allowed: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and _literal(body[0].value) is not None:
                allowed.append(body[0])
        elif isinstance(node, ast.Call):
            name = _call_name(node)
            allowed += [k.value for k in node.keywords if k.arg in ("description", "summary", "title")]
            is_re = isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                and node.func.value.id == "re" and name in RE_FUNCTIONS
            if name in MATCHERS or name in SQL_CALLS or is_re:
                allowed += node.args
            elif name in BUG_ERRORS:
                allowed += [*node.args, *(k.value for k in node.keywords)]
        elif isinstance(node, ast.Compare):
            allowed += [node.left, *node.comparators]
        elif isinstance(node, ast.Assert) and node.msg is not None:
            allowed.append(node.msg)
    return {id(n) for a in allowed for n in ast.walk(a)}


def _markers(path: Path) -> dict[int, str]:
    with path.open("rb") as f:
        return {tok.start[0]: m.group(1).strip() for tok in tokenize.tokenize(f.readline)
                if tok.type == tokenize.COMMENT and (m := MARKER.search(tok.string))}


def texts_in(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every user-facing literal of the module that no rule allows."""
    tree = ast.parse(path.read_text("utf-8"))
    allowed = _allowed_nodes(tree)
    markers = _markers(path)
    statement_start: dict[int, int] = {}
    for statement in ast.walk(tree):
        if isinstance(statement, ast.stmt):
            for node in ast.walk(statement):  # inner statements come later and win
                statement_start[id(node)] = statement.lineno
    found: list[tuple[int, str]] = []
    inside_fstring: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            inside_fstring |= {id(v) for v in node.values}
    for node in ast.walk(tree):
        value = _literal(node)
        if value is None or id(node) in allowed or id(node) in inside_fstring:
            continue
        lines = [*range(node.lineno, (node.end_lineno or node.lineno) + 1), statement_start.get(id(node), 0)]
        if not is_text(value) or SQL.match(value) or any(n in markers for n in lines):
            continue
        found.append((node.lineno, value))
    return found


def scan() -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        counts[rel] += len(texts_in(path))
    return +counts


def test_the_scanner_flags_messages_labels_and_chinese_but_not_identifiers_sql_or_docs(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('''"""A module docstring is documentation."""
import sys
MESSAGE = "no such file"
LABEL = f"{n} deals saved"
PUNCT = "，"
KEY = {"deal_id": 1, "stage": "solution"}
URL = "sqlite:///x.db"
SQL = "SELECT id FROM deals WHERE stage = :s"
def f(msg):
    """Docstrings stay."""
    assert msg, "a bug, not a message"
    if "database is locked" in msg or msg.startswith("could not translate"):
        raise RuntimeError("unreachable state reached")
    sys.stderr.write("cannot open the workspace")
FONT = "Microsoft YaHei"  # text-ok: a font family name, not words
''', "utf-8")
    found = [text for _, text in texts_in(module)]
    assert found == ["no such file", "{} deals saved", "，", "cannot open the workspace"]


def test_no_user_facing_text_is_written_in_python_outside_the_debt_list():
    counts = scan()
    grown = {f: n for f, n in counts.items() if n > DEBT.get(f, 0)}
    assert not grown, "user-facing text in Python (move it to text/*.yaml; see docs/architecture.md): " + \
        "; ".join(f"{f}: {n} (allowed {DEBT.get(f, 0)}): {texts_in(PACKAGE / f)[:3]}" for f, n in grown.items())


def test_the_debt_list_only_goes_down():
    counts = scan()
    stale = {f: (n, counts.get(f, 0)) for f, n in DEBT.items() if counts.get(f, 0) < n}
    assert not stale, f"lower DEBT to what is left (file: (listed, now)): {stale}"


def test_every_marked_exception_says_why():
    for path in PACKAGE.rglob("*.py"):
        for line, why in _markers(path).items():
            assert why, f"{path.relative_to(PACKAGE)}:{line}: `# text-ok:` needs a reason"


def test_every_message_has_both_languages_with_the_same_placeholders():
    field = re.compile(r"\{(\w*)")
    for path in (PACKAGE / "text").glob("*.yaml"):
        for key, entry in yaml.safe_load(path.read_text("utf-8")).items():
            assert set(entry) == {"zh", "en"}, f"{path.name}: {key}: needs zh and en"
            # a language may hold plural forms ({one: …, other: …}): each fills the same
            forms = [f for lang in ("zh", "en") for f in (
                entry[lang].values() if isinstance(entry[lang], dict) else [entry[lang]])]
            for plural in (entry[lang] for lang in ("zh", "en") if isinstance(entry[lang], dict)):
                assert set(plural) == {"one", "other"}, f"{path.name}: {key}: one and other"
            assert len({frozenset(field.findall(f)) for f in forms}) == 1, \
                f"{path.name}: {key}: zh and en fill different placeholders"


def test_no_key_is_written_twice_in_a_words_file():
    """YAML keeps the last of two equal keys silently: two features naming a message alike
    would make one of them fill the other's placeholders."""
    files = [*(PACKAGE / "text").glob("*.yaml"), PACKAGE / "web" / "ui.yaml",
             *(PACKAGE / "method" / "data").glob("*.yaml")]
    for path in files:
        root = yaml.compose(path.read_text("utf-8"))
        if not isinstance(root, yaml.MappingNode):
            continue
        keys = Counter(k.value for k, _ in root.value)
        twice = sorted(k for k, n in keys.items() if n > 1)
        assert not twice, f"{path.relative_to(PACKAGE)}: written twice: {twice}"
