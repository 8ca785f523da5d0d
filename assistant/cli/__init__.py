"""The `assistant` console command: corpus maintenance, questions, evaluation and the web chat."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from assistant.errors import AssistantError
from assistant.settings import Settings, load_settings


def configure_logging(verbose: bool) -> None:
    """Configure logging for a command-line run; the package itself never configures it."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


class AppContext:
    """What every subcommand receives: the loaded settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings


pass_app = click.make_pass_decorator(AppContext)


def fail(err: AssistantError) -> click.ClickException:
    """Return the click error that prints an AssistantError without a traceback."""
    return click.ClickException(str(err))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="ASSISTANT_HOME",
    help="Folder holding the catalog and indexes (default: index/ in the checkout; env ASSISTANT_HOME).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log progress and decisions to stderr.")
@click.pass_context
def main(ctx: click.Context, home: Path | None, verbose: bool) -> None:
    """Knowledge assistant for Chinese security, data and e-government regulations.

    Answers questions with citations to the exact article and version, offline.

    \b
    Examples:
        assistant corpus init                       # build the default corpus
        assistant corpus add ~/法规/数据安全法.pdf
        assistant ask "数据安全法第二十一条规定了什么？"
        assistant serve                             # web chat on http://127.0.0.1:7860
    """
    configure_logging(verbose)
    overrides = {"home": home} if home else {}
    try:
        ctx.obj = AppContext(load_settings(**overrides))
    except AssistantError as err:
        raise fail(err) from None


def register_commands() -> None:
    """Attach the subcommands; each lives in its own module."""
    from assistant.cli import ask, corpus, evaluate, mcp, serve, users

    main.add_command(corpus.corpus)
    main.add_command(ask.ask)
    main.add_command(evaluate.evaluate)
    main.add_command(serve.serve)
    main.add_command(users.users)
    main.add_command(mcp.mcp)


register_commands()
