"""CRM exports → deals: each row becomes a deal (and history rows become its stage
moves), a bad row is reported with its number, and the good ones are saved in one
transaction — or, with `strict`, nothing is saved when any row is bad.

Order of decisions for a row: a name is required; the CRM stage must be in the map
(a buying stage, or won/lost); `won`/`is_closed` flags, else the stage's won/lost, else an
`outcome` column, decide the outcome; a closed deal's buying stage is the last one in its
history, if any. The CRM's id (with the map's prefix) becomes the deal id, so importing a
newer export of the same CRM updates the deals instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field, PrivateAttr, ValidationError

from buyersync.errors import BadInput, problem_of
from buyersync.imports.maps import CrmMap, load_map, norm
from buyersync.imports.readers import Cell, Table, read_table
from buyersync.method.model import Deal
from buyersync.method.stages import Stage
from buyersync.store.records import Cause, NewDeal
from buyersync.text import Words

Progress = Callable[[int, int], None]


class DealSink(Protocol):
    """Where imported deals are saved, all or none (the workspace's DealService): the importer
    reads and checks rows; saving belongs to the floor above."""

    def import_deals(self, items: Iterable[NewDeal], *, cause: Cause = "import",
                     progress: Progress | None = None) -> list[tuple[str, str]]: ...
_NUMBER = re.compile(r"[^\d.,\-]")


class RowProblem(BaseModel):
    file: str
    row: int
    error: str  # in English: the JSON report's field
    _words: Words | None = PrivateAttr(default=None)

    @classmethod
    def of(cls, file: str, row: int, words: Words) -> RowProblem:
        problem = cls(file=file, row=row, error=str(words))
        problem._words = words
        return problem

    @property
    def words(self) -> Words | str:
        return self._words if self._words is not None else self.error

    def render(self, lang: object) -> str:
        """What was wrong with the row, in the reader's language."""
        return self._words.render(lang) if self._words is not None else self.error


class ImportedDeal(BaseModel):
    id: str
    name: str


class CrmReport(BaseModel):
    source: str
    imported: list[ImportedDeal] = Field(default_factory=list)
    skipped: list[RowProblem] = Field(default_factory=list)
    unknown_columns: list[str] = Field(default_factory=list)
    history_rows: int = 0


class BadRow(Exception):
    def __init__(self, words: Words) -> None:
        self.words = words
        super().__init__(str(words))


class _Columns:
    """Which header each mapped field reads, and which headers nothing reads."""

    def __init__(self, table: Table, wanted: dict[str, list[str]], ignore: list[str]) -> None:
        by_norm = {norm(h): h for h in table.header}
        self.found: dict[str, list[str]] = {}
        for field, candidates in wanted.items():
            hits = [by_norm[norm(c)] for c in candidates if norm(c) in by_norm]
            if hits:
                # evidence reads every listed column; the other fields the first one found
                self.found[field] = hits if field == "evidence" else hits[:1]
        used = {h for hs in self.found.values() for h in hs} | {
            by_norm[norm(i)] for i in ignore if norm(i) in by_norm}
        self.unknown = [h for h in table.header if h not in used]

    def get(self, row: dict[str, Cell], field: str) -> Cell:
        headers = self.found.get(field)
        if not headers:
            return None
        value = row.get(headers[0])
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value


def _text(value: Cell) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def _flag(value: Cell, crm: CrmMap, column: str) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in (t.casefold() for t in crm.true_values):
        return True
    if text in (f.casefold() for f in crm.false_values):
        return False
    raise BadRow(Words("detail.expected_flag", column=column, got=repr(str(value)[:40])))


def _amount(value: Cell, crm: CrmMap, column: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = _NUMBER.sub("", str(value))
    # without decimal_comma a comma groups thousands (1,800,000.00); with it, 1.800.000,00
    text = text.replace(".", "").replace(",", ".") if crm.decimal_comma else text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        raise BadRow(Words("detail.expected_amount", column=column, got=repr(str(value)[:40]))) from None


def parse_moment(value: Cell, crm: CrmMap, column: str) -> dt.datetime | None:
    """A date or time from a cell: a spreadsheet date, ISO 8601 (with Salesforce's
    +0000), or one of the map's `date_formats`. Times without a zone are taken as UTC."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        moment = _parse_text_moment(str(value).strip(), crm, column)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _parse_text_moment(text: str, crm: CrmMap, column: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in crm.date_formats:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise BadRow(Words("detail.expected_date", column=column, got=repr(text[:40])))


def _header_name(cols: _Columns, field: str) -> str:
    return cols.found.get(field, [field])[0]


def _deal(row: dict[str, Cell], cols: _Columns, crm: CrmMap,
          moves: list[tuple[dt.datetime, Stage]]) -> NewDeal:
    name = _text(cols.get(row, "name"))
    if not name:
        raise BadRow(Words("detail.needs_name", column=_header_name(cols, "name")))
    data: dict[str, Any] = dict(crm.defaults)
    data["name"] = name
    crm_id = _text(cols.get(row, "id"))
    if crm_id:
        data["id"] = crm.id_prefix + crm_id
    for field in ("customer", "owner", "currency", "lang"):
        if (value := _text(cols.get(row, field))) is not None:
            data[field] = value.upper() if field == "currency" else value
    amount = _amount(cols.get(row, "amount"), crm, _header_name(cols, "amount"))
    if amount is not None:
        data["amount"] = amount

    stage: Stage | None = None
    outcome = None
    raw_stage = _text(cols.get(row, "stage"))
    if raw_stage:
        mapped = crm.stage_of(raw_stage)
        if isinstance(mapped, Stage):
            stage = mapped
        elif mapped in ("won", "lost"):
            outcome = mapped
        elif mapped is not None:
            raise BadRow(Words("detail.not_in_stage_map", column=_header_name(cols, "stage"),
                               value=repr(raw_stage)))
    won = _flag(cols.get(row, "won"), crm, _header_name(cols, "won"))
    closed = _flag(cols.get(row, "is_closed"), crm, _header_name(cols, "is_closed"))
    if won:
        outcome = "won"
    elif closed:
        outcome = "lost"
    elif closed is False:
        outcome = "open"
    elif outcome is None and (given := _text(cols.get(row, "outcome"))):
        outcome = given.lower()
    if outcome:
        data["outcome"] = outcome
    if stage is None and moves:
        stage = moves[-1][1]
    if stage is not None:
        data["stage"] = stage.value
    reason = _text(cols.get(row, "lost_reason"))
    if reason and data.get("outcome") == "lost":
        data["lost_reason"] = reason

    created = parse_moment(cols.get(row, "created"), crm, _header_name(cols, "created"))
    closed_at = parse_moment(cols.get(row, "closed"), crm, _header_name(cols, "closed"))
    items = []
    for header in cols.found.get("evidence", []):
        text = _text(row.get(header))
        if text:
            day = (created or dt.datetime.now(dt.UTC)).date()
            items.append({"text": text, "date": day, "source": f"{crm.name}:{header}"})
    if items:
        data["evidence"] = items
    # history for learning: the CRM's created date opens the deal, its close date closes a
    # won or lost one (on an open deal it is only the expected date), the first recorded
    # stage is where we entered; explicit entry_stage/played columns win
    if created is not None:
        data["opened"] = created.date()
    if closed_at is not None and data.get("outcome") in ("won", "lost"):
        data["closed"] = closed_at.date()
    if moves:
        data["entry_stage"] = moves[0][1].value
    for field in ("entry_stage", "played"):
        if (value := _text(cols.get(row, field))) is not None:
            data[field] = value.strip().lower()
    try:
        deal = Deal.model_validate(data)
    except ValidationError as e:
        raise BadRow(problem_of(e).words()) from None
    if created is not None and not moves and deal.stage is not None:
        # with no history, the deal entered its CRM stage when it was created
        moves = [(created, deal.stage)]
    return NewDeal(deal=deal, created_at=created,
                   closed_at=closed_at if deal.outcome.value != "open" else None,
                   stage_moves=moves)


def _history(path: Path, crm: CrmMap, report: CrmReport,
             strict_errors: list[RowProblem]) -> dict[str, list[tuple[dt.datetime, Stage]]]:
    table = read_table(path)
    cols = _Columns(table, {str(k): v for k, v in crm.history.columns.items()}, crm.ignore)
    missing = [f for f in ("deal_id", "stage", "at") if f not in cols.found]
    if missing:
        names = {str(k): v for k, v in crm.history.columns.items()}
        wanted = "; ".join(f"{f}: {' or '.join(names.get(f, [f]))}" for f in missing)
        raise BadInput("message", where=str(path), detail=Words("detail.no_column_for", wanted=wanted))
    moves: dict[str, list[tuple[dt.datetime, Stage]]] = defaultdict(list)
    for number, row in table.rows:
        try:
            deal_id = _text(cols.get(row, "deal_id"))
            raw = _text(cols.get(row, "stage"))
            at = parse_moment(cols.get(row, "at"), crm, _header_name(cols, "at"))
            if not deal_id or not raw or at is None:
                raise BadRow(Words("detail.history_needs"))
            mapped = crm.stage_of(raw)
            if isinstance(mapped, Stage):
                moves[crm.id_prefix + deal_id].append((at, mapped))
            elif mapped not in ("won", "lost", None):
                raise BadRow(Words("detail.not_in_stage_map", column=_header_name(cols, "stage"),
                                   value=repr(raw)))
            report.history_rows += 1
        except BadRow as e:
            strict_errors.append(RowProblem.of(path.name, number, e.words))
    for items in moves.values():
        items.sort(key=lambda m: m[0])
    return moves


def import_crm(service: DealSink, file: Path, *, source: str,
               history: Path | None = None, map_file: Path | None = None,
               strict: bool = False, progress: Progress | None = None) -> CrmReport:
    """Import a CRM export into the workspace; returns what was imported and skipped."""
    crm = load_map(source, map_file)
    report = CrmReport(source=crm.name)
    problems: list[RowProblem] = []
    moves = _history(history, crm, report, problems) if history else {}
    table = read_table(file, crm.sheet)
    cols = _Columns(table, dict(crm.columns), crm.ignore)
    if "name" not in cols.found:
        raise BadInput("message", where=str(file),
                       detail=Words("detail.no_name_column", names=" or ".join(crm.columns.get("name", ["name"]))))
    report.unknown_columns = cols.unknown
    new: list[NewDeal] = []
    seen: dict[str, int] = {}
    total = len(table.rows)
    for i, (number, row) in enumerate(table.rows, 1):
        try:
            crm_id = _text(cols.get(row, "id"))
            deal_moves = moves.pop(crm.id_prefix + crm_id, []) if crm_id else []
            item = _deal(row, cols, crm, deal_moves)
            if item.deal.id is not None:
                if item.deal.id in seen:
                    raise BadRow(Words("detail.same_id_as_row", row=seen[item.deal.id]))
                seen[item.deal.id] = number
            new.append(item)
        except BadRow as e:
            problems.append(RowProblem.of(file.name, number, e.words))
        if progress and i % 200 == 0:
            progress(i, total * 3)
    for deal_id in moves:
        problems.append(RowProblem.of(history.name if history else "", 0,
                                       Words("detail.history_orphan", deal=repr(deal_id), file=file.name)))
    if strict and problems:
        first = problems[0]
        detail = Words("detail.more_bad_rows", problem=first.words, n=len(problems) - 1) \
            if len(problems) > 1 else first.words
        raise BadInput("row_strict", where=first.file, row=first.row, detail=detail)
    report.skipped = problems
    if new:
        def told(done: int, of: int) -> None:
            if progress:  # reading was the first third; analysing and writing the rest
                progress(total + done * 2 * total // max(of, 1), total * 3)

        saved = service.import_deals(new, cause="import", progress=told)
        report.imported = [ImportedDeal(id=i, name=n) for i, n in saved]
    return report
