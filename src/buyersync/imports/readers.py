"""Rows of a CSV or XLSX export, with the row numbers a spreadsheet shows (header = 1).

CSV: UTF-8 (with or without BOM), else GB18030 as Chinese Excel writes it; the delimiter
is a comma, a semicolon or a tab, whichever the header line uses most.
XLSX: the first sheet (or a named one), values not formulas, the first non-empty row as
the header.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from buyersync.errors import BadInput
from buyersync.text import Words

Cell = str | int | float | bool | dt.datetime | dt.date | None
MAX_COLUMNS = 500


class Table:
    """A header and its rows: (row number, {column: value})."""

    def __init__(self, header: list[str], rows: list[tuple[int, dict[str, Cell]]]) -> None:
        self.header = header
        self.rows = rows


def read_table(path: Path, sheet: str | None = None) -> Table:
    where = str(path)
    if not path.is_file():
        raise BadInput("not_found", where=where)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx(path, sheet)
    if suffix == ".xls":
        raise BadInput("message", where=where,
                       detail=Words("detail.xls_old"))
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return _csv(raw.decode(encoding), where)
        except UnicodeDecodeError:
            continue
    raise BadInput("binary", where=where)  # pragma: no cover - gb18030 decodes any bytes


def _csv(text: str, where: str) -> Table:
    if "\x00" in text:
        raise BadInput("binary", where=where)
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise BadInput("empty", where=where)
        header = _header(header, where)
        rows = []
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            cells: dict[str, Cell] = dict(zip(header, record, strict=False))
            rows.append((reader.line_num, cells))
    except csv.Error as e:
        raise BadInput("row", where=where, row=reader.line_num, detail=str(e)) from None
    return Table(header, rows)


def _header(cells: list[Any], where: str) -> list[str]:
    header = [str(c).replace("\ufeff", "").strip() if c is not None else "" for c in cells]
    while header and not header[-1]:
        header.pop()
    if len(header) > MAX_COLUMNS:
        raise BadInput("message", where=where, detail=Words("detail.too_many_columns", limit=MAX_COLUMNS))
    return [h or f"column {i + 1}" for i, h in enumerate(header)]


def _xlsx(path: Path, sheet: str | None) -> Table:
    from openpyxl import load_workbook

    where = str(path)
    try:
        with warnings.catch_warnings():
            # exports from other tools often carry no default style; openpyxl says so,
            # harmlessly, on every such file
            warnings.filterwarnings(  # text-ok: openpyxl's warning, matched to be silenced
                "ignore", message="Workbook contains no default style", category=UserWarning)
            book = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged or foreign file
        raise BadInput("unreadable", where=where, detail=Words("detail.not_xlsx", reason=e)) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise BadInput("message", where=where, detail=Words("detail.no_sheet", sheet=repr(sheet)))
        ws = book[sheet] if sheet else book.worksheets[0]
        header: list[str] | None = None
        rows: list[tuple[int, dict[str, Cell]]] = []
        for number, values in enumerate(_values(ws), 1):
            if header is None:
                if any(v not in (None, "") for v in values):
                    header = _header(list(values), where)
                continue
            if not any(v not in (None, "") for v in values):
                continue
            rows.append((number, dict(zip(header, values, strict=False))))
    finally:
        book.close()
    if header is None:
        raise BadInput("empty", where=where)
    return Table(header, rows)


def _values(ws: Any) -> Iterator[tuple[Cell, ...]]:
    yield from ws.iter_rows(min_row=1, values_only=True)
