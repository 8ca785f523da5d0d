"""`assistant users`: accounts of the web chat (role official or maintainer, bcrypt password hashes)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assistant.cli import AppContext, fail, pass_app
from assistant.errors import AssistantError, ConfigError
from assistant.ui.auth import ROLES, load_users, save_user, write_users


def _users_file(app: AppContext, users_file: Path | None) -> Path:
    """Return the users file to edit: the option, else ui.users_file, else a usage error."""
    path = users_file or app.settings.ui.users_file
    if path is None:
        raise click.UsageError("No users file: pass --users-file users.toml or set ASSISTANT_UI__USERS_FILE.")
    return Path(path)


_USERS_FILE_OPTION = click.option(
    "--users-file", type=click.Path(dir_okay=False, path_type=Path),
    help="TOML users file (default: ui.users_file).",
)


@click.group()
def users() -> None:
    """Manage the accounts that may log in to the web chat."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="official", show_default=True,
              help="official: chat only; maintainer: chat and the document console.")
@_USERS_FILE_OPTION
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of a prompt.")
@pass_app
def add_user(app: AppContext, name: str, role: str, users_file: Path | None, password_stdin: bool) -> None:
    """Add a user, or set a new password and role for an existing one.

    Only the bcrypt hash of the password is stored.

    \b
    Examples:
        assistant users add 张三 --role official --users-file users.toml
        echo 's3cret-pass' | assistant users add admin --role maintainer --password-stdin
    """
    path = _users_file(app, users_file)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        save_user(path, name, role, password)
    except AssistantError as err:
        raise fail(err) from err
    click.echo(f"Saved user {name} ({role}) in {path}")


@users.command("list")
@_USERS_FILE_OPTION
@pass_app
def list_users(app: AppContext, users_file: Path | None) -> None:
    """List the users and their roles (never the hashes).

    \b
    Example:
        assistant users list --users-file users.toml
    """
    try:
        accounts = load_users(_users_file(app, users_file))
    except ConfigError as err:
        raise fail(err) from err
    for user in sorted(accounts.values(), key=lambda u: u.name):
        click.echo(f"{user.name}\t{user.role}")


@users.command("remove")
@click.argument("name")
@_USERS_FILE_OPTION
@pass_app
def remove_user(app: AppContext, name: str, users_file: Path | None) -> None:
    """Remove a user; they can no longer log in, and their open pages are refused at once.

    \b
    Example:
        assistant users remove 张三 --users-file users.toml
    """
    path = _users_file(app, users_file)
    try:
        accounts = load_users(path)
    except ConfigError as err:
        raise fail(err) from err
    if name not in accounts:
        raise click.ClickException(f"No user {name!r} in {path}; see 'assistant users list'.")
    del accounts[name]
    write_users(path, accounts)
    click.echo(f"Removed user {name} from {path}")


@users.command("token")
@click.argument("name")
@_USERS_FILE_OPTION
@click.option("--revoke", is_flag=True, help="Revoke every API token of NAME instead of creating one.")
@pass_app
def token(app: AppContext, name: str, users_file: Path | None, revoke: bool) -> None:
    """Create an API token for NAME (printed once, stored hashed), or revoke NAME's tokens.

    Machine clients (OA systems, portals, agent platforms) send it as `Authorization: Bearer TOKEN` to
    /api/v1, /v1/chat/completions and /mcp; it carries NAME's role. The token file sits beside the
    users file (users.toml -> users.tokens.json).

    \b
    Examples:
        assistant users token oa-system --users-file users.toml
        assistant users token oa-system --users-file users.toml --revoke
    """
    from assistant.api.tokens import TokenStore, tokens_path_for

    path = _users_file(app, users_file)
    try:
        accounts = load_users(path)
        store = TokenStore(tokens_path_for(path))
        if revoke:
            click.echo(f"Revoked {store.revoke(name)} token(s) of {name}")
            return
        if name not in accounts:
            raise click.ClickException(f"No user {name!r} in {path}; add it first: assistant users add {name} "
                                       f"--role official --users-file {path}")
        secret = store.create(name)
    except AssistantError as err:
        raise fail(err) from err
    click.echo(f"API token for {name} ({accounts[name].role}); shown only now, store it safely:", err=True)
    click.echo(secret)
