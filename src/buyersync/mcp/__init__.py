"""The MCP entry point: task-level tools for AI assistants (`buyersync mcp`, `/mcp`)."""

from buyersync.mcp.server import TOOL_NAMES, build_server

__all__ = ["TOOL_NAMES", "build_server"]
