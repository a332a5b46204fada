"""A realistic mailbox with a known answer, for the mail-import tests and bench/mail_import.py.

Deals of several customers (Chinese and English), each with contacts who write; threads
where the customer replies from a private address (only the thread places those), HTML-only
mail, Chinese bodies in GBK and GB2312 (base64 and quoted-printable), RFC 2047 subjects,
attachments (tender documents), quoted history and signatures, newsletters that belong to
no deal, and the same messages exported twice (duplicates). Written as an mbox, a Maildir
and a folder of .eml files; `truth` says which deal each message belongs to.
"""

from __future__ import annotations

import datetime as dt
import mailbox
import random
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

US = "sales.example"

CUSTOMERS: list[dict[str, Any]] = [
    {"name": "华东地产综合体设计", "customer": "华东地产", "domain": "hdland.example", "lang": "zh",
     "people": [("王总", "wang"), ("李工", "li.gong")]},
    {"name": "Northwind ERP renewal", "customer": "Northwind", "domain": "northwind.example",
     "lang": "en", "people": [("Ann Lee", "ann"), ("Bob Stone", "bob")]},
    {"name": "星河医院信息平台", "customer": "星河医院", "domain": "xinghe-hosp.example", "lang": "zh",
     "people": [("赵主任", "zhao"), ("钱科长", "qian")]},
    {"name": "Contoso plant historian", "customer": "Contoso", "domain": "contoso.example",
     "lang": "en", "people": [("Carla Diaz", "carla"), ("Dev Patel", "dev")]},
    {"name": "远洋物流调度系统", "customer": "远洋物流", "domain": "yuanyang.example", "lang": "zh",
     "people": [("孙经理", "sun"), ("周总监", "zhou")]},
    # the same customer buys twice: its two deals are told apart by who writes
    {"name": "Fabrikam MES line 1", "customer": "Fabrikam", "domain": "fabrikam.example",
     "lang": "en", "people": [("Erin Wu", "erin")]},
    {"name": "Fabrikam quality analytics", "customer": "Fabrikam", "domain": "fabrikam.example",
     "lang": "en", "people": [("Frank Ode", "frank")]},
    {"name": "金桥银行风控平台", "customer": "金桥银行", "domain": "jqbank.example", "lang": "zh",
     "people": [("吴行长", "wu"), ("郑处长", "zheng")]},
]

ZH_LINES = ["我们最近排程老是出问题，想了解一下原因。", "上个月因为这个损失了两百多万，老板很着急。",
            "明年我们希望把交付周期缩短三成。", "系统必须能和现有的ERP对接。",
            "评分标准已经定了，技术占六十分。", "客户发来招标书，要求两周内回应。",
            "集团副总裁下周会参加评审，关心投资回报。", "领导担心切换系统会影响生产。",
            "采购部希望再降价百分之十，付款方式三七开。"]
EN_LINES = ["We keep running into scheduling problems and want to understand why.",
            "Last quarter the delays cost us about two million; the board is asking.",
            "By next year we want to cut lead time by 30%.",
            "It must integrate with our existing ERP.",
            "The evaluation criteria are fixed: technical counts for sixty points.",
            "We have issued the RFP; responses are due in two weeks.",
            "Our CFO joins the review next week and wants to see the ROI.",
            "Leadership worries the switch-over could disrupt production.",
            "Procurement asks for another 10% discount and 30/70 payment terms."]


@dataclass
class Mailbox:
    deals: list[dict[str, Any]]
    messages: list[bytes]
    truth: dict[str, str | None] = field(default_factory=dict)  # message id → deal name
    duplicates: int = 0


def deal_files() -> list[dict[str, Any]]:
    """The deals as deal files: contacts with addresses, the customer's domains."""
    out = []
    for c in CUSTOMERS:
        shared = sum(1 for o in CUSTOMERS if o["domain"] == c["domain"]) > 1
        out.append({
            "name": c["name"], "customer": c["customer"], "lang": c["lang"],
            "domains": [c["domain"]],
            "contacts": [{"name": n, "email": f"{local}@{c['domain']}",
                          "role": "evaluator" if i else "economic_buyer"}
                         for i, (n, local) in enumerate(c["people"])],
            "evidence": [{"text": ZH_LINES[0] if c["lang"] == "zh" else EN_LINES[0],
                          "date": "2026-01-05", "source": "note"}],
            **({"owner": "erin-team"} if shared else {}),
        })
    return out


def _message(sender: str, to: str, subject: str, body: str, when: dt.datetime, *,
             charset: str = "utf-8", html: bool = False, reply_to: EmailMessage | None = None,
             attachment: tuple[str, bytes] | None = None, cte: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].rstrip(">"))
    if reply_to is not None:
        msg["In-Reply-To"] = reply_to["Message-ID"]
        refs = reply_to.get("References", "")
        msg["References"] = (refs + " " + reply_to["Message-ID"]).strip()
    if html:
        msg.set_content(body, subtype="html", charset=charset, cte=cte)
    else:
        msg.set_content(body, charset=charset, cte=cte)
    if attachment is not None:
        name, data = attachment
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return msg


def build(seed: int = 7, per_deal: int = 34) -> Mailbox:
    """About `per_deal` messages for each deal, plus newsletters and duplicates."""
    rng = random.Random(seed)
    box = Mailbox(deals=deal_files(), messages=[])
    start = dt.datetime(2026, 2, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    made: list[EmailMessage] = []
    for c in CUSTOMERS:
        zh = c["lang"] == "zh"
        lines = ZH_LINES if zh else EN_LINES
        single_domain = sum(1 for o in CUSTOMERS if o["domain"] == c["domain"]) == 1
        when = start + dt.timedelta(hours=rng.randint(0, 48))
        count = 0
        while count < per_deal:
            name, local = rng.choice(c["people"])
            customer = f"{name} <{local}@{c['domain']}>"
            seller = f"Sam <sam@{US}>"
            step = min(len(lines) - 1, count * len(lines) // per_deal)
            subject = ("关于" if zh else "Re: ") + c["customer"] + (" 项目沟通" if zh else " project")
            kind = rng.random()
            body = lines[step] + ("\n\n此致\n" + name if zh else f"\n\nBest regards,\n{name}")
            charset = rng.choice(["gbk", "gb2312", "utf-8"]) if zh else "utf-8"
            cte = rng.choice(["base64", "quoted-printable"]) if charset != "utf-8" else None
            html = kind < 0.2
            if html:
                body = (f"<html><body><div>{lines[step]}</div><div>--<br>{name}</div>"
                        f"<blockquote>{lines[0]}</blockquote></body></html>")
            attachment = (("招标文件.pdf" if zh else "RFP.pdf"), b"%PDF-1.4 tender") \
                if step == 5 and kind > 0.5 else None
            first = _message(customer, seller, subject, body, when, charset=charset, html=html,
                             attachment=attachment, cte=cte)
            made.append(first)
            box.truth[first["Message-ID"]] = c["name"]
            count += 1
            when += dt.timedelta(hours=rng.randint(5, 40))
            # our reply, quoting theirs
            quoted = "\n".join("> " + line for line in lines[step].split("\n"))
            answer = ("收到，我们下周约个时间详细聊。\n\n" if zh else "Thanks, let's meet next week.\n\n") + \
                ("在 2026年2月1日，" + name + " 写道：\n" if zh else f"On Mon, {name} wrote:\n") + quoted
            reply = _message(seller, customer, "Re: " + subject, answer, when, reply_to=first)
            made.append(reply)
            box.truth[reply["Message-ID"]] = c["name"]
            count += 1
            when += dt.timedelta(hours=rng.randint(5, 40))
            if kind > 0.7:
                # the customer answers from a private address: only the thread says whose it is
                private = f"{name} <{local}.home@mail.example>"
                third = _message(private, f"sam@{US}", "Re: Re: " + subject,
                                 lines[min(step + 1, len(lines) - 1)], when, reply_to=reply,
                                 charset="utf-8")
                made.append(third)
                box.truth[third["Message-ID"]] = c["name"]
                count += 1
                when += dt.timedelta(hours=rng.randint(5, 40))
            if single_domain and kind < 0.1:
                # a colleague who is not a listed contact, from the customer's domain
                other = _message(f"Office <office@{c['domain']}>", f"sam@{US}",
                                 "会议安排" if zh else "Meeting logistics",
                                 "会议室已订好。" if zh else "The meeting room is booked.", when)
                made.append(other)
                box.truth[other["Message-ID"]] = c["name"]
                count += 1
    for i in range(12):  # mail that belongs to no deal
        note = _message("News <news@newsletter.example>", f"sam@{US}", f"Weekly digest {i}",
                        "Industry news of the week.", start + dt.timedelta(days=i))
        made.append(note)
        box.truth[note["Message-ID"]] = None
    rng.shuffle(made)
    box.messages = [bytes(m) for m in made]
    return box


def write(box: Mailbox, folder: Path) -> list[Path]:
    """The mailbox as one mbox, one Maildir and a folder of .eml files (a third each), plus
    a second export of 20 messages (duplicates). Returns the paths to import."""
    folder.mkdir(parents=True, exist_ok=True)
    third = len(box.messages) // 3
    parts = [box.messages[:third], box.messages[third:2 * third], box.messages[2 * third:]]
    mbox = mailbox.mbox(folder / "inbox.mbox")
    for raw in parts[0]:
        mbox.add(raw)
    mbox.close()
    maildir = mailbox.Maildir(folder / "Maildir", create=True)
    for raw in parts[1]:
        maildir.add(raw)
    emls = folder / "saved"
    emls.mkdir(exist_ok=True)
    for i, raw in enumerate(parts[2]):
        (emls / f"{i:04d}.eml").write_bytes(raw)
    again = mailbox.mbox(folder / "export-again.mbox")
    for raw in box.messages[:20]:
        again.add(raw)
    again.close()
    box.duplicates = 20
    return [folder / "inbox.mbox", folder / "Maildir", emls, folder / "export-again.mbox"]
