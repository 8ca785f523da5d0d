"""Progress of a default-corpus build as plain lines, one per document, so a log or a pipe sees it too.

A progress bar redraws one terminal line and shows nothing when stdout is a file (`make run | tee`, a service
log); these lines read the same everywhere: documents done/total, the document's articles, the running article
count, elapsed time and an estimate of what is left (elapsed time per document so far times documents left).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import click

from assistant.corpus.default_corpus import BuildStep


def clock_text(seconds: float) -> str:
    """Return seconds as M:SS (or H:MM:SS)."""
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class BuildPrinter:
    """Callable progress sink for build_default_corpus that prints one line per finished document."""

    def __init__(self, echo: Callable[[str], None] = click.echo, clock: Callable[[], float] = time.monotonic) -> None:
        self._echo, self._clock = echo, clock
        self._start = clock()
        self.articles = 0
        self._counted: set[str] = set()  # a laws.db row covered by a corpus/ text names that text's version

    def elapsed(self) -> float:
        """Return the seconds since the printer was made."""
        return self._clock() - self._start

    def __call__(self, step: BuildStep) -> None:
        elapsed = self.elapsed()
        if step.outcome.version_id not in self._counted:
            self._counted.add(step.outcome.version_id or "")
            self.articles += step.articles
        left = elapsed / step.done * (step.total - step.done) if step.done else 0.0
        width = len(str(step.total))
        name = Path(step.outcome.path).name
        title = f" 《{step.outcome.title}》" if step.outcome.title else ""
        why = f" ({step.outcome.message})" if step.outcome.outcome != "added" else ""
        self._echo(f"[{step.done:>{width}}/{step.total}] {step.outcome.outcome:<8} {name}{title}: "
                   f"{step.articles} articles | {self.articles} articles so far, {clock_text(elapsed)} elapsed, "
                   f"about {clock_text(left)} left{why}")
