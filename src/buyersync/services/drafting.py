"""Letters personalised from a deal's evidence by a language model — only when the seller
has pointed BUYERSYNC_LLM_BASE_URL at an OpenAI-compatible endpoint. Without it, or when
the endpoint fails, the letter is the template's, and nothing leaves the machine.

The prompt is returned with the draft so that the seller sees exactly what was sent.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel

from buyersync.config import Settings
from buyersync.method.model import Analysis, Deal, Letter

#: the newest evidence items that go into a prompt, and how much of each
EVIDENCE_ITEMS, EVIDENCE_CHARS = 12, 1_500
TIMEOUT = 60.0



@cache
def _instructions() -> dict[str, str]:
    """The model's instructions, zh and en side by side (method/data/drafting.yaml)."""
    import yaml

    ref = resources.files("buyersync.method").joinpath("data", "drafting.yaml")
    data: dict[str, str] = yaml.safe_load(ref.read_text(encoding="utf-8"))["instructions"]
    return data


class Draft(BaseModel):
    """A letter ready to send, and where its words came from."""

    kind: str
    subject: str
    body: str
    to: str | None = None  # the addressee, as the plan's letter names them
    date: dt.date | None = None  # the letter's date, as the plan's letter carries it
    source: Literal["template", "llm"]
    prompt: list[dict[str, str]] | None = None  # the messages sent, when a model was asked
    note: str | None = None  # the error that kept the template, when a model was asked


def prompt_for(deal: Deal, analysis: Analysis, letter: Letter) -> list[dict[str, str]]:
    """The chat messages sent to the model: instructions, the deal's facts, its newest
    evidence (oldest first), and the template letter."""
    facts = [f"deal: {deal.name}"] + ([f"customer: {deal.customer}"] if deal.customer else [])
    facts += [f"stage: {analysis.stage.value}", f"strategy: {analysis.strategy.value}"]
    facts += [f"contact: {c.name}" + (f" ({c.title})" if c.title else "") for c in deal.contacts]
    evidence = [f"- {e.date.isoformat() + ': ' if e.date else ''}{e.text[:EVIDENCE_CHARS]}"
                for e in deal.evidence[-EVIDENCE_ITEMS:]]
    user = "\n".join([*facts, "", "evidence:", *evidence, "", "letter:",
                      f"subject: {letter.subject}", "", letter.body])
    return [{"role": "system", "content": _instructions()[analysis.lang.value]},
            {"role": "user", "content": user}]


def _ask(settings: Settings, messages: list[dict[str, str]]) -> str:
    assert settings.llm_base_url
    url = settings.llm_base_url.rstrip("/") + "/chat/completions"
    body = json.dumps({"model": settings.llm_model, "messages": messages,
                       "temperature": 0.3}).encode("utf-8")
    headers = {"content-type": "application/json"}
    if settings.llm_api_key:
        headers["authorization"] = f"Bearer {settings.llm_api_key}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 (the user's URL)
        data: Any = json.loads(answer.read().decode("utf-8"))
    text = data["choices"][0]["message"]["content"]
    if not isinstance(text, str) or not text.strip():
        raise ValueError("empty")
    return text


def draft(deal: Deal, analysis: Analysis, kind: str, settings: Settings | None = None,
          *, personalise: bool = True) -> Draft | None:
    """The letter of `kind` in the deal's current plan (None if the plan has none),
    personalised when an endpoint is configured and `personalise` is on."""
    letter = next((x for x in analysis.letters if x.kind == kind), None)
    if letter is None:
        return None
    plain = Draft(kind=kind, subject=letter.subject, body=letter.body, to=letter.to,
                  date=letter.date, source="template")
    settings = settings or Settings()
    if not personalise or not settings.llm_base_url:
        return plain
    messages = prompt_for(deal, analysis, letter)
    try:
        text = _ask(settings, messages)
    except (OSError, ValueError, KeyError, IndexError, TypeError, urllib.error.URLError) as e:
        return plain.model_copy(update={"prompt": messages,
                                        "note": f"{type(e).__name__}: {e}"[:300]})
    subject, _, body = text.strip().partition("\n")
    subject = subject.removeprefix("subject:").removeprefix("Subject:").removeprefix("主题：").strip()
    if not body.strip():
        subject, body = letter.subject, text.strip()
    return Draft(kind=kind, subject=subject or letter.subject, body=body.strip(), to=letter.to,
                 date=letter.date, source="llm", prompt=messages)
