"""Jinja2 pages with named blocks: a normal request gets the page, an HTMX request one block.

Routes hand over data; the templates decide how it looks. This is the small core of
jinja2-fragments: render `template.blocks[name]` with the page's context.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


def make_env() -> Environment:
    env = Environment(
        loader=PackageLoader("buyersync.web", "templates"),
        autoescape=select_autoescape(["html", "svg"], default_for_string=True),
        undefined=StrictUndefined,  # a missing value is a bug to see, not a blank to ship
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: f"{float(v):.0%}"
    return env


def render(env: Environment, name: str, context: Mapping[str, Any],
           block: str | None = None) -> str:
    """The whole page, or only `block` of it (for an HTMX swap)."""
    template = env.get_template(name)
    if block is None:
        return template.render(context)
    try:
        render_block = template.blocks[block]
    except KeyError:
        raise KeyError(f"{name} has no block {block!r}") from None
    return "".join(render_block(template.new_context(dict(context))))
