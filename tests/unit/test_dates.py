"""Dates as people and CRM exports write them; evidence read in the order it happened."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from buyersync.method.dates import chronological, parse_date, set_default_order
from buyersync.method.model import Deal, Evidence


@pytest.mark.parametrize("written", [
    "2026-03-05", "2026/3/5", "2026.03.05", "2026年3月5日", "2026年03月05号", "Mar 5, 2026",
    "March 5th 2026", "5 March 2026", "05-Mar-2026", "2026-03-05T09:30:00Z", "２０２６／３／５",
    "03/05/2026", "20260305",
])
def test_the_common_ways_of_writing_a_day_all_read_as_that_day(written):
    assert parse_date(written) == dt.date(2026, 3, 5)


def test_an_ambiguous_numeric_date_follows_the_setting_and_an_unambiguous_one_ignores_it():
    try:
        assert parse_date("02/04/2026") == dt.date(2026, 2, 4)
        set_default_order("dmy")
        assert parse_date("02/04/2026") == dt.date(2026, 4, 2)
        assert parse_date("19/02/2026") == parse_date("02/19/2026") == dt.date(2026, 2, 19)
    finally:
        set_default_order("mdy")


@pytest.mark.parametrize("bad", ["next Tuesday", "2026-02-30", "13/13/2026", "5", "Foo 3, 2026"])
def test_an_unreadable_date_fails_naming_the_forms_expected(bad):
    with pytest.raises(ValueError, match="expected a date such as"):
        parse_date(bad)


def test_a_deal_file_accepts_people_dates_and_gives_iso_back():
    deal = Deal.model_validate({"name": "x", "evidence": [
        {"text": "a", "date": "Feb 19, 2026"}, {"text": "b", "date": "12-Jan-2026"}]})
    assert [e.model_dump(mode="json")["date"] for e in deal.evidence] == ["2026-02-19", "2026-01-12"]
    with pytest.raises(ValidationError, match="date"):
        Evidence.model_validate({"text": "a", "date": "someday"})


def test_undated_evidence_keeps_its_place_and_the_last_added_is_the_latest():
    d = dt.date
    assert chronological([d(2026, 3, 1), d(2026, 2, 1), None]) == [1, 0, 2]
    assert chronological([None, d(2026, 1, 1), None]) == [0, 1, 2]
    assert chronological([d(2026, 3, 1), None, d(2026, 2, 1)]) == [2, 0, 1]


def test_a_deals_opened_and_closed_dates_read_as_people_write_them():
    deal = Deal.model_validate({"name": "x", "opened": "Feb 19, 2026", "closed": "2026年3月5日"})
    assert (deal.opened, deal.closed) == (dt.date(2026, 2, 19), dt.date(2026, 3, 5))
