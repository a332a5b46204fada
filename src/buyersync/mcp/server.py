"""An MCP server whose tools carry the method: locate, analyse, read and find deals, add
evidence, draft letters, summarise the pipeline.

Every tool answers with the same JSON object as the CLI and the HTTP API for the same
input: as JSON text (the first content block) and, where the answer is an object, as
structured content too. Reading tools are marked read-only; `add_evidence` is the one
write. Plans, questions and letters come in the deal's language (its `lang`, else the
language of its text), as everywhere else.

Who may do what is the caller's business: `build_server` takes a function from the HTTP
request (None over stdio) to a `Gate` (the local user over stdio may do everything; over
HTTP in team mode the gate is the token's owner, see web/assistant.py).
"""

# No `from __future__ import annotations` here: the SDK reads the tools' signatures at
# run time, and the tools are defined inside build_server, next to their imports.
import datetime as dt
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol

from pydantic import Field

from buyersync.errors import BadInput, NotFound

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer
    from mcp.types import CallToolResult

    from buyersync.services.deals import DealService, DealSummary
    from buyersync.services.team import AccessPolicy

TOOL_NAMES = ("locate", "analyze_deal", "get_deal", "find_deals", "add_evidence",
              "draft_letter", "pipeline_summary")


def instructions() -> str:
    """What the server says about itself, in both languages (text/assistant.yaml)."""
    from buyersync.text import t

    return t("assistant.instructions", "en") + "\n\n" + t("assistant.instructions", "zh")


class Gate(Protocol):
    """Who is calling, as the tools need to know it."""

    def may_read(self, owner: str | None) -> bool: ...
    def may_write(self, owner: str | None) -> bool: ...
    def may_see_pipeline(self) -> bool: ...
    def list_filters(self, owner: str | None) -> dict[str, Any] | None:
        """Filters that narrow a listing to what the caller may see (None: nothing)."""
    def audit(self, action: str, deal_id: str, **details: Any) -> None: ...


class PolicyGate:
    """A Gate that asks the access rules (services/team.py `AccessPolicy`), as every other
    entry point does; `record(action, deal_id, **details)` audits a write (None: no
    audit log, as for the person at this machine)."""

    def __init__(self, policy: "AccessPolicy",
                 record: Callable[..., None] | None = None) -> None:
        self.policy = policy
        self._record = record

    def may_read(self, owner: str | None) -> bool:
        return self.policy.may_view(owner)

    def may_write(self, owner: str | None) -> bool:
        return self.policy.may_edit(owner)

    def may_see_pipeline(self) -> bool:
        return self.policy.sees_pipeline

    def list_filters(self, owner: str | None) -> dict[str, Any] | None:
        scope = self.policy.deal_scope(owner or None)
        return None if scope.nothing else scope.filters()

    def audit(self, action: str, deal_id: str, **details: Any) -> None:
        if self._record is not None:
            self._record(action, deal_id, **details)


class LocalGate(PolicyGate):
    """The person at this machine (stdio, or local mode on loopback): the local policy,
    which lets them do everything."""

    def __init__(self) -> None:
        from buyersync.services.team import local_policy

        super().__init__(local_policy())


def _result(data: Any) -> "CallToolResult":
    from mcp.types import CallToolResult, TextContent

    text = json.dumps(data, ensure_ascii=False)
    return CallToolResult(content=[TextContent(type="text", text=text)],
                          structured_content=data if isinstance(data, dict) else {"result": data})


def _fail(error: BadInput | NotFound, lang: object) -> Exception:
    """A tool error in the server's language (BUYERSYNC_LANG, else LANG)."""
    from mcp.server.mcpserver.exceptions import ToolError

    return ToolError(error.render(lang))


def _request(ctx: Any) -> Any:
    """The HTTP request a tool call came with (None over stdio)."""
    try:
        return ctx.request_context.request
    except (AttributeError, ValueError):
        return None


def build_server(service: Callable[[], "DealService"], gate: Callable[[Any], Gate] | None = None,
                 *, name: str = "buyersync") -> "MCPServer":
    """The MCP server. `service()` gives the workspace (called per tool call, so that a
    server can hand out one per request); `gate(request)` says who is calling (default: the
    local user)."""
    from mcp.server.mcpserver import Context, MCPServer
    from mcp.types import CallToolResult, ToolAnnotations

    from buyersync import __version__

    gate_of: Callable[[Any], Gate] = gate or (lambda _request: LocalGate())
    server = MCPServer(name=name, version=__version__, instructions=instructions(),
                       log_level="WARNING")
    read_only = ToolAnnotations(read_only_hint=True, destructive_hint=False,
                                idempotent_hint=True, open_world_hint=False)
    writes = ToolAnnotations(read_only_hint=False, destructive_hint=False,
                             idempotent_hint=False, open_world_hint=False)

    def guarded(fn: Callable[..., Any]) -> Callable[..., "CallToolResult"]:
        def run(*args: Any, **kwargs: Any) -> "CallToolResult":
            try:
                return _result(fn(*args, **kwargs))
            except (BadInput, NotFound) as e:
                raise _fail(e, service().settings.ui_lang) from None
        run.__name__, run.__doc__ = fn.__name__, fn.__doc__
        return run

    def readable(deal_id: str, who: Gate) -> Any:
        view = service().get(deal_id)
        if not who.may_read(view.deal.owner):
            raise NotFound("deal", deal_id)  # say nothing of deals one may not see
        return view

    @server.tool(title="Locate the buying stage", annotations=read_only)
    def locate(text: Annotated[str, Field(min_length=1, max_length=100_000, description=(
            "One piece of deal evidence: a note, e-mail, call transcript or tender excerpt "
            "(Chinese, English or mixed)"))], ctx: Context) -> CallToolResult:
        """Which of the nine buying stages (problem … cost) one piece of evidence shows, with
        confidence, all stage scores, whether a competitor shaped it, and the words that
        decided it. Same object as `buyersync locate --format json`."""
        def work() -> Any:
            from buyersync.locate import locate as run

            if not text.strip():
                raise BadInput("empty_text", where="text")
            return run(text).model_dump(mode="json")
        return guarded(work)()

    @server.tool(title="Analyse a deal", annotations=read_only)
    def analyze_deal(
        deal: Annotated[dict[str, Any] | None, Field(description=(
            "A deal object as in a deal file (name required; customer, lang, stage, evidence, "
            "drivers, competitors, capabilities, contacts, exchange, planned_actions, outcome)"))]
        = None,
        deal_id: Annotated[str | None, Field(description="The id of a saved deal instead")] = None,
        ctx: Context = None,  # type: ignore[assignment]
    ) -> CallToolResult:
        """Where the customer is, whether to stay in step, pull back or walk away, where to
        pull back to, the moves, questions for key people, letters, warnings and the
        trade-off, in the deal's language. Give either `deal` (not saved) or `deal_id`. Same
        object as `buyersync analyze --format json`."""
        def work() -> Any:
            if (deal is None) == (deal_id is None):
                raise BadInput("either_deal", where="analyze_deal", field="deal")
            if deal_id is not None:
                return readable(deal_id, gate_of(_request(ctx))).analysis.model_dump(mode="json")
            from buyersync.services.analysis import analyze
            from buyersync.services.dealfile import deal_from_data

            return analyze(deal_from_data(deal, "deal"),
                           priors=service().priors).model_dump(mode="json")
        return guarded(work)()

    @server.tool(title="Read a saved deal", annotations=read_only)
    def get_deal(deal_id: Annotated[str, Field(description="The deal's id")],
                 ctx: Context) -> CallToolResult:
        """A saved deal (its fields, with `id`) and its current `analysis`. Same object as
        `buyersync deals show ID --format json`."""
        def work() -> Any:
            from buyersync.services.dealdoc import deal_json

            return deal_json(readable(deal_id, gate_of(_request(ctx))))
        return guarded(work)()

    @server.tool(title="Find saved deals", annotations=read_only)
    def find_deals(
        stage: Annotated[Literal["problem", "pain", "goal", "requirements", "measures", "solution",
                                 "value", "risk", "cost"] | None,
                         Field(description="The customer's current stage")] = None,
        strategy: Annotated[Literal["in_step", "pull_back", "walk_away"] | None,
                            Field(description="The recommended strategy")] = None,
        owner: Annotated[str | None, Field(max_length=200, description="The deal's owner")] = None,
        query: Annotated[str | None, Field(max_length=200, description=(
            "Words in the deal's name or customer"))] = None,
        ctx: Context = None,  # type: ignore[assignment]
    ) -> CallToolResult:
        """Saved deals the caller may see, most recently updated first (at most 200). Same
        rows as `buyersync deals list --format json`."""
        def work() -> Any:
            narrowed = gate_of(_request(ctx)).list_filters(owner)
            if narrowed is None:
                return []
            found: list[DealSummary] = service().list(
                stage=stage, strategy=strategy, search=query or None, limit=200, **narrowed)
            return [s.model_dump(mode="json") for s in found]
        return guarded(work)()

    @server.tool(title="Add evidence to a deal", annotations=writes)
    def add_evidence(
        deal_id: Annotated[str, Field(description="The deal's id")],
        text: Annotated[str, Field(min_length=1, max_length=100_000, description=(
            "What the customer said or did"))],
        date: Annotated[dt.date | None, Field(description="When it happened (YYYY-MM-DD)")] = None,
        source: Annotated[str | None, Field(max_length=2_000, description=(
            "Where it came from: email, call, meeting, wechat, …"))] = None,
        ctx: Context = None,  # type: ignore[assignment]
    ) -> CallToolResult:
        """Record a note, e-mail or call on a saved deal; the deal is re-located and
        re-planned. Returns the new analysis, as `buyersync evidence add ID --format json`."""
        def work() -> Any:
            who = gate_of(_request(ctx))
            view = readable(deal_id, who)
            if not who.may_write(view.deal.owner):
                raise BadInput("read_only_token", where=deal_id)
            if not text.strip():
                raise BadInput("empty_text", where="text")
            analysis = service().add_evidence(deal_id, text, date, source)
            who.audit("evidence", deal_id, stage=analysis.stage.value, via="mcp")
            return analysis.model_dump(mode="json")
        return guarded(work)()

    @server.tool(title="Draft a letter", annotations=read_only)
    def draft_letter(
        deal_id: Annotated[str, Field(description="The deal's id")],
        kind: Annotated[Literal["exchange_conditions", "walk_away"], Field(description=(
            "exchange_conditions: the reply to a tender that asks for discovery and meetings "
            "with key people first; walk_away: a courteous withdrawal"))],
        ctx: Context,
    ) -> CallToolResult:
        """A letter the deal's current plan calls for, in the deal's language:
        `{"kind", "subject", "body", "source"}`. `source` is `template`, or `llm` when the
        server's owner configured a language model (BUYERSYNC_LLM_BASE_URL); then `prompt`
        shows what was sent. Same object as `buyersync deals letter ID --kind K --format json`."""
        def work() -> Any:
            from buyersync.services.drafting import draft

            view = readable(deal_id, gate_of(_request(ctx)))
            found = draft(view.deal, view.analysis, kind, service().settings)
            if found is None:
                kinds = ", ".join(x.kind for x in view.analysis.letters) or "—"
                raise BadInput("no_letter", where=deal_id, field="kind", kind=kind, kinds=kinds)
            return found.model_dump(mode="json", exclude_none=True)
        return guarded(work)()

    @server.tool(title="Pipeline summary", annotations=read_only)
    def pipeline_summary(ctx: Context) -> CallToolResult:
        """Counts by stage, strategy and outcome, stalled deals, and what entering early or
        late has cost (win rate and days to outcome by entry stage). Same object as
        `buyersync deals stats --format json`."""
        def work() -> Any:
            if not gate_of(_request(ctx)).may_see_pipeline():
                raise BadInput("pipeline_forbidden", where="pipeline_summary")
            return service().stats().model_dump(mode="json")
        return guarded(work)()

    return server


def serve_stdio(db: str | None) -> None:
    """Run the server over standard input and output until the client hangs up."""
    from buyersync.services.deals import open_workspace

    workspace = open_workspace(db)
    try:
        build_server(lambda: workspace).run("stdio")
    finally:
        workspace.close()
