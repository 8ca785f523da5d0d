"""The security probe against the real server on a loopback port the OS chose: crafted FileData paths and URLs,
uploads of the wrong role, type and size, login timing and flood, rate limits, log forging; every case must pass."""

from __future__ import annotations

import pytest

from benchmarks.security_probe import run


@pytest.fixture(scope="module")
def results() -> dict:
    return run()


def test_every_probe_case_passes(results: dict) -> None:
    failing = [c for c in results["cases"] if not c["pass"]]
    assert not failing, failing
    assert len(results["cases"]) >= 20


def test_crafted_paths_and_urls_are_refused_and_audited(results: dict) -> None:
    cases = {c["case"]: c for c in results["cases"]}
    crafted = cases["crafted FileData path naming a server file"]["observed"]
    assert all(status == 403 for status, _ in crafted["replies"].values())
    assert any(path.endswith("server-secret.md") for path in crafted["audited_paths"])
    url = cases["FileData path that is a URL"]["observed"]
    assert url["requests_seen_by_bait_server"] == [] and len(url["audited"]) == 2


def test_login_timing_and_health_under_load(results: dict) -> None:
    timing = results["figures"]["login_median_ms"]
    assert abs(timing["known_name"] - timing["unknown_name"]) <= 0.25 * max(timing.values())
    assert results["figures"]["health_ms"]["under_logins_median"] < 50
