"""API tokens for machine clients: created once, printed once, stored as SHA-256 hashes beside the users file.

A token belongs to a user of the users file and carries that user's role; removing the user (or revoking the
token) refuses it at once. Tokens are 256 random bits, so a plain SHA-256 is enough to store them: unlike a
password there is nothing to guess, and a fast hash keeps every API request cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.errors import ConfigError

TOKEN_PREFIX = "fgzs_"  # 法规助手; lets secret scanners and people recognise a leaked token


@dataclass(frozen=True)
class TokenEntry:
    """One stored token: its owner, its SHA-256, when it was made and the first characters to recognise it."""

    user: str
    sha256: str
    created: str
    hint: str


def tokens_path_for(users_file: Path) -> Path:
    """Return the token file kept beside a users file (users.toml -> users.tokens.json)."""
    return users_file.with_name(users_file.stem + ".tokens.json")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenStore:
    """The hashed tokens of one users file; re-read when the file changes, so revoking needs no restart."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._mtime = -1
        self._entries: list[TokenEntry] = []

    def _load(self) -> list[TokenEntry]:
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            self._mtime, self._entries = -1, []
            return self._entries
        if mtime != self._mtime:
            try:
                rows = json.loads(self.path.read_text(encoding="utf-8"))
                self._entries = [TokenEntry(**row) for row in rows]
            except (ValueError, TypeError) as err:
                raise ConfigError(f"API token file {self.path} is damaged ({err}); delete it and create new "
                                  "tokens with: assistant users token NAME") from err
            self._mtime = mtime
        return self._entries

    def _save(self, entries: list[TokenEntry]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps([e.__dict__ for e in entries], ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.chmod(0o600)
        tmp.replace(self.path)

    def create(self, user: str) -> str:
        """Return a new token for user (the only time it exists in clear); its hash is stored."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        entry = TokenEntry(user=user, sha256=_digest(token), created=datetime.now(UTC).isoformat(timespec="seconds"),
                           hint=token[: len(TOKEN_PREFIX) + 4])
        with self._lock:
            self._save([*self._load(), entry])
        return token

    def revoke(self, user: str) -> int:
        """Remove every token of user and return how many there were."""
        with self._lock:
            entries = self._load()
            kept = [e for e in entries if e.user != user]
            if len(kept) != len(entries):
                self._save(kept)
        return len(entries) - len(kept)

    def tokens_of(self, user: str) -> list[TokenEntry]:
        """Return the stored tokens of user (hashes and hints, never the tokens)."""
        with self._lock:
            return [e for e in self._load() if e.user == user]

    def user_for(self, token: str) -> str | None:
        """Return the user a token belongs to, or None for an unknown or revoked token."""
        digest = _digest(token)
        with self._lock:
            entries = self._load()
        for entry in entries:
            if hmac.compare_digest(entry.sha256, digest):
                return entry.user
        return None
