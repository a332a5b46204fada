"""Bad deal files give one clear line naming the file, the field and what was expected."""

from __future__ import annotations

import pytest

from buyersync.errors import BadInput
from buyersync.services.dealfile import MAX_FILE_BYTES, parse_deal_bytes, read_deal_file


def bad(raw: bytes, where: str = "deal.yaml", lang: str = "en") -> str:
    with pytest.raises(BadInput) as info:
        parse_deal_bytes(raw, where)
    message = info.value.render(lang)
    assert "\n" not in message
    assert where in message
    return message


def test_reads_a_minimal_deal():
    assert parse_deal_bytes(b"name: x\n", "d.yaml").name == "x"


def test_reads_json_and_chinese_text():
    deal = parse_deal_bytes('{"name": "临床数据中心", "stage": "solution"}'.encode(), "d.json")
    assert deal.name == "临床数据中心" and deal.stage.value == "solution"


def test_empty_file():
    assert "empty" in bad(b"  \n")


def test_binary_junk():
    assert "UTF-8" in bad(bytes(range(256)))


def test_invalid_yaml_names_the_line():
    message = bad(b"name: x\nstage: [unclosed\n")
    assert "YAML" in message and "line" in message


def test_invalid_json_names_the_line():
    message = bad(b'{"name": "x",\n "stage": }', "d.json")
    assert "JSON" in message and "line 2" in message


def test_not_a_mapping():
    assert "mapping" in bad(b"- just\n- a list\n")


def test_missing_name():
    assert "`name`" in bad(b"stage: pain\n")


def test_unknown_stage_names_the_field_and_the_choices():
    message = bad(b"name: x\nstage: negotiation\n")
    assert "`stage`" in message and "problem" in message and "negotiation" in message


def test_unknown_driver_key():
    message = bad(b"name: x\ndrivers: {discovery: us}\n")
    assert "drivers" in message


def test_unknown_driver_value():
    assert "drivers.pain" in bad(b"name: x\ndrivers: {pain: partner}\n")


def test_unknown_capability():
    assert "capabilities.0" in bad(b"name: x\ncapabilities: [charm]\n")


def test_wrong_type():
    assert "evidence" in bad(b"name: x\nevidence: hello\n")


def test_unknown_field_is_reported():
    assert "`stgae`" in bad(b"name: x\nstgae: pain\n")


def test_bad_contact_role():
    assert "contacts.0.role" in bad(b"name: x\ncontacts: [{name: A, role: boss}]\n")


def test_missing_file(tmp_path):
    with pytest.raises(BadInput, match="no such file"):
        read_deal_file(str(tmp_path / "nope.yaml"))


def test_huge_file(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"name: x\n" + b"#" * (MAX_FILE_BYTES + 10))
    with pytest.raises(BadInput, match="limit"):
        read_deal_file(str(big))


def test_errors_speak_chinese_when_asked():
    assert "文件是空的" in bad(b"", lang="zh")
