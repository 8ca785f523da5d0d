"""The machine-facing shell: REST API under /api/v1, OpenAI-compatible /v1, MCP tools; a thin layer over wiring."""
