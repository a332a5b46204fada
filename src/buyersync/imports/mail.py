"""Mail files → plain messages: .eml, .mbox, Maildir folders and Outlook .msg.

This module reads MIME structure only (headers, the text or HTML body part, attachment
names); what in a body is new and what is quoted history, signature or disclaimer is
the locator's business (`locate/clean.py`). The standard library's `email` and `mailbox` parse the
first three kinds (with the modern policy, so encoded Chinese headers and bodies in
GB2312/GBK/Big5 decode); `imports/outlook.py` reads
Outlook's .msg (with olefile).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import mailbox
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any

from buyersync.errors import BadInput

__all__ = ["Attachment", "MailMessage", "mail_kind", "parse_message", "read_mail"]

#: how many bytes of one message are read at most (bigger ones are mostly attachments)
MAX_MESSAGE = 50 * 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class MailMessage:
    """One message as the headers and the MIME structure give it; `body` is not cleaned."""

    message_id: str
    sender: str  # the From address, lower case ('' when the header has none)
    sender_name: str
    recipients: tuple[str, ...]  # To and Cc addresses, lower case
    subject: str
    date: dt.datetime | None
    body: str
    html: bool  # True when the body is HTML (no plain-text part was sent)
    references: tuple[str, ...] = ()  # In-Reply-To and References, oldest first
    attachments: tuple[Attachment, ...] = field(default=())
    origin: str = ""  # the file (and place in it) the message came from


def mail_kind(path: Path) -> str:
    """`maildir`, `mbox`, `msg` or `eml`, from the path (and, when that says nothing, from
    the first bytes)."""
    if path.is_dir():
        if all((path / sub).is_dir() for sub in ("cur", "new")):
            return "maildir"
        return "folder"
    suffix = path.suffix.lower()
    if suffix in (".mbox", ".mbx"):
        return "mbox"
    if suffix == ".msg":
        return "msg"
    if suffix == ".eml":
        return "eml"
    with path.open("rb") as f:
        head = f.read(8)
    if head.startswith(b"From "):
        return "mbox"
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE compound file: Outlook
        return "msg"
    return "eml"


def read_mail(paths: Iterable[str | Path]) -> Iterator[MailMessage]:
    """Every message under the given paths, in path order. A folder that is not a Maildir
    is read file by file (sorted by name). A path that does not exist is a BadInput."""
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise BadInput("not_found", where=str(given))
        yield from _read_path(path, str(given))


def _read_path(path: Path, where: str) -> Iterator[MailMessage]:
    kind = mail_kind(path)
    if kind == "folder":
        for child in sorted(path.iterdir()):
            if child.name.startswith("."):
                continue
            yield from _read_path(child, str(child))
    elif kind == "maildir":
        box = mailbox.Maildir(path, factory=None, create=False)
        for key in sorted(box.keys()):
            with box.get_file(key) as f:
                yield parse_message(f.read(MAX_MESSAGE), f"{where}/{key}")
    elif kind == "mbox":
        mbox = mailbox.mbox(path, factory=None, create=False)
        try:
            for i, key in enumerate(mbox.keys()):
                yield parse_message(mbox.get_bytes(key), f"{where}#{i + 1}")
        finally:
            mbox.close()
    elif kind == "msg":
        yield _parse_msg(path, where)
    else:
        if path.stat().st_size > MAX_MESSAGE:
            raise BadInput("too_large", where=where, size=path.stat().st_size, limit=MAX_MESSAGE)
        yield parse_message(path.read_bytes(), where)


def parse_message(raw: bytes, origin: str = "") -> MailMessage:
    """One RFC 5322 message (as an .eml file or one entry of an mbox holds it)."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    name, sender = parseaddr(_header(msg, "from"))
    recipients = tuple(a.lower() for _, a in getaddresses(
        [_header(msg, "to"), _header(msg, "cc")]) if "@" in a)
    subject = _header(msg, "subject")
    date = _date(_header(msg, "date"))
    body, html = _body(msg)
    attachments = tuple(
        Attachment(name=part.get_filename() or "", content_type=part.get_content_type(),
                   size=len(part.get_payload(decode=True) or b""))
        for part in msg.iter_attachments() if isinstance(part, EmailMessage))
    refs = _ids(_header(msg, "references")) + _ids(_header(msg, "in-reply-to"))
    return MailMessage(
        message_id=_message_id(_header(msg, "message-id"), sender, date, subject, body),
        sender=sender.lower(), sender_name=name, recipients=recipients, subject=subject,
        date=date, body=body, html=html, references=tuple(dict.fromkeys(refs)),
        attachments=attachments, origin=origin)


def _header(msg: EmailMessage, name: str) -> str:
    """A header as text; a header that does not decode is read as it stands."""
    try:
        value = msg.get(name)
    except (ValueError, LookupError, IndexError):
        value = None
        for key, raw in msg.raw_items():
            if key.lower() == name:
                value = raw
    return " ".join(str(value).split()) if value is not None else ""


def _date(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _ids(value: str) -> list[str]:
    return [f"<{part.split('>')[0]}>" for part in value.split("<")[1:] if ">" in part]


def _message_id(header: str, sender: str, date: dt.datetime | None, subject: str,
                body: str) -> str:
    """The Message-ID, or for a message without one, an id made from what it says (so that
    importing it again still finds it)."""
    found = _ids(header)
    if found:
        return found[0][:500]
    digest = hashlib.sha256("\x1f".join(
        [sender, date.isoformat() if date else "", subject, body]).encode()).hexdigest()[:32]
    return f"<{digest}@no-message-id.buyersync>"


def _body(msg: EmailMessage) -> tuple[str, bool]:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", False
    return _text_of(part), part.get_content_subtype() == "html"


def _text_of(part: Any) -> str:
    try:
        text = part.get_content()
    except (LookupError, UnicodeError, ValueError):
        # an unknown or lying charset: try what Chinese mail really uses, then give up gently
        raw = part.get_payload(decode=True) or b""
        for charset in ("utf-8", "gb18030", "big5"):
            try:
                return str(raw.decode(charset))
            except UnicodeDecodeError:
                continue
        return str(raw.decode("utf-8", errors="replace"))
    return text if isinstance(text, str) else ""


def _parse_msg(path: Path, where: str) -> MailMessage:
    """An Outlook .msg file: an OLE compound file of MAPI properties (read with olefile)."""
    from buyersync.imports.outlook import read_msg

    try:
        props = read_msg(path)
    except (OSError, ValueError) as e:
        raise BadInput("not_outlook", where=where, detail=type(e).__name__) from None
    base = parse_message(props.headers.encode("utf-8", "replace"), where) if props.headers else None
    body, html = props.body, False
    if not body.strip() and props.html:
        body, html = props.html, True
    sender = (props.sender or (base.sender if base else "")).lower()
    recipients = tuple(a.lower() for a in props.recipients if "@" in a) or (
        base.recipients if base else ())
    date = props.date or (base.date if base else None)
    subject = props.subject or (base.subject if base else "")
    header_id = base.message_id if base and "@no-message-id" not in base.message_id else ""
    message_id = (_ids(props.message_id)[:1] or [header_id])[0]
    refs = _ids(props.references) + _ids(props.in_reply_to)
    return MailMessage(
        message_id=message_id or _message_id("", sender, date, subject, body),
        sender=sender, sender_name=props.sender_name, recipients=recipients, subject=subject,
        date=date, body=body, html=html,
        references=tuple(dict.fromkeys(refs)) or (base.references if base else ()),
        attachments=tuple(Attachment(name=a[0], content_type=a[1], size=a[2])
                          for a in props.attachments),
        origin=where)
