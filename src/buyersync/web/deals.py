"""The deal service as the web sees it: every call checked against the access policy
(services/team.py) and written to the audit log; views flattened for pages and JSON."""

from __future__ import annotations

from typing import Any

from buyersync.method.model import Analysis, Deal, Evidence
from buyersync.method.stages import Lang, Outcome, Stage, Strategy, WarningCode
from buyersync.services.deals import DealSummary, DealView, Edit
from buyersync.services.team import Principal
from buyersync.web.deps import Forbidden, WebContext


def summaries(ctx: WebContext, who: Principal, *, stage: Stage | None = None,
              strategy: Strategy | None = None, owner: str | None = None,
              outcome: Outcome | None = None, warning: WarningCode | None = None,
              stalled: bool | None = None, limit: int = 100,
              offset: int = 0) -> list[DealSummary]:
    """The deals `who` may see, filtered in the query by the access policy's scope: a
    seller's own; a manager's team's and the unassigned ones; everything for an admin or
    in local mode."""
    scope = ctx.policy(who).deal_scope(owner)
    if scope.nothing:
        return []
    filters: dict[str, Any] = {"stage": stage, "strategy": strategy, "outcome": outcome,
                               "warning": warning, "stalled": stalled}
    filters = {k: v for k, v in filters.items() if v is not None} | scope.filters()
    return ctx.deals.list(**filters, limit=limit, offset=offset)


class DealAccess:
    """DealService calls on behalf of one person: checked, then written with its audit
    line in the same transaction (a refusal is audited too)."""

    def __init__(self, ctx: WebContext, who: Principal) -> None:
        self.ctx = ctx
        self.who = who
        self.policy = ctx.policy(who)

    def _owner_for(self, wanted: str | None, current: str | None = None) -> str | None:
        """Sellers own what they save; others may assign within what they can see."""
        if not self.ctx.team:
            return wanted
        if not self.policy.assigns_owners:
            return self.who.username
        owner = wanted if wanted is not None else (current or self.who.username)
        self.ctx.check(self.who, owner, policy=self.policy)
        return owner

    def _writing(self) -> None:
        if not self.policy.may_write:
            raise Forbidden

    def create(self, deal: Deal) -> str:
        """A new deal. An `id` that is already taken is a Conflict (409), whoever owns that
        deal: creating never replaces, so it cannot take over someone else's deal; changes
        go through `update`, which checks access first."""
        self._writing()
        deal = deal.model_copy(update={"owner": self._owner_for(deal.owner)})
        return self.ctx.deals.create(deal, cause="manual", replace=False,
                                     actor=self.who.username)

    def _may_see(self, deal_id: str) -> None:
        """Forbidden unless `who` may see the deal: read from the saved deal, no analysis."""
        self.ctx.check(self.who, self.ctx.deals.export(deal_id).owner, deal_id,
                       policy=self.policy)

    def get(self, deal_id: str, lang: Lang | None = None) -> DealView:
        """The deal with its analysis, planned in `lang` when given (else the deal's own)."""
        view = self.ctx.deals.get(deal_id, lang=lang)
        self.ctx.check(self.who, view.deal.owner, deal_id, policy=self.policy)
        return view

    def update(self, deal_id: str, deal: Deal, version: str | None = None) -> DealView:
        self._writing()
        old = self.get(deal_id)
        if deal.id is not None and deal.id != deal_id:
            from buyersync.errors import BadInput

            raise BadInput("id_mismatch", where="body", field="id", ident=repr(deal_id))
        deal = deal.model_copy(update={"id": deal_id,
                                       "owner": self._owner_for(deal.owner, old.deal.owner)})
        return self.ctx.deals.update(deal_id, deal, version=version, actor=self.who.username)

    def change(self, deal_id: str, form: str, edit: Edit) -> tuple[DealView, Analysis]:
        """One targeted edit (see DealService.change); returns the new view and the
        analysis before the edit."""
        self.get(deal_id)
        return self.ctx.deals.change(deal_id, edit, actor=self.who.username, form=form)

    def delete(self, deal_id: str) -> None:
        self._writing()
        self.get(deal_id)
        self.ctx.deals.delete(deal_id, actor=self.who.username)

    def add_evidence(self, deal_id: str, item: Evidence) -> Analysis:
        self._writing()
        self._may_see(deal_id)
        analysis: Analysis = self.ctx.deals.add_evidence(
            deal_id, item.text, date=item.date, source=item.source, actor=self.who.username)
        return analysis


def deal_json(view: DealView) -> dict[str, Any]:
    """The one serializer of a saved deal (services/dealdoc.py): what `deals show` prints,
    with the workspace's timestamps besides."""
    from buyersync.services.dealdoc import deal_json as serialize

    return serialize(view, workspace=True)


__all__ = ["DealAccess", "Forbidden", "deal_json", "summaries"]
