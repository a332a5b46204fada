"""The demo deals bundled with buyersync (demo/*.yaml), and loading them into a workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING

from buyersync.method.model import Deal

if TYPE_CHECKING:
    from buyersync.services.deals import DealService


def demo_deals() -> list[Deal]:
    """The demo deals, in file-name order."""
    from importlib import resources

    from buyersync.services.dealfile import parse_deal_bytes

    folder = resources.files("buyersync").joinpath("demo")
    return [parse_deal_bytes(entry.read_bytes(), entry.name)
            for entry in sorted(folder.iterdir(), key=lambda e: e.name)
            if entry.name.endswith((".yaml", ".yml"))]


def load_demo(service: DealService) -> list[tuple[str, str]]:
    """Import the demo deals into an empty workspace, in one transaction; returns their
    (id, name). A workspace that holds any deal is left alone (returns [])."""
    if service.count():
        return []
    return service.import_deals(demo_deals(), cause="import")
