"""Server-sent events: one frame per message, and the response headers that keep proxies from buffering."""

from __future__ import annotations

import json

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def sse_frame(data: object, event: str | None = None) -> str:
    """Return one SSE frame carrying data as JSON (a str is sent as is), with an optional event name."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n"
