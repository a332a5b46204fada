"""Reference cases are kept in the workspace (SQLite and PostgreSQL), imported all or nothing,
and quoted in saved deals' analyses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from buyersync.errors import BadInput
from buyersync.method.model import Deal
from buyersync.services.deals import DealService

DATA = Path(__file__).resolve().parents[1] / "data"


def test_imported_cases_read_back_equal_and_reach_the_analysis(db_url):
    with DealService(db_url) as service:
        ids = service.import_references(str(DATA / "references" / "cases.yaml"))
        assert len(ids) == 2
        cases = service.references()
        assert [c.customer for c in cases] == ["Halden Paper Mill", "北方某风电集团"]
        assert cases[1].result == "齿轮箱非计划停机一年减少55%，报警全部进入工单闭环"
        raw = yaml.safe_load((DATA / "advice" / "11-hidden-problem-from-contact.yaml")
                             .read_text("utf-8"))
        deal_id = service.create(Deal.model_validate(raw))
        moves = service.get(deal_id).analysis.moves
        assert any(m.id == "facts.name_the_reference" and "刘总工" in m.say for m in moves)


def test_a_file_with_one_bad_case_stores_nothing(db_url, tmp_path):
    bad = tmp_path / "cases.yaml"
    bad.write_text("- {customer: A, problem: p, result: r}\n- {customer: B, problem: p}\n",
                   encoding="utf-8")
    with DealService(db_url) as service:
        with pytest.raises(BadInput) as caught:
            service.import_references(str(bad))
        assert "case 2" in str(caught.value) and "result" in str(caught.value)
        assert service.references() == []
