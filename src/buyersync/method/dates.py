"""Dates as people and CRM exports write them → `datetime.date`; evidence in the order it happened.

Accepted forms (ISO 8601 stays the output): `2026-03-05`, `2026-03-05T10:00:00Z`,
`2026/3/5`, `2026.3.5`, `2026年3月5日`, `Feb 19, 2026`, `19 Feb 2026`, `12-Jan-2026`,
`February 19th 2026`, and the numeric `02/04/2026` (also with `-` or `.`). A numeric form
whose first two numbers could each be the month is read by the default order, `mdy`
(US CRM exports) unless `set_default_order("dmy")` (the `BUYERSYNC_DATE_ORDER` setting)
says otherwise; when one of them is over 12 the date reads one way only. A general date
parser is not used on purpose: it guesses ("5" becomes the 5th of this month), and a
date that cannot be read must fail, naming what was expected.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Literal

DateOrder = Literal["mdy", "dmy"]

_default_order: DateOrder = "mdy"


def set_default_order(order: DateOrder) -> None:
    """How `02/04/2026` is read: `mdy` (4 February) or `dmy` (2 April)."""
    global _default_order
    if order not in ("mdy", "dmy"):  # Settings admits only these two
        raise TypeError(f"date order: expected mdy or dmy, got {order!r}")
    _default_order = order


def default_order() -> DateOrder:
    return _default_order


_MONTHS = {name: i + 1 for i, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december"))) for name in names}
_MONTH = r"(?P<mon>[A-Za-z]{3,9})\.?"
_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<y>\d{4})"
_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT))?)?"
_FORMS = [re.compile(rf"^{p}{_TIME}$", re.IGNORECASE) for p in (
    rf"{_YEAR}[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}})",
    rf"{_YEAR}\s*年\s*(?P<m>\d{{1,2}})\s*月\s*(?P<d>\d{{1,2}})\s*[日号]?",  # text-ok: a date form to recognise
    rf"{_MONTH}\s+{_DAY},?\s+{_YEAR}",
    rf"{_DAY}[\s-]+{_MONTH},?[\s-]+{_YEAR}",
    r"(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4})",
    r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})",
)]
_FULLWIDTH = str.maketrans("０１２３４５６７８９／－．：", "0123456789/-.:")  # text-ok: input characters to recognise


def parse_date(value: object, order: DateOrder | None = None) -> dt.date | None:
    """A date from a date, a datetime or a string in one of the accepted forms.

    Raises ValueError naming the accepted forms when the value cannot be read.
    """
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, str):
        raise ValueError(_unreadable(value))
    text = " ".join(value.translate(_FULLWIDTH).split())
    if not text:
        return None
    for form in _FORMS:
        m = form.match(text)
        if m is None:
            continue
        parts = m.groupdict()
        year = int(parts["y"])
        if parts.get("mon") is not None:
            month = _MONTHS.get(parts["mon"].lower())
            if month is None:
                break
            day = int(parts["d"])
        elif parts.get("a") is not None:
            a, b = int(parts["a"]), int(parts["b"])
            if a > 12 >= b:
                day, month = a, b
            elif b > 12 >= a:
                month, day = a, b
            elif (order or _default_order) == "dmy":
                day, month = a, b
            else:
                month, day = a, b
        else:
            month, day = int(parts["m"]), int(parts["d"])
        try:
            return dt.date(year, month, day)
        except ValueError:
            break
    raise ValueError(_unreadable(value))


def _unreadable(value: object) -> str:
    # English, like the rest of a validation error's wording; the forms live in messages.yaml
    from buyersync.method import knowledge as kb

    return kb.message("input", "date_expected", "en", got=repr(value)[:60])


def chronological(dates: Sequence[dt.date | None]) -> list[int]:
    """Indices of evidence items from oldest to newest.

    Dated items go by date; an undated item stays where the file or the seller put it,
    after everything listed before it, so the last one added is the latest. Ties keep
    the listed order.
    """
    keys = []
    latest: dt.date | None = None
    for i, day in enumerate(dates):
        if day is not None:
            latest = day if latest is None else max(latest, day)
        keys.append(((day or latest or dt.date.min), i))
    return [i for _, i in sorted(keys)]
