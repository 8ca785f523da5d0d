"""Users file, bcrypt hashes, lockout, roles and when a login is required."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.errors import AccessDeniedError, ConfigError
from assistant.ui import auth
from assistant.ui.app import auth_for
from assistant.ui.auth import Authenticator, load_users, require_role, resolve_user, save_user


@pytest.fixture()
def users_file(tmp_path: Path) -> Path:
    path = tmp_path / "users.toml"
    save_user(path, "张三", "official", "official-pass")
    save_user(path, "admin", "maintainer", "maintainer-pass")
    return path


def test_users_file_keeps_only_hashes(users_file: Path) -> None:
    text = users_file.read_text(encoding="utf-8")
    assert "official-pass" not in text and "maintainer-pass" not in text and text.count("$2b$") == 2
    assert stat.S_IMODE(users_file.stat().st_mode) == 0o600
    assert {u.name: u.role for u in load_users(users_file).values()} == {"张三": "official", "admin": "maintainer"}


def test_login_checks_password_and_role(users_file: Path) -> None:
    check = Authenticator(users_file)
    assert check("张三", "official-pass") and not check("张三", "wrong-pass") and not check("nobody", "x" * 10)
    assert check.role_of("张三") == "official" and check.role_of("admin") == "maintainer"
    assert check.role_of("nobody") is None and check.role_of(None) is None


def test_repeated_failures_lock_the_name(users_file: Path) -> None:
    check = Authenticator(users_file)
    for _ in range(auth.MAX_FAILURES):
        assert not check("admin", "guess-guess")
    assert not check("admin", "maintainer-pass")  # locked even with the right password
    assert check("张三", "official-pass")  # other names are unaffected


def test_users_added_while_running_can_log_in(users_file: Path) -> None:
    check = Authenticator(users_file)
    save_user(users_file, "李四", "official", "another-pass")
    assert check("李四", "another-pass")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[users.a]\nrole = "boss"\npassword_hash = "x"\n', "role 'boss'"),
        ('[users.a]\nrole = "official"\npassword_hash = "plain"\n', "no valid bcrypt"),
        ('[users."a b"]\nrole = "official"\n', "not allowed"),
        ("[users\n", "not valid TOML"),
    ],
)
def test_bad_users_files_are_named(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "users.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=needle) as info:
        load_users(path)
    assert str(path) in str(info.value)


def test_short_passwords_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="too short"):
        save_user(tmp_path / "u.toml", "a", "official", "short")


def test_roles() -> None:
    require_role("maintainer", "maintainer")
    require_role("maintainer", "official")
    require_role("official", "official")
    for role in ("official", None, "guest"):
        with pytest.raises(AccessDeniedError, match="维护人员"):
            require_role(role, "maintainer")
    assert resolve_user(None, None) == (auth.LOCAL_USER, "maintainer")


def test_login_required_beyond_loopback(tmp_path: Path, users_file: Path) -> None:
    assert auth_for("127.0.0.1", False, None) is None
    assert auth.is_loopback("::1") and auth.is_loopback("localhost") and not auth.is_loopback("0.0.0.0")
    with pytest.raises(ConfigError, match="0.0.0.0.*users file"):
        auth_for("0.0.0.0", False, None)
    with pytest.raises(ConfigError, match="require_login"):
        auth_for("127.0.0.1", True, None)
    with pytest.raises(ConfigError, match="does not exist"):
        auth_for("0.0.0.0", False, tmp_path / "missing.toml")
    assert isinstance(auth_for("0.0.0.0", False, users_file), Authenticator)


def _cli_main():  # type: ignore[no-untyped-def]
    """Return the `assistant` click group (imported late: it registers every command module)."""
    from assistant.cli import main

    return main


def test_cli_users_add_list_remove(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    _cli_main()
    from assistant.cli import AppContext
    from assistant.cli.users import users

    path = tmp_path / "users.toml"
    runner = CliRunner()
    obj = AppContext(settings)
    result = runner.invoke(users, ["add", "admin", "--role", "maintainer", "--users-file", str(path),
                                   "--password-stdin"], input="long-enough-pass\n", obj=obj)
    assert result.exit_code == 0, result.output
    assert Authenticator(path)("admin", "long-enough-pass")
    listed = runner.invoke(users, ["list", "--users-file", str(path)], obj=obj)
    assert listed.output.strip() == "admin\tmaintainer"
    assert runner.invoke(users, ["remove", "admin", "--users-file", str(path)], obj=obj).exit_code == 0
    assert load_users(path) == {}
    missing = runner.invoke(users, ["list"], obj=obj)
    assert missing.exit_code == 2 and "--users-file" in missing.output


def test_serve_refuses_to_listen_beyond_loopback_without_users(tmp_path: Path) -> None:
    main = _cli_main()
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "home"), "serve", "--host", "0.0.0.0"])
    assert result.exit_code != 0 and "no users file is configured" in result.output
