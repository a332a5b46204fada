"""One module per schema revision: 0001 the deal workspace."""
