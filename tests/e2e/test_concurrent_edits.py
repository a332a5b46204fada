"""Many people writing to one deal at once, through every write path (the deal room's
forms, the API, the CLI), on SQLite and on a real PostgreSQL: nothing is lost, nothing is
duplicated. An edit either lands or is refused with a reason (a removal whose list moved
on); it never writes over someone else's change."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buyersync.config import Settings
from buyersync.web.app import create_app
from tests.e2e.web_support import csrf_of

CLI = Path(sys.executable).with_name("buyersync")
SEEDED = ["赵总", "Li Wei", "Maria"]


@pytest.fixture
def app(db_url: str) -> Iterator[FastAPI]:
    made = create_app(Settings(db=db_url, team=False, allowed_hosts="testserver"))
    yield made
    made.state.ctx.engine.dispose()


def new_deal(app: FastAPI) -> str:
    with TestClient(app) as client:
        body = {"name": "并发测试", "lang": "zh", "competitors": ["甲"],
                "contacts": [{"name": n, "role": "evaluator"} for n in SEEDED],
                "evidence": [{"text": "客户说现有系统经常出问题"}]}
        response = client.post("/api/v1/deals", json=body)
        assert response.status_code == 201
        return str(response.json()["id"])


class Writer:
    """One person with their own browser session (cookie and CSRF token)."""

    def __init__(self, app: FastAPI, deal_id: str) -> None:
        self.client = TestClient(app)
        self.deal_id = deal_id
        self.token = csrf_of(self.client.get(f"/deals/{deal_id}").text)

    def form(self, action: str, **fields: str) -> int:
        response = self.client.post(f"/deals/{self.deal_id}/{action}",
                                    data=fields | {"csrf_token": self.token},
                                    follow_redirects=False)
        return response.status_code

    def api_evidence(self, text: str) -> int:
        return self.client.post(f"/api/v1/deals/{self.deal_id}/evidence",
                                json={"text": text}).status_code

    def form_evidence(self, text: str) -> int:
        return self.form("evidence", text=text)

    def remove_contact(self, name: str) -> int:
        deal = self.client.get(f"/api/v1/deals/{self.deal_id}").json()
        names = [c["name"] for c in deal["contacts"]]
        if name not in names:
            return 422
        return self.form("contacts/remove", index=str(names.index(name)), name=name)


def cli_evidence(db_url: str, deal_id: str, text: str) -> int:
    env = os.environ | {"BUYERSYNC_LANG": "en"}
    done = subprocess.run([str(CLI), "evidence", "add", deal_id, "--text", text,
                           "--db", db_url, "--format", "json"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return 200


def run_together(jobs: list[Callable[[], int]]) -> list[int]:
    """Start every job at the same moment, each in its own thread; their statuses."""
    results: list[int] = [0] * len(jobs)
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = jobs[i]()
        except BaseException as e:  # noqa: BLE001  (reported below, in the test's thread)
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    if errors:
        raise errors[0]
    return results


def saved(app: FastAPI, deal_id: str) -> dict[str, Any]:
    with TestClient(app) as client:
        data: dict[str, Any] = client.get(f"/api/v1/deals/{deal_id}").json()
        return data


def test_three_editors_and_three_evidence_writers_lose_nothing(app):
    deal_id = new_deal(app)
    rounds = 3
    people = [Writer(app, deal_id) for _ in range(6 * rounds)]
    jobs: list[Callable[[], int]] = []
    for r in range(rounds):
        p = people[6 * r: 6 * r + 6]
        jobs += [
            lambda r=r, p=p: p[0].form("contacts", name=f"contact {r}", role="user"),
            lambda r=r, p=p: p[1].form("actions", kind="meeting", text=f"action {r}"),
            lambda r=r, p=p: p[2].form("facts", competitors=f"甲, 乙{r}", exchange="pending"),
            lambda r=r, p=p: p[3].api_evidence(f"API 证据 {r}：客户要求报价"),
            lambda r=r, p=p: p[4].form_evidence(f"表单证据 {r}：客户安排了演示"),
            lambda r=r, p=p: p[5].api_evidence(f"第二条 API 证据 {r}"),
        ]
    statuses = run_together(jobs)
    for who in people:
        who.client.close()
    assert all(s in (200, 303) for s in statuses), statuses
    deal = saved(app, deal_id)
    contacts = Counter(c["name"] for c in deal.get("contacts", []))
    assert contacts == Counter(SEEDED + [f"contact {r}" for r in range(rounds)])
    assert sorted(a["text"] for a in deal["planned_actions"]) == [
        f"action {r}" for r in range(rounds)]
    texts = Counter(e["text"] for e in deal["evidence"])
    expected = Counter(["客户说现有系统经常出问题"]
                       + [f"API 证据 {r}：客户要求报价" for r in range(rounds)]
                       + [f"表单证据 {r}：客户安排了演示" for r in range(rounds)]
                       + [f"第二条 API 证据 {r}" for r in range(rounds)])
    assert texts == expected
    assert deal["exchange"] == "pending"
    assert deal["competitors"] in [["甲", f"乙{r}"] for r in range(rounds)]


# -- the property: any interleaving of any write paths -------------------------------------

OPS = st.sampled_from(["contact", "action", "facts", "api_evidence", "form_evidence",
                       "remove_contact", "cli_evidence"])


@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=3, max_size=8).filter(
    lambda ops: ops.count("cli_evidence") <= 1 and ops.count("remove_contact") <= len(SEEDED)))
def test_any_interleaving_of_forms_api_and_cli_loses_or_duplicates_nothing(app, db_url, ops):
    deal_id = new_deal(app)
    people = [Writer(app, deal_id) for _ in ops]
    to_remove = iter(SEEDED)
    jobs: list[Callable[[], int]] = []
    wanted: list[tuple[str, str]] = []
    for i, (op, who) in enumerate(zip(ops, people, strict=True)):
        tag = f"{op} {i}"
        if op == "contact":
            jobs.append(lambda who=who, tag=tag: who.form("contacts", name=tag))
        elif op == "action":
            jobs.append(lambda who=who, tag=tag: who.form("actions", kind="other", text=tag))
        elif op == "facts":
            jobs.append(lambda who=who, tag=tag: who.form("facts", competitors=f"甲,{tag}"))
        elif op == "api_evidence":
            jobs.append(lambda who=who, tag=tag: who.api_evidence(tag))
        elif op == "form_evidence":
            jobs.append(lambda who=who, tag=tag: who.form_evidence(tag))
        elif op == "cli_evidence":
            jobs.append(lambda tag=tag: cli_evidence(db_url, deal_id, tag))
        else:
            tag = next(to_remove)
            jobs.append(lambda who=who, tag=tag: who.remove_contact(tag))
        wanted.append((op, tag))
    statuses = run_together(jobs)
    for who in people:
        who.client.close()
    deal = saved(app, deal_id)

    removed = {tag for (op, tag), s in zip(wanted, statuses, strict=True)
               if op == "remove_contact" and s == 303}
    refused = [(op, s) for (op, _), s in zip(wanted, statuses, strict=True)
               if s not in (200, 303) and not (op == "remove_contact" and s == 422)]
    assert not refused, f"only a removal whose list moved on may be refused: {refused}"
    contacts = Counter(c["name"] for c in deal.get("contacts", []))
    assert contacts == Counter([n for n in SEEDED if n not in removed]
                               + [tag for op, tag in wanted if op == "contact"])
    assert Counter(a["text"] for a in deal.get("planned_actions", [])) == Counter(
        tag for op, tag in wanted if op == "action")
    assert Counter(e["text"] for e in deal["evidence"]) == Counter(
        ["客户说现有系统经常出问题"] + [tag for op, tag in wanted if op.endswith("evidence")])
    posted = [["甲", tag] for op, tag in wanted if op == "facts"]
    assert deal.get("competitors") in (posted or [["甲"]])
