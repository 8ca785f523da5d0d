"""Background upkeep of a long-running web chat: versions whose effective date arrives become current."""

from __future__ import annotations

import logging
import threading

from assistant.errors import AssistantError

logger = logging.getLogger(__name__)

RECONCILE_INTERVAL_S = 3600.0


def start_reconciling(library: object, interval_s: float = RECONCILE_INTERVAL_S) -> threading.Event:
    """Reconcile the library every interval in a daemon thread; return the event that stops it.

    A version not yet in force (尚未施行) only becomes current when the library reconciles after its date,
    and a web chat may run for months without a restart.
    """
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval_s):
            try:
                library.reconcile()  # type: ignore[attr-defined]
            except (AssistantError, OSError) as err:
                logger.error("periodic reconcile failed: %s", err)

    threading.Thread(target=loop, name="library-reconcile", daemon=True).start()
    return stop
