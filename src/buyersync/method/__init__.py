"""The method, pure: stages, the deal and analysis models, the knowledge files and the planner.

Nothing here imports the database, the web framework or the CLI.
"""
