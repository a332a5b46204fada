"""CRM exports (Salesforce, HubSpot, any CSV/XLSX with a map) become deals: bad rows are
reported with their numbers, unknown columns are reported, nothing is half imported."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from buyersync.errors import BadInput
from buyersync.imports import import_crm, load_map
from buyersync.method.stages import Outcome, Stage

SF_HEADER = ["Id", "Name", "AccountName", "StageName", "Amount", "CloseDate", "CreatedDate",
             "IsWon", "IsClosed", "OwnerName", "CurrencyIsoCode", "Description", "Probability"]
SF_ROWS = [
    ["0065g00000AAAa1", "ERP rollout", "Acme Corp", "Needs Analysis", "120,000.00",
     "2026-09-30", "2026-03-02T09:15:00.000+0000", "false", "false", "Ann Lee", "USD",
     "They want one system for all plants.", "20"],
    ["0065g00000AAAa2", "CRM 替换项目", "某银行", "Closed Won", "880000", "2026-05-31",
     "2026-01-10T08:00:00.000Z", "true", "true", "王强", "CNY", "", "100"],
    ["0065g00000AAAa3", "Data platform", "Globex", "Closed Lost", "$45,500", "4/15/2026",
     "2026-02-01", "false", "true", "Ann Lee", "USD", "", "0"],
    ["0065g00000AAAa4", "", "Nameless Inc", "Prospecting", "10", "2026-12-01", "2026-03-01",
     "false", "false", "Ann Lee", "USD", "", "10"],                      # no name
    ["0065g00000AAAa5", "Odd stage", "Initech", "Champion Found", "10", "2026-12-01",
     "2026-03-01", "false", "false", "Ann Lee", "USD", "", "10"],        # unmapped stage
    ["0065g00000AAAa6", "Bad amount", "Hooli", "Qualification", "lots", "2026-12-01",
     "2026-03-01", "false", "false", "Ann Lee", "USD", "", "10"],        # not a number
]
SF_HISTORY = [
    ["OpportunityId", "StageName", "CreatedDate", "Amount"],
    ["0065g00000AAAa1", "Prospecting", "2026-03-02T09:15:00.000Z", "100000"],
    ["0065g00000AAAa1", "Qualification", "2026-04-01T10:00:00.000Z", "100000"],
    ["0065g00000AAAa1", "Qualification", "2026-04-20T10:00:00.000Z", "120000"],  # amount only
    ["0065g00000AAAa1", "Needs Analysis", "2026-05-12T10:00:00.000Z", "120000"],
    ["0065g00000AAAa2", "Qualification", "2026-01-10T08:00:00.000Z", "800000"],
    ["0065g00000AAAa2", "Negotiation/Review", "2026-04-02T08:00:00.000Z", "880000"],
    ["0065g00000AAAa2", "Closed Won", "2026-05-31T08:00:00.000Z", "880000"],
]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as f:
        csv.writer(f).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def sf_files(tmp_path: Path) -> tuple[Path, Path]:
    return (write_csv(tmp_path / "Opportunity.csv", [SF_HEADER, *SF_ROWS]),
            write_csv(tmp_path / "OpportunityHistory.csv", SF_HISTORY))


def test_a_salesforce_export_with_history_imports_the_good_rows_and_reports_the_bad(
        service, sf_files):
    opportunities, history = sf_files
    report = import_crm(service, opportunities, source="salesforce", history=history)
    assert [d.id for d in report.imported] == ["sf-0065g00000AAAa1", "sf-0065g00000AAAa2",
                                               "sf-0065g00000AAAa3"]
    assert [(p.row, p.file) for p in report.skipped] == [
        (5, "Opportunity.csv"), (6, "Opportunity.csv"), (7, "Opportunity.csv")]
    assert "needs a name" in report.skipped[0].error
    assert "'Champion Found' is not in the stage map" in report.skipped[1].error
    assert "Amount" in report.skipped[2].error
    assert report.unknown_columns == ["Probability"]
    assert report.history_rows == 7

    erp = service.get("sf-0065g00000AAAa1")
    assert (erp.deal.name, erp.deal.customer, erp.deal.owner) == ("ERP rollout", "Acme Corp",
                                                                   "Ann Lee")
    assert erp.deal.stage == Stage.requirements and erp.deal.amount == 120000.0
    assert erp.created_at == dt.datetime(2026, 3, 2, 9, 15, tzinfo=dt.UTC)
    assert [(h.to_stage, h.cause) for h in erp.history] == [
        (Stage.problem, "import"), (Stage.pain, "import"), (Stage.requirements, "import")]
    assert erp.stage_since == dt.datetime(2026, 5, 12, 10, tzinfo=dt.UTC)
    assert erp.deal.evidence[0].text == "They want one system for all plants."

    won = service.get("sf-0065g00000AAAa2")
    assert won.deal.outcome == Outcome.won and won.deal.stage == Stage.cost
    assert won.closed_at == dt.datetime(2026, 5, 31, tzinfo=dt.UTC)
    lost = service.get("sf-0065g00000AAAa3")
    assert lost.deal.outcome == Outcome.lost and lost.deal.amount == 45500.0
    assert lost.closed_at == dt.datetime(2026, 4, 15, tzinfo=dt.UTC)


def test_strict_mode_rejects_the_whole_import_when_any_row_is_bad(service, sf_files):
    opportunities, history = sf_files
    with pytest.raises(BadInput, match=r"row 5: .*needs a name.*2 more bad rows.*nothing was imported \(strict"):
        import_crm(service, opportunities, source="salesforce", history=history, strict=True)
    assert service.count() == 0


def test_importing_a_newer_export_updates_the_deals_instead_of_duplicating_them(
        service, sf_files, tmp_path):
    opportunities, _ = sf_files
    import_crm(service, opportunities, source="salesforce")
    newer = [SF_HEADER, [*SF_ROWS[0][:3], "Proposal/Price Quote", *SF_ROWS[0][4:]]]
    import_crm(service, write_csv(tmp_path / "newer.csv", newer), source="salesforce")
    assert service.count() == 3
    view = service.get("sf-0065g00000AAAa1")
    assert view.deal.stage == Stage.solution
    assert [h.to_stage for h in view.history] == [Stage.requirements, Stage.solution]


def test_a_hubspot_xlsx_export_imports_with_spreadsheet_dates(service, tmp_path):
    rows = [
        ["Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date", "Create Date",
         "Deal owner", "Pipeline"],
        [9001, "Warehouse robots", "Presentation Scheduled", 250000,
         dt.datetime(2026, 8, 1), dt.datetime(2026, 2, 3, 14, 30), "Kim", "Sales Pipeline"],
        [9002, "Fleet telematics", "contractsent", "75,000", None, "2026-04-04", "Kim",
         "Sales Pipeline"],
        [None, None, None, None, None, None, None, None],                       # empty row
        [9003, "Won one", "Closed Won", 1000, dt.date(2026, 6, 30), dt.date(2026, 1, 2), "Lu",
         "Sales Pipeline"],
    ]
    report = import_crm(service, write_xlsx(tmp_path / "deals.xlsx", rows), source="hubspot")
    assert [d.id for d in report.imported] == ["hs-9001", "hs-9002", "hs-9003"]
    assert report.skipped == [] and report.unknown_columns == ["Pipeline"]
    robots = service.get("hs-9001")
    assert robots.deal.stage == Stage.solution and robots.deal.amount == 250000
    assert robots.created_at == dt.datetime(2026, 2, 3, 14, 30, tzinfo=dt.UTC)
    assert service.get("hs-9002").deal.stage == Stage.cost
    assert service.get("hs-9003").deal.outcome == Outcome.won


def test_a_bad_xlsx_row_is_reported_with_its_sheet_row_number(service, tmp_path):
    rows = [["Deal Name", "Deal Stage", "Create Date"],
            ["Fine", "Qualified To Buy", "2026-01-01"],
            [None, None, None],
            ["Bad date", "Qualified To Buy", "yesterday"]]
    report = import_crm(service, write_xlsx(tmp_path / "d.xlsx", rows), source="hubspot")
    assert [(p.row, "Create Date" in p.error) for p in report.skipped] == [(4, True)]
    assert len(report.imported) == 1


def test_any_csv_imports_with_a_column_map_and_its_own_stage_names(service, tmp_path):
    export = write_csv(tmp_path / "export.csv", [
        ["项目名称", "客户", "阶段", "金额", "负责人", "备注"],
        ["智慧园区", "某开发区管委会", "方案评审", "3,000,000", "林晓", "管委会下周开评审会"],
        ["供应链金融", "某银行", "赢单", "500000", "高原", ""],
    ], encoding="gb18030")  # as Chinese Excel saves a CSV
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns:\n  name: 项目名称\n  customer: 客户\n  stage: 阶段\n  amount: 金额\n"
        "  owner: 负责人\n  evidence: [备注]\nstages:\n  方案评审: solution\n  赢单: won\n"
        "defaults: {currency: CNY, lang: zh}\n", "utf-8")
    report = import_crm(service, export, source="csv", map_file=mapping)
    assert report.skipped == [] and report.unknown_columns == []
    park = service.get(report.imported[0].id)
    assert park.deal.customer == "某开发区管委会" and park.deal.stage == Stage.solution
    assert park.deal.currency == "CNY" and park.deal.evidence[0].text == "管委会下周开评审会"
    assert service.get(report.imported[1].id).deal.outcome == Outcome.won


def test_a_map_file_with_an_unknown_key_or_stage_is_bad_input(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("colums: {name: x}\n", "utf-8")
    with pytest.raises(BadInput, match="colums"):
        load_map("csv", bad)
    bad.write_text("stages: {Foo: closing}\n", "utf-8")
    with pytest.raises(BadInput, match="stages"):
        load_map("csv", bad)


def test_an_export_without_a_name_column_is_refused_before_anything_is_read(service, tmp_path):
    export = write_csv(tmp_path / "x.csv", [["a", "b"], ["1", "2"]])
    with pytest.raises(BadInput, match="deal name"):
        import_crm(service, export, source="salesforce")


def test_history_for_an_opportunity_not_in_the_export_is_reported(service, tmp_path, sf_files):
    opportunities, _ = sf_files
    history = write_csv(tmp_path / "h.csv", [SF_HISTORY[0],
                                             ["0065g00000ZZZZ9", "Qualification", "2026-01-01"]])
    report = import_crm(service, opportunities, source="salesforce", history=history)
    assert any("0065g00000ZZZZ9" in p.error for p in report.skipped)


def test_every_built_in_stage_maps_to_a_buying_stage_or_an_outcome():
    for source in ("salesforce", "hubspot", "csv"):
        crm = load_map(source)
        assert crm.stages, source
        for name in crm.stages:
            assert crm.stage_of(name) in [*Stage, "won", "lost"], (source, name)


def test_progress_is_told_from_the_first_row_to_the_last(service, tmp_path):
    rows = [["name", "stage"]] + [[f"deal {i}", "pain"] for i in range(450)]
    heard: list[tuple[int, int]] = []
    import_crm(service, write_csv(tmp_path / "many.csv", rows), source="csv",
               progress=lambda done, total: heard.append((done, total)))
    assert heard and heard[-1][0] == heard[-1][1] == 450 * 3
    assert [d for d, _ in heard] == sorted(d for d, _ in heard)
    assert service.count() == 450


def test_a_semicolon_separated_csv_with_a_byte_order_mark_reads_like_any_other(service, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffname;stage;amount\nOne;goal;1.234,50\n".encode())
    mapping = tmp_path / "m.yaml"
    mapping.write_text("decimal_comma: true\n", "utf-8")
    report = import_crm(service, path, source="csv", map_file=mapping)
    one = service.get(report.imported[0].id).deal
    assert (one.name, one.stage, one.amount) == ("One", Stage.goal, 1234.5)


def test_a_map_can_name_the_xlsx_sheet_to_read(service, tmp_path):
    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["nothing here"])
    deals_sheet = book.create_sheet("Deals")
    deals_sheet.append(["name", "stage"])
    deals_sheet.append(["From the second sheet", "value"])
    book.save(tmp_path / "two.xlsx")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("sheet: Deals\n", "utf-8")
    report = import_crm(service, tmp_path / "two.xlsx", source="csv", map_file=mapping)
    assert service.get(report.imported[0].id).deal.stage == Stage.value
    mapping.write_text("sheet: Missing\n", "utf-8")
    with pytest.raises(BadInput, match="Missing"):
        import_crm(service, tmp_path / "two.xlsx", source="csv", map_file=mapping)
