"""One helper (errors.problem_of / errors.invalid) turns a pydantic validation error
into one line naming the field, list index included, and what was wrong, in the
reader's language."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from buyersync.errors import invalid, problem_of
from buyersync.method.model import Deal


def error_of(data: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        Deal.model_validate(data)
    return caught.value


def test_a_bad_value_inside_a_list_names_its_index_and_field_and_what_it_got():
    error = error_of({"name": "x", "evidence": [{"text": "fine"},
                                                {"text": "bad date", "date": "2026-02-30"}]})
    problem = problem_of(error)
    assert problem.loc == ("evidence", 1, "date") and problem.field == "evidence.1.date"
    en = invalid(error, "deal.yaml").render("en")
    zh = invalid(error, "deal.yaml").render("zh")
    assert en.startswith("deal.yaml: field `evidence.1.date`: ") and en.endswith("; got '2026-02-30'")
    assert zh.startswith("deal.yaml：字段 `evidence.1.date`：") and zh.endswith("；收到的是 '2026-02-30'")
    assert "\n" not in en + zh


@pytest.mark.parametrize(("data", "field", "en", "zh"), [
    ({"name": "x", "contacts": [{"name": "A", "boss": True}]}, "contacts.0.boss",
     "unknown field", "未知字段"),
    ({"name": "x", "evidence": [{"text": "a"}, {"date": "2026-03-01"}]}, "evidence.1.text",
     "required", "必填"),
])
def test_an_unknown_or_missing_nested_field_is_worded_in_both_languages(data, field, en, zh):
    error = error_of(data)
    assert invalid(error, "deal.yaml").render("en") == f"deal.yaml: field `{field}`: {en}"
    assert invalid(error, "deal.yaml").render("zh") == f"deal.yaml：字段 `{field}`：{zh}"
    assert str(problem_of(error).words()) == f"{field}: {en}"


def test_a_problem_of_the_whole_object_never_shows_the_values_it_got():
    from buyersync.config import Settings

    secret = "short-but-secret"
    with pytest.raises(ValidationError) as caught:
        Settings(team=True, secret_key=secret)
    problem = problem_of(caught.value)
    assert problem.field == "" and "BUYERSYNC_SECRET_KEY" in str(problem.detail)
    assert secret not in invalid(caught.value, "settings").render("en")
