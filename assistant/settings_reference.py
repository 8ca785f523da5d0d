"""Render the settings reference (docs/settings.md) from the Settings model, so it never drifts."""

from __future__ import annotations

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from assistant.settings import PROJECT_ROOT, Settings


def _default_text(info: FieldInfo) -> str:
    default = info.get_default(call_default_factory=True)
    if isinstance(default, BaseModel):
        return "(group)"
    text = str(default)
    # Paths under the checkout are shown relative to it, so the reference reads the same on every machine.
    return text.replace(str(PROJECT_ROOT) + "/", "").replace(str(PROJECT_ROOT), ".")


def _rows(model: type[BaseModel], prefix: str) -> list[str]:
    rows = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows.extend(_rows(annotation, f"{prefix}{name.upper()}__"))
            continue
        env = f"ASSISTANT_{prefix}{name.upper()}"
        toml_key = (prefix.lower().replace("__", ".") + name).strip(".")
        rows.append(f"| `{toml_key}` | `{env}` | `{_default_text(info)}` | {info.description or ''} |")
    return rows


def render_settings_reference() -> str:
    """Return the Markdown table of every setting, its environment variable, default and meaning."""
    header = [
        "# Settings reference",
        "",
        "Generated from `assistant/settings.py` by `python -m assistant.settings_reference`; a test keeps it current.",
        "",
        "Precedence: defaults < `assistant.toml` (path in `ASSISTANT_CONFIG`) < environment variables < command-line",
        "options. In `assistant.toml`, grouped keys go in tables: `[llm]` then `backend = \"openai\"`.",
        "",
        "| key (assistant.toml) | environment variable | default | meaning |",
        "|---|---|---|---|",
    ]
    return "\n".join(header + _rows(Settings, "")) + "\n"


if __name__ == "__main__":
    (PROJECT_ROOT / "docs" / "settings.md").write_text(render_settings_reference(), encoding="utf-8")
