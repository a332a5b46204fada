"""Importing a realistic mailbox into a workspace (SQLite and PostgreSQL): the right
messages on the right deals, unmatched ones reported, nothing added twice."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from buyersync.errors import NotFound
from buyersync.imports.mail import read_mail
from buyersync.method.model import Deal
from buyersync.services.backup import read_backup, write_backup
from buyersync.services.deals import DealService
from buyersync.services.mail import import_mail
from tests.integration.conftest import deal
from tests.mailbox_builder import build, write


@pytest.fixture
def mailbox(tmp_path: Path):
    box = build(per_deal=12)
    return box, write(box, tmp_path / "mail")


def test_a_realistic_mailbox_lands_on_the_right_deals(service: DealService, mailbox):
    box, paths = mailbox
    ids = dict((n, i) for i, n in service.import_deals([Deal.model_validate(d) for d in box.deals]))
    names = {i: n for n, i in ids.items()}
    report = import_mail(service, read_mail(paths))
    assert {a.message_id: names[a.deal_id] for a in report.attached} == {
        m: d for m, d in box.truth.items() if d is not None}
    assert sorted(u.message_id for u in report.unmatched) == sorted(
        m for m, d in box.truth.items() if d is None)
    assert report.duplicates == box.duplicates
    saved = service.get(ids["星河医院信息平台"]).deal.evidence
    assert len(saved) == 1 + sum(1 for d in box.truth.values() if d == "星河医院信息平台")
    assert all(e.source == "email" and e.message_id for e in saved[1:])


def test_importing_the_same_mail_again_adds_nothing(service: DealService, mailbox):
    box, paths = mailbox
    service.import_deals([Deal.model_validate(d) for d in box.deals])
    first = import_mail(service, read_mail(paths))
    counts = {d.id: len(service.get(d.id).deal.evidence) for d in service.list(limit=None)}
    again = import_mail(service, read_mail(paths))
    assert again.attached == []
    assert again.duplicates == len(first.attached) + first.duplicates
    assert {d.id: len(service.get(d.id).deal.evidence) for d in service.list(limit=None)} == counts


def test_with_a_deal_given_every_message_goes_to_it(service: DealService, mailbox):
    box, paths = mailbox
    target = service.create(deal(name="Everything"))
    report = import_mail(service, read_mail(paths[:1]), deal_id=target)
    assert report.unmatched == []
    assert {a.deal_id for a in report.attached} == {target}


def test_an_unknown_deal_is_not_found(service: DealService, mailbox):
    _box, paths = mailbox
    with pytest.raises(NotFound):
        import_mail(service, read_mail(paths[:1]), deal_id="nope")


def test_domains_addresses_and_message_ids_survive_export_and_backup(service: DealService,
                                                                     mailbox, tmp_path: Path):
    box, paths = mailbox
    ids = [i for i, _ in service.import_deals([Deal.model_validate(d) for d in box.deals])]
    import_mail(service, read_mail(paths))
    exported = service.export(ids[0])
    assert exported.domains == ["hdland.example"]
    assert [c.email for c in exported.contacts] == ["wang@hdland.example", "li.gong@hdland.example"]
    assert Deal.model_validate(exported.model_dump(mode="json")) == exported
    copy = io.StringIO()
    write_backup(service.engine, copy)
    with DealService(f"sqlite:///{tmp_path}/restored.db") as other:
        read_backup(other.engine, io.StringIO(copy.getvalue()))
        assert other.export(ids[0]) == exported
        assert import_mail(other, read_mail(paths)).attached == []
