"""The workspace store: tables, migrations, the engine factory and the deal repository.

Nothing in `method/` knows about it; the repository maps rows to the method's models.
"""
