"""Whether the configured model endpoint answers, for /health: a short probe, cached so /health stays fast."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from assistant.settings import LlmSettings

logger = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 1.0  # a model server that takes longer to list its models is as good as down for a health check
CACHE_S = 10.0  # monitors poll /health often; the endpoint is asked at most this often


class ModelEndpointStatus:
    """Reports the backend and, in model mode, whether GET <base_url>/models answers (checked at most every ttl_s)."""

    def __init__(
        self,
        llm: LlmSettings,
        *,
        timeout_s: float = PROBE_TIMEOUT_S,
        ttl_s: float = CACHE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.llm = llm
        self.timeout_s = timeout_s
        self.ttl_s = ttl_s
        self.clock = clock
        self._lock = threading.Lock()  # concurrent /health requests share one probe instead of each sending one
        self._cached: dict[str, object] | None = None
        self._checked_at = 0.0

    def report(self) -> dict[str, object]:
        """Return {"backend": ...} and, for an OpenAI-compatible endpoint, its URL and reachability."""
        if self.llm.backend != "openai":
            return {"backend": self.llm.backend}
        with self._lock:
            now = self.clock()
            if self._cached is None or now - self._checked_at >= self.ttl_s:
                self._cached = self._probe()
                self._checked_at = now
            return dict(self._cached)

    def _probe(self) -> dict[str, object]:
        """Ask the endpoint for its model list once; return the report (never raises)."""
        url = self.llm.base_url.rstrip("/") + "/models"
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.llm.api_key}"})
        report: dict[str, object] = {"backend": "openai", "base_url": self.llm.base_url, "reachable": False}
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                json.load(response)
            report["reachable"] = True
        except urllib.error.HTTPError as err:
            report["error"] = f"HTTP {err.code} from {url}"
        except (OSError, ValueError) as err:  # refused, reset, timed out, or not JSON
            reason = getattr(err, "reason", err)
            report["error"] = f"{type(reason).__name__}: {reason}"
        report["probe_ms"] = round((time.perf_counter() - started) * 1000.0, 1)
        if not report["reachable"]:
            logger.warning("model endpoint %s unreachable: %s", url, report["error"])
        return report
