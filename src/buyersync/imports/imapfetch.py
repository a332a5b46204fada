"""Messages from one IMAP folder (the standard library's imaplib), for `evidence fetch-mail`.

The folder is opened read-only and bodies are fetched with BODY.PEEK, so fetching marks
nothing as read. `since` narrows the search on the server (IMAP's SINCE: by date, not time).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import ssl
from collections.abc import Iterator

from buyersync.errors import BadInput
from buyersync.imports.mail import MailMessage, parse_message

__all__ = ["fetch_imap"]

SECURITY = ("ssl", "starttls", "plain")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _since(day: dt.date) -> str:
    return f"{day.day}-{_MONTHS[day.month - 1]}-{day.year}"


def fetch_imap(host: str, user: str, password: str, *, port: int | None = None,
               folder: str = "INBOX", since: dt.date | None = None, security: str = "ssl",
               timeout: float = 60.0) -> Iterator[MailMessage]:
    """Every message in `folder` (received on or after `since`), oldest first."""
    where = f"imap://{user}@{host}:{port or ''}/{folder}"
    if security not in SECURITY:
        raise BadInput("imap_security", where=where, field="security", got=repr(security))
    try:
        if security == "ssl":
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(host, port or 993, timeout=timeout,
                                                      ssl_context=ssl.create_default_context())
        else:
            client = imaplib.IMAP4(host, port or 143, timeout=timeout)
            if security == "starttls":
                client.starttls(ssl.create_default_context())
    except (OSError, imaplib.IMAP4.error) as e:
        raise BadInput("imap_connect", where=where, detail=e) from None
    try:
        try:
            client.login(user, password)
        except imaplib.IMAP4.error:
            raise BadInput("imap_login", where=where) from None
        status, _ = client.select(_quoted(folder), readonly=True)
        if status != "OK":
            raise BadInput("imap_folder", where=where)
        criteria = ["SINCE", _since(since)] if since else ["ALL"]
        status, found = client.uid("SEARCH", *criteria)
        uids = found[0].split() if status == "OK" and found and found[0] else []
        for uid in uids:
            status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in data if isinstance(part, tuple)), None)
            if status == "OK" and isinstance(raw, bytes):
                yield parse_message(raw, f"{where}#{uid.decode()}")
    except (TimeoutError, OSError, imaplib.IMAP4.abort) as e:
        raise BadInput("imap_failed", where=where, detail=e) from None
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
