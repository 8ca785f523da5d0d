"""A long-running chat makes a version current once its effective date arrives."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

from assistant.corpus.library import Library
from assistant.settings import Settings
from assistant.ui.upkeep import start_reconciling
from assistant.wiring import build_catalog, build_indexer

OLD = "# 示范条例\n\n2020年1月1日公布 自2020年2月1日起施行\n\n第一条 旧的规定。\n\n第二条 旧的第二条。\n"
NEW = "# 示范条例\n\n2026年12月1日修订 自2027年1月1日起施行\n\n第一条 新的规定。\n\n第二条 新的第二条。\n"


def test_periodic_reconcile_promotes_a_version_when_its_date_arrives(settings: Settings, tmp_path: Path) -> None:
    today = {"value": date(2026, 11, 27)}
    library = Library(settings, build_catalog(settings), build_indexer(settings), today=lambda: today["value"])
    for name, text in (("old.md", OLD), ("new.md", NEW)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        library.add([tmp_path / name])
    current = {v.meta.version for v in library.catalog.versions(include_history=True) if v.is_current}
    assert current == {"2020-01-01"}

    today["value"] = date(2027, 1, 2)
    reconciled = threading.Event()
    real_reconcile = library.reconcile

    def reconcile_and_signal() -> None:
        real_reconcile()
        reconciled.set()

    library.reconcile = reconcile_and_signal  # type: ignore[method-assign]
    stop = start_reconciling(library, interval_s=0.05)
    try:
        assert reconciled.wait(timeout=30)
    finally:
        stop.set()
    current = {v.meta.version for v in library.catalog.versions(include_history=True) if v.is_current}
    assert current == {"2026-12-01"}
