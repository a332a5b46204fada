"""buyersync: keep a B2B sale in step with the customer's buying process."""

__version__ = "0.1.0"
__all__ = ["__version__"]
