"""Outlook .msg files: the MAPI properties of one message, read from its OLE compound file.

A .msg file keeps each variable-length property in a stream named
`__substg1.0_PPPPTTTT` (PPPP the property id, TTTT its type: 001F UTF-16 text, 001E
8-bit text, 0102 bytes), fixed-length ones (dates) in `__properties_version1.0`, and each
recipient and attachment in a storage of its own ([MS-OXMSG]).
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUBJECT, BODY, HTML, HEADERS = 0x0037, 0x1000, 0x1013, 0x007D
SENDER_NAME, SENDER_EMAIL, SENDER_SMTP = 0x0C1A, 0x0C1F, 0x5D01
MESSAGE_ID, IN_REPLY_TO, REFERENCES = 0x1035, 0x1042, 0x1039
RECIP_SMTP, RECIP_EMAIL = 0x39FE, 0x3003
ATTACH_LONG_NAME, ATTACH_NAME, ATTACH_MIME, ATTACH_DATA = 0x3707, 0x3704, 0x370E, 0x3701
SUBMIT_TIME, DELIVERY_TIME = 0x0039, 0x0E06
_FILETIME_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)


class NotOutlook(ValueError):
    """The file is not an OLE compound file (so not an Outlook message)."""


@dataclass
class MsgProperties:
    subject: str = ""
    body: str = ""
    html: str = ""
    headers: str = ""
    sender: str = ""
    sender_name: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: str = ""
    date: dt.datetime | None = None
    recipients: list[str] = field(default_factory=list)
    attachments: list[tuple[str, str, int]] = field(default_factory=list)  # name, type, size


def read_msg(path: Path) -> MsgProperties:
    """The properties buyersync uses. Raises NotOutlook (or OSError) for a file that is not
    a compound file."""
    import olefile

    if not olefile.isOleFile(str(path)):
        raise NotOutlook(path.name)
    with olefile.OleFileIO(str(path)) as ole:
        def text(prop: int, storage: str = "") -> str:
            for kind, codec in (("001F", "utf-16-le"), ("001E", "cp1252")):
                name = f"{storage}__substg1.0_{prop:04X}{kind}"
                if ole.exists(name):
                    raw = ole.openstream(name).read()
                    return str(raw.decode(codec, errors="replace")).rstrip("\x00")
            return ""

        def data(prop: int, storage: str = "") -> bytes:
            name = f"{storage}__substg1.0_{prop:04X}0102"
            return bytes(ole.openstream(name).read()) if ole.exists(name) else b""

        html = data(HTML)
        props = MsgProperties(
            subject=text(SUBJECT), body=text(BODY) or "", headers=text(HEADERS),
            html=html.decode("utf-8", errors="replace") if html else text(HTML),
            sender=text(SENDER_SMTP) or text(SENDER_EMAIL), sender_name=text(SENDER_NAME),
            message_id=text(MESSAGE_ID), in_reply_to=text(IN_REPLY_TO),
            references=text(REFERENCES), date=_date(ole))
        if "@" not in props.sender:
            props.sender = ""
        for entry in ole.listdir(streams=False, storages=True):
            top = entry[0]
            if len(entry) != 1:
                continue
            if top.startswith("__recip_version1.0_"):
                address = text(RECIP_SMTP, top + "/") or text(RECIP_EMAIL, top + "/")
                if address:
                    props.recipients.append(address)
            elif top.startswith("__attach_version1.0_"):
                name = text(ATTACH_LONG_NAME, top + "/") or text(ATTACH_NAME, top + "/")
                props.attachments.append((name, text(ATTACH_MIME, top + "/")
                                          or "application/octet-stream",
                                          len(data(ATTACH_DATA, top + "/"))))
    return props


def _date(ole: Any) -> dt.datetime | None:
    """The submit (else delivery) time from the fixed-length property stream."""
    name = "__properties_version1.0"
    if not ole.exists(name):
        return None
    raw = ole.openstream(name).read()[32:]  # the top-level message's header is 32 bytes
    found: dict[int, int] = {}
    for i in range(0, len(raw) - 15, 16):
        tag, _flags, value = struct.unpack_from("<IIQ", raw, i)
        if tag & 0xFFFF == 0x0040:  # PT_SYSTIME
            found[tag >> 16] = value
    ticks = found.get(SUBMIT_TIME) or found.get(DELIVERY_TIME)
    if not ticks:
        return None
    return _FILETIME_EPOCH + dt.timedelta(microseconds=ticks // 10)
