"""Users, roles and bcrypt password hashes from a TOML file; the login check Gradio calls."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import re
import secrets
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import bcrypt

from assistant.errors import AccessDeniedError, ConfigError

logger = logging.getLogger(__name__)

ROLE_OFFICIAL = "official"
ROLE_MAINTAINER = "maintainer"
ROLES = (ROLE_OFFICIAL, ROLE_MAINTAINER)
ROLE_NAMES = {ROLE_OFFICIAL: "业务人员", ROLE_MAINTAINER: "维护人员"}
# Who is at the keyboard when the server only listens on loopback and no login is asked for.
LOCAL_USER = "本机用户"
_USER_NAME = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{1,64}$")
_BCRYPT_HASH = re.compile(r"^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$")
MIN_PASSWORD_CHARS = 8
# Slow guessing down: after this many wrong passwords a name is locked for LOCKOUT_S seconds.
MAX_FAILURES = 5
LOCKOUT_S = 300.0


@dataclass(frozen=True)
class User:
    """One account: its name, its role and the bcrypt hash of its password."""

    name: str
    role: str
    password_hash: str


def hash_password(password: str, rounds: int = 12) -> str:
    """Return the bcrypt hash of password (refusing passwords shorter than MIN_PASSWORD_CHARS)."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise ConfigError(f"Password too short ({len(password)} characters); use at least {MIN_PASSWORD_CHARS}.")
    if len(password.encode("utf-8")) > 72:
        raise ConfigError("Password longer than 72 bytes; bcrypt ignores the rest. Choose a shorter one.")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    """Return True when password matches the bcrypt hash."""
    encoded = password.encode("utf-8")
    if len(encoded) > 72:
        return False
    try:
        return bcrypt.checkpw(encoded, password_hash.encode("ascii"))
    except ValueError:
        return False


def _parse_user(path: Path, name: str, entry: object) -> User:
    """Return the User of one [users.NAME] table, or raise ConfigError naming what is wrong."""
    if not _USER_NAME.match(name):
        raise ConfigError(f"{path}: user name {name!r} is not allowed; use letters, digits, 汉字, '_', '-', '.'.")
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: [users.{name}] must be a table with role and password_hash.")
    role = entry.get("role")
    if role not in ROLES:
        raise ConfigError(f"{path}: user {name!r} has role {role!r}; use one of {', '.join(ROLES)}.")
    password_hash = entry.get("password_hash", "")
    if not isinstance(password_hash, str) or not _BCRYPT_HASH.match(password_hash):
        raise ConfigError(
            f"{path}: user {name!r} has no valid bcrypt password_hash; "
            f"create it with: assistant users add {name} --role {role}"
        )
    return User(name=name, role=role, password_hash=password_hash)


def load_users(path: Path) -> dict[str, User]:
    """Return the users of a TOML users file, keyed by name."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ConfigError(
            f"Users file {path} does not exist; create it with: assistant users add NAME --role maintainer "
            f"--users-file {path}"
        ) from err
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"Users file {path} is not valid TOML ({err}); see docs/users.example.toml.") from err
    table = data.get("users", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: 'users' must be a table of [users.NAME] entries; see docs/users.example.toml.")
    return {name: _parse_user(path, name, entry) for name, entry in table.items()}


def render_users(users: dict[str, User]) -> str:
    """Return the TOML text of a users file (names and hashes as TOML basic strings)."""
    lines = ["# Users of the web chat: role official (chat) or maintainer (chat + console).", ""]
    for user in sorted(users.values(), key=lambda u: u.name):
        # JSON string escaping is valid TOML basic-string escaping.
        lines += [
            f"[users.{json.dumps(user.name, ensure_ascii=False)}]",
            f"role = {json.dumps(user.role)}",
            f"password_hash = {json.dumps(user.password_hash)}",
            "",
        ]
    return "\n".join(lines)


def save_user(path: Path, name: str, role: str, password: str) -> User:
    """Add or update one user in the users file and return it; other users are kept."""
    if not _USER_NAME.match(name):
        raise ConfigError(f"User name {name!r} is not allowed; use letters, digits, 汉字, '_', '-', '.'.")
    if role not in ROLES:
        raise ConfigError(f"Role {role!r} is unknown; use one of {', '.join(ROLES)}.")
    users = load_users(path) if path.exists() else {}
    user = User(name=name, role=role, password_hash=hash_password(password))
    users[name] = user
    write_users(path, users)
    return user


def write_users(path: Path, users: dict[str, User]) -> None:
    """Write the users file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_users(users), encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)


def is_loopback(host: str) -> bool:
    """Return True when host only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def login_required(host: str, require_login: bool) -> bool:
    """Return True when the web chat must ask for a login: beyond loopback, or when configured."""
    return require_login or not is_loopback(host)


Outcome = Literal["ok", "wrong_password", "unknown_name", "locked"]


@dataclass(frozen=True)
class LoginResult:
    """What one login attempt came to; reason is for the audit only, never shown to the person logging in."""

    ok: bool
    reason: Outcome
    logged_name: str  # the name as it may be written to logs: unknown names are never written as typed


def _bcrypt_cost(users: dict[str, User]) -> int:
    """Return the highest bcrypt cost among the users' hashes (12 when there are none)."""
    return max((int(u.password_hash[4:6]) for u in users.values()), default=12)


class Authenticator:
    """The login check: bcrypt verification, a lockout after repeated failures, roles by user name.

    The users file is read again when it changes, so accounts can be added without a restart.
    """

    def __init__(self, path: Path, on_attempt: Callable[[LoginResult], None] | None = None) -> None:
        self.path = path
        self.on_attempt = on_attempt  # told the outcome of every login; never the password
        self._lock = threading.Lock()
        self._failures: dict[str, list[float]] = {}
        self._mtime = path.stat().st_mtime_ns if path.exists() else 0
        self._users = load_users(path)
        if not self._users:
            raise ConfigError(
                f"Users file {path} holds no users; add one with: assistant users add NAME --role maintainer"
            )
        # A real hash of a random password at the users' cost: checking an unknown name against it takes
        # as long as checking a known one, so the refusal time does not tell which names exist.
        self._dummy_hash = bcrypt.hashpw(secrets.token_urlsafe(24).encode("ascii"),
                                         bcrypt.gensalt(_bcrypt_cost(self._users))).decode("ascii")
        # Tags unknown names in logs: the same typed text gets the same tag while the server runs, but a
        # password typed into the name field cannot be read back from the log.
        self._name_key = secrets.token_bytes(32)

    def _refresh(self) -> None:
        """Reload the users file when it changed on disk; keep the old users if the new file is broken."""
        try:
            mtime = self.path.stat().st_mtime_ns
        except OSError:
            return
        if mtime == self._mtime:
            return
        try:
            self._users = load_users(self.path)
        except ConfigError as err:
            logger.error("users file reload failed, keeping previous users: %s", err)
        self._mtime = mtime

    def _locked_out(self, name: str, now: float) -> bool:
        """Return True while name has too many recent failures."""
        recent = [t for t in self._failures.get(name, []) if now - t < LOCKOUT_S]
        self._failures[name] = recent
        return len(recent) >= MAX_FAILURES

    def loggable_name(self, name: str) -> str:
        """Return name as logs may show it: a known name as it is, anything else as an opaque tag.

        An unknown name may be a password typed into the wrong field, or carry line breaks meant to forge
        log lines; neither reaches a log.
        """
        with self._lock:
            known = name in self._users
        if known:
            return name
        tag = hmac.new(self._name_key, name.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:10]
        return f"（未知用户名 #{tag}）"

    def check(self, username: str, password: str) -> LoginResult:
        """Check one login attempt, tell on_attempt, and return its outcome."""
        now = time.monotonic()
        with self._lock:
            self._refresh()
            locked = self._locked_out(username, now)
            user = self._users.get(username)
        if locked:
            reason: Outcome = "locked"
        else:
            matches = verify_password(password, user.password_hash if user else self._dummy_hash)
            reason = "ok" if matches and user is not None else "wrong_password" if user else "unknown_name"
            with self._lock:
                if reason == "ok":
                    self._failures.pop(username, None)
                else:
                    self._failures.setdefault(username, []).append(now)
        result = LoginResult(ok=reason == "ok", reason=reason, logged_name=self.loggable_name(username))
        logger.info("login user=%s ok=%s reason=%s", result.logged_name, result.ok, reason)
        if self.on_attempt is not None:
            self.on_attempt(result)
        return result

    def __call__(self, username: str, password: str) -> bool:
        """Return True when the name and password match an account that is not locked out."""
        return self.check(username, password).ok

    def role_of(self, username: str | None) -> str | None:
        """Return the role of a logged-in user name, or None for unknown or anonymous users."""
        if not username:
            return None
        with self._lock:
            self._refresh()
            user = self._users.get(username)
        return user.role if user else None


def resolve_user(username: str | None, authenticator: Authenticator | None) -> tuple[str, str | None]:
    """Return (user name, role) of a request; without login the loopback user is a maintainer."""
    if authenticator is None:
        return LOCAL_USER, ROLE_MAINTAINER
    return username or "", authenticator.role_of(username)


def require_role(role: str | None, needed: str) -> None:
    """Raise AccessDeniedError unless role grants needed (a maintainer may do what an official may)."""
    granted = {ROLE_OFFICIAL: {ROLE_OFFICIAL}, ROLE_MAINTAINER: {ROLE_OFFICIAL, ROLE_MAINTAINER}}
    if needed not in granted.get(role or "", set()):
        raise AccessDeniedError(f"此操作需要{ROLE_NAMES.get(needed, needed)}权限，当前账户无权执行。")
