"""Real messages → the words that show where the customer is.

A seller pastes e-mails as they come: HTML, header blocks, the newest reply on top of
quoted and forwarded history, signatures and legal disclaimers. Only the newest message
says where the customer stands now; the history is kept apart so that the locator can
fall back on it (at a discount) when the newest reply says nothing about the stage.
Splitting off quoted history uses mail-parser-reply (reply headers in many languages);
HTML goes through the standard library's parser. Sign-offs and disclaimers are listed in
locate/data/mail.yaml. Plain notes pass through untouched, at the cost of one regex scan.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, NamedTuple

from buyersync.datafile import load_yaml, package_file

# one scan decides whether a text needs cleaning at all (most notes do not)
_MAILISH = re.compile(
    r"^\s*>|wrote:|写道[:：]|原始邮件|original message|forwarded message|转发的邮件|"
    r"^\s*(?:from|to|cc|subject|sent|date|发件人|收件人|抄送|主题|发送时间)\s*[:：]|"
    r"<(?:html|body|div|p|br|table|span|td|blockquote)\b|^--\s*$|^_{8,}|^-{5,}|"
    r"sent from my|发自我的|regards|此致|confidential|保密",
    re.IGNORECASE | re.MULTILINE)
_HTML = re.compile(r"<(?:html|body|div|p|br|table|span|td|blockquote)\b", re.IGNORECASE)
# `_MAILISH` in three faster parts (Python's regex engine tries every branch at every position):
# its words, looked for in the lower-cased text; its HTML tags; and its line openings, tried
# at the start and after each newline only. A text with a letter that IGNORECASE matches with
# one of the words' letters though str.lower() does not turn it into that letter (İ, ı, ſ) is
# left to `_MAILISH` itself.
_MAIL_WORDS = ("wrote:", "写道:", "写道：", "原始邮件", "original message",  # text-ok: input words to recognise
               "forwarded message", "转发的邮件", "sent from my", "发自我的", "regards", "此致", "confidential", "保密")
_FOLDS = frozenset("\u0130\u0131\u017f")
_HEADER = re.compile(r"^\s*[*]*(from|to|cc|bcc|subject|sent|date|reply-to|发件人|收件人|抄送|"
                     r"主题|发送时间|日期)[*]*\s*[:：]\s*(.*)$", re.IGNORECASE)
_SEPARATOR = re.compile(r"^\s*(?:-{3,}\s*(?:original message|forwarded message|原始邮件|"
                        r"转发的邮件)?\s*-{3,}|_{8,}|begin forwarded message:?)\s*$",
                        re.IGNORECASE)
_QUOTED = re.compile(r"^\s*>")


class Message(NamedTuple):
    """A pasted text split into what is new and what is quoted or forwarded (a tuple: one is
    made for every located text)."""

    body: str
    history: str = ""

    @property
    def cleaned(self) -> bool:
        return bool(self.history)


@cache
def _markers() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(package_file("buyersync.locate", "data", "mail.yaml"))
    return data


@cache
def _signoff() -> re.Pattern[str]:
    phrases = [re.escape(p) for langs in _markers()["signoffs"].values() for p in langs]
    return re.compile(r"^\s*(?:" + "|".join(phrases) + r")[\s,.!，。！、:：]*$", re.IGNORECASE)


@cache
def _device() -> re.Pattern[str]:
    phrases = [re.escape(p) for langs in _markers()["devices"].values() for p in langs]
    return re.compile(r"^\s*(?:" + "|".join(phrases) + r")", re.IGNORECASE)


@cache
def _disclaimer() -> re.Pattern[str]:
    """Finds a disclaimer phrase wherever one is (a yes or no: `_first_character_scan`)."""
    phrases = [p for langs in _markers()["disclaimers"].values() for p in langs]
    return _first_character_scan(phrases, re.IGNORECASE)


def split_message(text: str) -> Message:
    """The newest message of a pasted e-mail or chat, and the history under it."""
    # one line without markup has no history, signature or header block to remove
    if "\n" not in text and "<" not in text:
        return Message(text)
    if not _mailish(text):
        if not _at_a_line_start(_seller_turn(), text):
            return Message(text)
        return Message("\n".join(_customer_turns(text.split("\n"))))
    if _HTML.search(text):
        text = html_text(text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = _customer_turns(lines)
    lines, subject = _drop_leading_headers(lines)
    cut = _history_start(lines)
    body_lines, history_lines = lines[:cut], lines[cut:]
    body = _trim_tail("\n".join(body_lines))
    if subject and subject.lower() not in body.lower():
        body = f"{subject}\n{body}" if body else subject
    history = "\n".join(_unquote(line) for line in history_lines
                        if not _HEADER.match(line) and not _SEPARATOR.match(line))
    history = _trim_tail(history)
    if not body.strip():  # nothing new above the quote (a bare forward): the history is the message
        return Message(history.strip() or text)
    return Message(_without_offers(body.strip()), _without_offers(history.strip()))


def _mailish(text: str) -> bool:
    """`_MAILISH.search(text) is not None`: the text shows mail markers."""
    if "\u0130" in text or "\u0131" in text or "\u017f" in text:  # _FOLDS (three fast scans)
        return _MAILISH.search(text) is not None
    lowered = text.lower()
    return any(w in lowered for w in _MAIL_WORDS) or ("<" in text and _HTML.search(text) is not None) \
        or _at_a_line_start(_MAIL_LINE, text)


_LineStart = tuple[re.Pattern[str], re.Pattern[str]]


def _line_start(body: str, flags: int) -> _LineStart:
    """A pattern that matches only where a line starts (`^(?:body)` under MULTILINE), as two:
    one for the text's start, one that opens with the newline before any other line (a
    literal the regex engine finds fast)."""
    return (re.compile("^(?:" + body + ")", flags | re.MULTILINE),
            re.compile("\n(?:" + body + ")", flags | re.MULTILINE))


def _at_a_line_start(pattern: _LineStart, text: str) -> bool:
    """`re.search("^(?:body)", text, MULTILINE) is not None`."""
    return pattern[0].match(text) is not None or pattern[1].search(text) is not None


_MAIL_LINE = _line_start(  # text-ok: a pattern of input words to recognise
    r"\s*(?:>|(?:from|to|cc|subject|sent|date|发件人|收件人|抄送|主题|发送时间)\s*[:：])"
    r"|--\s*$|_{8,}|-{5,}", re.IGNORECASE)


def _first_character_scan(branches: list[str], flags: int) -> re.Pattern[str]:
    """A pattern that finds one of `branches` (literal) wherever `"|".join(map(re.escape,
    branches))` does (which branch it reports may differ: for a yes or no), written to open
    with the class of the branches' first characters, so that the regex engine skips to those
    characters instead of trying every branch at every position (each branch checks its first
    character again, looking back)."""
    if not all(branches):  # an empty branch matches everywhere
        return re.compile("|".join(map(re.escape, branches)), flags)
    firsts: dict[str, list[str]] = {}
    for b in branches:
        firsts.setdefault(b[0], []).append(re.escape(b[1:]))
    chars = "".join("\\" + c if c in "\\]^-[" else c for c in firsts)
    return re.compile("[" + chars + "](?:" + "|".join(
        f"(?<={re.escape(c)})(?:{'|'.join(rests)})" for c, rests in firsts.items()) + ")", flags)


@cache
def _offer() -> re.Pattern[str]:
    phrases = [p for langs in _markers()["seller_offers"].values() for p in langs]
    return _first_character_scan(phrases, re.IGNORECASE)


_SENTENCE_END = re.compile(r"(?<=[.!?。！？\n])")


def _without_offers(text: str) -> str:
    """The seller's own offers ("happy to set up a demo", 我们可以先给您做个演示) say what the
    seller wants, not where the customer is: drop those sentences, unless nothing else is left."""
    offer = _offer()
    if not text or offer.search(text) is None:
        return text
    kept = "".join(p for p in _SENTENCE_END.split(text) if not offer.search(p)).strip()
    return kept if sum(ch.isalnum() for ch in kept) >= 12 else text


_TURN = re.compile(r"^\s*(?:\[?\d{1,2}:\d{2}(?::\d{2})?\]?\s*)?([^:：\n（(]{1,30}?)\s*(?:[（(]([^)）]*)[)）])?\s*[:：]")


@cache
def _seller_labels() -> frozenset[str]:
    return frozenset(p.lower() for langs in _markers()["seller_speakers"].values() for p in langs)


@cache
def _seller_turn() -> _LineStart:
    labels = "|".join(re.escape(p) for p in sorted(_seller_labels(), key=len, reverse=True))
    return _line_start(  # text-ok: a pattern of input words to recognise
        r"\s*(?:\[?\d{1,2}:\d{2}(?::\d{2})?\]?\s*)?(?:[^:：\n（(]{1,30}?\s*[（(]\s*)?(?:"
        + labels + r")\s*[)）]?\s*[:：]", re.IGNORECASE)


def _customer_turns(lines: list[str]) -> list[str]:
    """In a call transcript, the seller's own turns say nothing about where the customer is."""
    sellers = _seller_labels()

    def seller(m: re.Match[str]) -> bool:
        # "Us:", "Rep:", and a seller named in brackets: "spk2 (us):", "销售（我）:"
        return m.group(1).strip().lower() in sellers or (m.group(2) or "").strip().lower() in sellers

    turns = [(_TURN.match(line), line) for line in lines]
    said = [seller(m) for m, _ in turns if m]
    if len(said) < 3 or not any(said) or all(said):
        return lines
    return [line for m, line in turns if not (m and seller(m))]


def _drop_leading_headers(lines: list[str]) -> tuple[list[str], str]:
    """Header lines at the top (From:, To:, Subject: …) go; the subject's words stay."""
    subject = ""
    i = 0
    while i < len(lines) and (not lines[i].strip() or _HEADER.match(lines[i])):
        m = _HEADER.match(lines[i])
        if m and m.group(1).lower() in ("subject", "主题"):
            subject = re.sub(r"^(?:(?:re|fw|fwd|aw|回复|答复|转发)\s*[:：]\s*)+", "", m.group(2).strip(),
                             flags=re.IGNORECASE)
        i += 1
    if i == 0 or not any(_HEADER.match(line) for line in lines[:i]):
        return lines, ""
    return lines[i:], subject


def _history_start(lines: list[str]) -> int:
    """Where quoted or forwarded history begins: a reply header, a separator or '>' lines."""
    for i, line in enumerate(lines):
        if _SEPARATOR.match(line) or _QUOTED.match(line):
            return _back_over_intro(lines, i)
        if _HEADER.match(line) and i + 1 < len(lines) and _HEADER.match(lines[i + 1]):
            return i
    # reply headers the library knows ("On … wrote:", "在 … 写道：", and other languages)
    text = "\n".join(lines)
    top = _latest_reply(text)
    if top and len(top) < len(text.rstrip()):
        return max(1, top.count("\n") + 1)
    return len(lines)


def _latest_reply(text: str) -> str:
    """`EmailReplyParser(languages=…).parse_reply(text=text) or ""` (mail-parser-reply), for
    less: its header pattern built once instead of for every message, and no signatures or
    disclaimers looked for (the newest reply's text does not depend on them)."""
    message, languages, header = _reply_reader()
    return str(message(text=text, languages=list(languages), _header_regex=header).read().latest_reply or "")


@cache
def _reply_reader() -> tuple[Any, list[str], re.Pattern[str]]:
    from mailparser_reply import EmailReplyParser
    from mailparser_reply.parser import EmailMessage

    class NewestReply(EmailMessage):  # type: ignore[misc]
        """A message read for its replies' text alone."""

        def _process_signatures_disclaimers(self, text: str) -> tuple[list[str], str]:
            return [], ""

    languages = EmailReplyParser(languages=_markers()["reply_languages"]).languages
    header = EmailMessage(text="", languages=list(languages)).HEADER_REGEX
    return NewestReply, languages, header


def _back_over_intro(lines: list[str], i: int) -> int:
    # "On Tue, … Tom wrote:" just above the quoted lines belongs to the history
    if i > 0 and re.search(r"(wrote|写道)\s*[:：]\s*$", lines[i - 1], re.IGNORECASE):
        return i - 1
    return i


def _unquote(line: str) -> str:
    return re.sub(r"^(\s*>)+\s?", "", line)


def _trim_tail(text: str) -> str:
    """Cut the sign-off and what follows it (name, title, phone), and legal disclaimers."""
    paragraphs = re.split(r"\n\s*\n", text)
    disclaimer = _disclaimer()
    kept = [p for p in paragraphs if not disclaimer.search(p)] or paragraphs[:1]
    lines = "\n\n".join(kept).split("\n")
    signoff, device = _signoff(), _device()
    for i, line in enumerate(lines):
        # a signature is short; a long tail after a sign-off is more message
        if i and (signoff.match(line) or device.match(line) or line.strip() == "--") \
                and len(lines) - i <= 12:
            return "\n".join(lines[:i]).strip()
    return "\n".join(lines).strip()


def html_text(html: str) -> str:
    """The text of an HTML e-mail, one block per line; <blockquote> content as '>' lines."""
    from buyersync.locate.htmltext import TextOfHtml  # html.parser only for HTML mail

    parser = TextOfHtml()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    return re.sub(r"\n\s*\n(\s*\n)+", "\n\n", text).strip()
