"""Evidence straight from the mailbox: match each message to a deal and save what it says.

Matching, in this order (the first rule that names deals decides):
1. `deal_id` given: every message goes to that deal.
2. The thread: a message that replies to or references a message already saved (or met
   earlier in this import) goes to that message's deal.
3. The people: a deal scores 3 for each of its contacts who sent the message, 2 for each
   who received it; 2 when the sender's domain is one of the deal's `domains`, 1 for each
   recipient domain that is. The highest score wins; a tie goes to the open deal, then to
   the one most recently updated.
Messages that no rule matches are reported, not dropped. A message whose Message-ID is
already saved (or appeared earlier in the same import) counts as a duplicate and adds
nothing. Messages are taken oldest first, so that a thread's first message places the rest.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from pydantic import BaseModel, Field

from buyersync.imports.mail import MailMessage
from buyersync.method.model import MAX_TEXT, Evidence
from buyersync.services.deals import DealService
from buyersync.store.mailindex import DealMailKeys

_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|fw|fwd|aw|sv|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)

__all__ = ["Attached", "MailReport", "Unmatched", "evidence_of", "import_mail", "match"]


class Attached(BaseModel):
    deal_id: str
    message_id: str
    date: dt.datetime | None
    subject: str = ""
    attachments: list[str] = Field(default_factory=list)


class Unmatched(BaseModel):
    message_id: str
    from_: str = Field(alias="from")
    subject: str


class MailReport(BaseModel):
    """The `evidence import-mail --format json` object."""

    attached: list[Attached] = Field(default_factory=list)
    unmatched: list[Unmatched] = Field(default_factory=list)
    duplicates: int = 0

    def as_json(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True)


def evidence_of(message: MailMessage, clean: Callable[[str, bool], str] | None = None) -> Evidence:
    """The evidence item a message makes: the subject and what the sender wrote this time
    (quoted history, signature and disclaimer left out), dated by its Date header."""
    body = (clean or _clean)(message.body, message.html)
    subject = _REPLY_PREFIX.sub("", message.subject).strip()
    text = body if not subject or subject.lower() in body.lower() else f"{subject}\n{body}".strip()
    return Evidence.model_validate({
        "text": (text or message.message_id)[:MAX_TEXT],
        "date": message.date.date() if message.date else None,
        "source": "email", "message_id": message.message_id})


def _clean(body: str, html: bool) -> str:
    """The locator's own e-mail cleaning (locate/clean.py): the newest message, without
    quoted history, signature or disclaimer."""
    from buyersync.locate.clean import html_text, split_message

    return split_message(html_text(body) if html else body).body


def _domain(address: str) -> str:
    return address.rpartition("@")[2]


def match(message: MailMessage, keys: dict[str, DealMailKeys],
          threads: dict[str, str]) -> str | None:
    """The deal a message belongs to, by the rules in this module's docstring (2 and 3)."""
    for ref in reversed(message.references):  # the nearest parent first
        if ref in threads and threads[ref] in keys:
            return threads[ref]
    scores: dict[str, int] = defaultdict(int)
    for deal in keys.values():
        if message.sender and message.sender in deal.emails:
            scores[deal.id] += 3
        if message.sender and _domain(message.sender) in deal.domains:
            scores[deal.id] += 2
        for address in message.recipients:
            if address in deal.emails:
                scores[deal.id] += 2
            if _domain(address) in deal.domains:
                scores[deal.id] += 1
    if not scores:
        return None
    return max(scores, key=lambda d: (scores[d], keys[d].open, keys[d].updated_at))


def import_mail(service: DealService, messages: Iterable[MailMessage], *,
                deal_id: str | None = None,
                clean: Callable[[str, bool], str] | None = None) -> MailReport:
    """Match messages to deals and save them as evidence (one transaction per deal)."""
    keys = service.mail_keys(deal_id)
    if deal_id is not None and deal_id not in keys:
        from buyersync.errors import NotFound

        raise NotFound("deal", deal_id)
    far_past = dt.datetime.min.replace(tzinfo=dt.UTC)
    ordered = sorted(messages, key=lambda m: m.date or far_past)
    wanted = [m.message_id for m in ordered]
    wanted += [r for m in ordered for r in m.references]
    threads = service.saved_message_ids(wanted)  # message id → deal id
    report = MailReport()
    seen: set[str] = set()
    per_deal: dict[str, list[tuple[MailMessage, Evidence]]] = defaultdict(list)
    for message in ordered:
        if message.message_id in seen or message.message_id in threads:
            report.duplicates += 1
            continue
        seen.add(message.message_id)
        target = deal_id or match(message, keys, threads)
        if target is None:
            report.unmatched.append(Unmatched.model_validate(
                {"message_id": message.message_id, "from": message.sender,
                 "subject": message.subject}))
            continue
        threads[message.message_id] = target
        per_deal[target].append((message, evidence_of(message, clean)))
    for target, items in per_deal.items():
        service.add_evidence_items(target, [item for _, item in items])
        report.attached += [
            Attached(deal_id=target, message_id=m.message_id, date=m.date, subject=m.subject,
                     attachments=[a.name for a in m.attachments if a.name])
            for m, _ in items]
    report.attached.sort(key=lambda a: (a.date or far_past, a.message_id))
    return report
