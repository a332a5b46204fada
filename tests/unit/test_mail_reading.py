"""Reading mail files: headers, encodings, HTML, attachments, Outlook .msg, and the text
a message contributes as evidence."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from buyersync.errors import BadInput
from buyersync.imports.mail import mail_kind, parse_message, read_mail
from buyersync.services.mail import evidence_of
from tests.msg_builder import message_streams, write_msg

WHEN = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _mail(body: str, *, charset: str = "utf-8", cte: str | None = None, html: bool = False,
          subject: str = "关于招标", **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = headers.get("sender", "王总 <Wang@HDLand.example>")
    msg["To"] = "Sam <sam@sales.example>"
    msg["Cc"] = "li.gong@hdland.example"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(WHEN)
    msg["Message-ID"] = headers.get("message_id", "<m1@hdland.example>")
    if "in_reply_to" in headers:
        msg["In-Reply-To"] = headers["in_reply_to"]
    msg.set_content(body, subtype="html" if html else "plain", charset=charset, cte=cte)
    return bytes(msg)


def test_a_gbk_encoded_chinese_message_decodes_with_its_headers():
    message = parse_message(_mail("客户发来招标书，要求两周内回应。", charset="gbk", cte="base64"))
    assert message.body.strip() == "客户发来招标书，要求两周内回应。"
    assert message.subject == "关于招标"
    assert message.sender == "wang@hdland.example"
    assert message.sender_name == "王总"
    assert message.recipients == ("sam@sales.example", "li.gong@hdland.example")
    assert message.date == WHEN
    assert message.message_id == "<m1@hdland.example>"


def test_a_reply_carries_the_message_it_answers():
    message = parse_message(_mail("好的", in_reply_to="<m0@sales.example>"))
    assert message.references == ("<m0@sales.example>",)


def test_a_message_without_message_id_gets_the_same_made_up_id_every_time():
    raw = _mail("no id here").replace(b"Message-ID: <m1@hdland.example>\n", b"")
    first, second = parse_message(raw), parse_message(raw)
    assert first.message_id == second.message_id
    assert first.message_id.endswith("@no-message-id.buyersync>")


def test_the_evidence_of_a_reply_leaves_out_the_quoted_history_and_the_signature():
    body = ("We have issued the RFP; responses are due in two weeks.\n\n-- \nAnn Lee\n\n"
            "On Mon, Sam wrote:\n> Could we meet to talk about your goals?")
    item = evidence_of(parse_message(_mail(body, subject="Re: Northwind project")))
    assert item.text == "Northwind project\nWe have issued the RFP; responses are due in two weeks."
    assert item.date == WHEN.date()
    assert item.source == "email"
    assert item.message_id == "<m1@hdland.example>"


def test_an_html_only_message_gives_its_text_without_markup_or_quotes():
    html = ("<html><head><style>p{color:red}</style></head><body><p>评分标准已经定了，"
            "技术占六十分。</p><blockquote>以前的邮件</blockquote></body></html>")
    message = parse_message(_mail(html, html=True))
    assert message.html
    assert evidence_of(message).text == "关于招标\n评分标准已经定了，技术占六十分。"


def test_a_chinese_reply_header_starts_the_history():
    body = "收到，下周见。\n\n在 2026年2月1日，王总 写道：\n> 旧的内容"
    assert evidence_of(parse_message(_mail(body))).text == "关于招标\n收到，下周见。"


def test_attachments_are_listed_by_name(tmp_path: Path):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@x.example", "b@y.example", "tender"
    msg.set_content("see attached")
    msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="招标文件.pdf")
    (tmp_path / "t.eml").write_bytes(bytes(msg))
    [message] = read_mail([tmp_path / "t.eml"])
    assert [(a.name, a.content_type, a.size) for a in message.attachments] == [
        ("招标文件.pdf", "application/pdf", 8)]


def test_an_outlook_msg_file_gives_sender_recipients_date_body_and_attachments(tmp_path: Path):
    path = tmp_path / "tender.msg"
    write_msg(path, message_streams(
        subject="关于招标", body="客户发来招标书，要求两周内回应。", sender="wang@hdland.example",
        sender_name="王总", to=["sam@sales.example"], message_id="<abc@hdland.example>",
        when=dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC),
        attachments=[("招标文件.pdf", b"%PDF-1.4 tender")]))
    assert mail_kind(path) == "msg"
    [message] = read_mail([path])
    assert message.sender == "wang@hdland.example"
    assert message.recipients == ("sam@sales.example",)
    assert message.subject == "关于招标"
    assert message.body == "客户发来招标书，要求两周内回应。"
    assert message.date == dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)
    assert message.message_id == "<abc@hdland.example>"
    assert [a.name for a in message.attachments] == ["招标文件.pdf"]


def test_a_file_that_is_not_an_outlook_message_is_bad_input(tmp_path: Path):
    path = tmp_path / "broken.msg"
    path.write_bytes(b"not a compound file")
    with pytest.raises(BadInput, match="broken.msg"):
        list(read_mail([path]))


def test_a_path_that_does_not_exist_is_bad_input(tmp_path: Path):
    with pytest.raises(BadInput, match="nowhere.mbox"):
        list(read_mail([tmp_path / "nowhere.mbox"]))
