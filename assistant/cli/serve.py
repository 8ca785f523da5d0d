"""`assistant serve`: the web chat for officials, with the maintainers' console."""

from __future__ import annotations

from pathlib import Path

import click

from assistant.cli import AppContext, fail, pass_app
from assistant.errors import AssistantError


@click.command()
@click.option("--host", help="Address to listen on (default: ui.host, 127.0.0.1). Beyond loopback a login is required.")
@click.option("--port", type=click.IntRange(1, 65535), help="Port to listen on (default: ui.port, 7860).")
@click.option(
    "--users-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML file of users and bcrypt hashes (default: ui.users_file); turns the login on.",
)
@pass_app
def serve(app: AppContext, host: str | None, port: int | None, users_file: Path | None) -> None:
    """Run the web chat until interrupted (Ctrl-C).

    Officials chat; maintainers also get the console to upload, replace and remove documents.
    Every question is written to the audit log (audit.jsonl in the home folder).

    \b
    Examples:
        assistant serve                                   # http://127.0.0.1:7860, this machine only
        assistant users add admin --role maintainer --users-file users.toml
        assistant serve --host 0.0.0.0 --users-file users.toml
    """
    from assistant.ui.app import serve as run_server  # gradio loads only for this command

    try:
        run_server(app.settings, host=host, port=port, users_file=users_file)
    except AssistantError as err:
        raise fail(err) from err
