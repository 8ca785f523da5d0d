"""Who is calling the API: a Bearer token, or the chat's own user name and password (HTTP Basic).

The rules are the chat's: with no users file on loopback everything is open to the local user; once a users
file is given (always beyond loopback) every request must name an account, and the account's role applies.
Passwords are checked by assistant.ui.auth.Authenticator (with its lockout), under the chat's login limits per
name and per client address and one bcrypt at a time, so Basic requests cannot take the cores; repeated wrong
tokens from one client are locked out the same way.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from dataclasses import dataclass

from assistant.api.tokens import TokenStore
from assistant.ui.auth import LOCAL_USER, LOCKOUT_S, MAX_FAILURES, ROLE_MAINTAINER, Authenticator
from assistant.ui.login_route import TOO_MANY, SlidingWindow

CHALLENGE = 'Bearer realm="assistant"'


@dataclass(frozen=True)
class Caller:
    """The account behind a request and its role."""

    name: str
    role: str


class AuthRefused(Exception):
    """The request names no valid account; message is the Chinese reason returned to the client."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.message, self.status = message, status


class ApiGuard:
    """Resolves the Authorization header of a request into a Caller, or refuses it."""

    def __init__(self, authenticator: Authenticator | None, tokens: TokenStore | None,
                 per_name: int = 10, per_address: int = 30) -> None:
        self.authenticator, self.tokens = authenticator, tokens
        self._lock = threading.Lock()
        self._bcrypt = threading.Lock()  # one password check at a time, as for the chat's /login
        self._by_name, self._by_address = SlidingWindow(per_name), SlidingWindow(per_address)
        self._failures: dict[str, list[float]] = {}

    @property
    def is_open(self) -> bool:
        """Return True when no login is configured (loopback without a users file)."""
        return self.authenticator is None

    def caller(self, authorization: str | None, client: str = "") -> Caller:
        """Return the Caller a request's Authorization header names; raise AuthRefused otherwise."""
        if self.authenticator is None:
            return Caller(LOCAL_USER, ROLE_MAINTAINER)
        now = time.monotonic()
        if self._locked_out(client, now):
            raise AuthRefused("认证失败次数过多，请稍后再试。", status=429)
        scheme, _, credentials = (authorization or "").strip().partition(" ")
        name = self._name_of(scheme.lower(), credentials.strip(), client)
        role = self.authenticator.role_of(name)
        if role is None:
            with self._lock:
                self._failures.setdefault(client, []).append(now)
            if not authorization:
                raise AuthRefused("缺少访问令牌：请在请求头中加入 Authorization: Bearer <令牌>"
                                  "（令牌由维护人员用 assistant users token 用户名 生成）。")
            raise AuthRefused("访问令牌或账户密码无效，或账户已被删除、令牌已被吊销。")
        return Caller(name or "", role)

    def _name_of(self, scheme: str, credentials: str, client: str) -> str | None:
        """Return the user a Bearer token or Basic credentials belong to, or None."""
        if scheme == "bearer" and credentials and self.tokens is not None:
            return self.tokens.user_for(credentials)
        if scheme == "basic" and credentials and self.authenticator is not None:
            try:
                name, _, password = base64.b64decode(credentials, validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None
            self._check_password_rate(name, client)
            with self._bcrypt:
                return name if self.authenticator(name, password) else None
        return None

    def _check_password_rate(self, name: str, client: str) -> None:
        """Refuse (429) a password check past the chat's per-address or per-name limit."""
        now = time.monotonic()
        for window, key, what in ((self._by_address, client, "本机地址"), (self._by_name, name, "该用户名")):
            wait = window.hit(key, now)
            if wait:
                raise AuthRefused(TOO_MANY.format(what=what, wait=max(1, round(wait)))
                                  + "机器客户端请改用访问令牌（assistant users token 用户名）。", status=429)

    def _locked_out(self, client: str, now: float) -> bool:
        with self._lock:
            recent = [t for t in self._failures.get(client, []) if now - t < LOCKOUT_S]
            self._failures[client] = recent
            # Twice the chat's allowance: a client with a revoked token retries a few times before giving up.
            return len(recent) >= 2 * MAX_FAILURES
