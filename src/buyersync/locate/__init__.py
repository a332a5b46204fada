"""Text → buying stage: the signal lexicon, the trained model and the locator that joins them."""

from buyersync.locate.locator import Locator, default_locator, locate

__all__ = ["Locator", "default_locator", "locate"]
