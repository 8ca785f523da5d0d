"""Entry point of the web chat (same as `assistant serve`): logging, settings, assistant, UI."""

from __future__ import annotations

import logging
import sys

import assistant  # noqa: F401  (sets the offline switches before gradio loads)
from assistant.errors import AssistantError
from assistant.settings import load_settings
from assistant.ui.app import serve


def main() -> int:
    """Run the web chat with settings from assistant.toml and ASSISTANT_* variables."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        serve(load_settings())
    except AssistantError as err:
        logging.getLogger("app").error("%s", err)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
