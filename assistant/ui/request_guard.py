"""Checks on Gradio's upload and event routes made before Gradio sees the request.

Two holes are closed here. The event routes (/gradio_api/queue/join and friends) take file inputs as
FileData whose `path` the client chooses: a path naming a server file, or a URL Gradio would fetch, must
never reach a handler. And /gradio_api/upload takes any file from any logged-in user: only maintainers
may upload, only the document types and sizes the console accepts, and refused files are deleted at once.
Every refusal is written to the audit log with the user, the route and the reason.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import anyio.to_thread
from gradio.utils import get_upload_folder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.ui.audit import AuditLog, action_record
from assistant.ui.auth import LOCAL_USER, ROLE_MAINTAINER, Authenticator

logger = logging.getLogger(__name__)

API = "/gradio_api/"
MAX_EVENT_BODY = 1024 * 1024  # an event carries a question or a few references, never a file's bytes
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")  # http:, https:, file:, data:, C: ...
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def is_uploaded_file(path: object, upload_root: Path) -> bool:
    """Return True when path names an existing regular file inside upload_root (after resolving links)."""
    if not isinstance(path, str) or not path or _URL.match(path) or "\x00" in path:
        return False
    candidate = Path(path)
    if not candidate.is_absolute():
        return False
    resolved = candidate.resolve()
    return resolved.is_relative_to(upload_root.resolve()) and resolved.is_file()


def file_references(data: Any) -> list[object]:
    """Return the `path` of every dict in data that names a file (FileData with or without its meta)."""
    found: list[object] = []
    if isinstance(data, dict):
        if "path" in data:
            found.append(data["path"])
        for value in data.values():
            found += file_references(value)
    elif isinstance(data, list):
        for value in data:
            found += file_references(value)
    return found


def without_lone_surrogates(data: Any) -> Any:
    """Return data with unpaired UTF-16 surrogates replaced by U+FFFD: Gradio cannot encode them back."""
    if isinstance(data, str):
        return _LONE_SURROGATE.sub("\ufffd", data)
    if isinstance(data, dict):
        return {key: without_lone_surrogates(value) for key, value in data.items()}
    if isinstance(data, list):
        return [without_lone_surrogates(value) for value in data]
    return data


class Refusal(Exception):
    """A request refused by the guard: HTTP status, the Chinese message and the audit details."""

    def __init__(self, status: int, message: str, reason: str, **details: object) -> None:
        super().__init__(message)
        self.status, self.message, self.reason, self.details = status, message, reason, details


class RequestGuard:
    """ASGI middleware in front of the mounted Gradio app (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, authenticator: Authenticator | None, audit: AuditLog,
                 gradio_app: Callable[[], Any], max_upload_mb: float, allowed_suffixes: tuple[str, ...],
                 max_files_per_upload: int = 5) -> None:
        self.app, self.authenticator, self.audit, self.gradio_app = app, authenticator, audit, gradio_app
        self.max_file_bytes = int(max_upload_mb * 1024 * 1024)
        # Multipart framing adds a little to each file; the body limit stops a huge upload before it is read.
        self.max_upload_body = max_files_per_upload * (self.max_file_bytes + 64 * 1024)
        self.max_upload_mb = max_upload_mb
        self.suffixes = tuple(s.lower() for s in allowed_suffixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if scope.get("method") != "POST" or not path.startswith(API):
            await self.app(scope, receive, send)
            return
        user = self._user(scope)
        try:
            if path.rstrip("/") == API + "upload":
                await self._upload(scope, receive, send, user)
            else:
                await self._event(scope, receive, send, user)
        except Refusal as refusal:
            record = action_record(user, "refused", attempted=path, reason=refusal.reason,
                                   message=refusal.message, **refusal.details)
            await anyio.to_thread.run_sync(self.audit.append, record)  # it syncs to disk: off the event loop
            logger.warning("request refused user=%s route=%s reason=%s", user, path, refusal.reason)
            await _send_json(send, refusal.status, {"detail": refusal.message, "error": refusal.message})

    def _user(self, scope: Scope) -> str:
        """Return the logged-in user of the request (the loopback user without login, '' when anonymous)."""
        if self.authenticator is None:
            return LOCAL_USER
        cookies = SimpleCookie()
        for key, value in scope.get("headers", []):
            if key == b"cookie":
                cookies.load(value.decode("latin-1"))
        app = self.gradio_app()
        for name in (f"access-token-{app.cookie_id}", f"access-token-unsecure-{app.cookie_id}"):
            if name in cookies and cookies[name].value in app.tokens:
                return str(app.tokens[cookies[name].value])
        return ""

    def _role(self, user: str) -> str | None:
        return ROLE_MAINTAINER if self.authenticator is None else self.authenticator.role_of(user)

    async def _event(self, scope: Scope, receive: Receive, send: Send, user: str) -> None:
        """Check the file references of an event request, clean its text, then hand it to Gradio."""
        body = await _read_body(receive, MAX_EVENT_BODY)
        if body is None:
            raise Refusal(413, "请求内容过大（超过 1 MB）。请缩短问题后重试。", "event_body_too_large")
        try:
            payload = json.loads(body) if body.strip() else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            payload = None  # not JSON: Gradio answers it (422) as it does today
        if payload is not None:
            root = Path(get_upload_folder())
            for reference in file_references(payload):
                if not is_uploaded_file(reference, root):
                    raise Refusal(403, "文件引用无效：只接受通过本页面上传的文件，不接受服务器路径或网址。"
                                       "请在页面上重新选择文件上传。", "file_not_uploaded", path=str(reference)[:500])
            cleaned = without_lone_surrogates(payload)
            if cleaned != payload:
                body = json.dumps(cleaned, ensure_ascii=False).encode("utf-8")
        await self.app(_with_length(scope, len(body)), _replay(body, receive), send)

    async def _upload(self, scope: Scope, receive: Receive, send: Send, user: str) -> None:
        """Let maintainers upload allowed files within the size limit; delete whatever else was written."""
        if self._role(user) != ROLE_MAINTAINER:
            raise Refusal(403, "只有维护人员可以上传文件。如需上传法规文件，请联系维护人员。", "upload_not_maintainer")
        length = _content_length(scope)
        if length is None:
            raise Refusal(411, "上传请求缺少长度信息（Content-Length）。请使用页面上的上传按钮。", "upload_no_length")
        if length > self.max_upload_body:
            raise Refusal(413, f"上传内容共 {length / 1048576:.1f} MB，超过上限（单个文件 {self.max_upload_mb:g} MB）。"
                               "请拆分或压缩后再上传。", "upload_too_large", bytes=length)
        status, headers, body = await _capture(self.app, scope, receive)
        if status == 200:
            try:
                written = [Path(p) for p in json.loads(body)]
            except (json.JSONDecodeError, TypeError):
                written = []
            problem = self._upload_problem(written)
            if problem:
                _delete_uploads(written, Path(get_upload_folder()))
                raise Refusal(400, problem, "upload_refused", files=[p.name for p in written])
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _upload_problem(self, written: list[Path]) -> str | None:
        """Return the Chinese refusal for the first uploaded file of a wrong type or size, or None."""
        for path in written:
            suffix = path.suffix.lower()
            if suffix not in self.suffixes:
                return (f"不支持的文件类型“{suffix or '无扩展名'}”（{path.name}）。"
                        f"只能上传：{'、'.join(self.suffixes)}。请转换格式后再上传。")
            if path.is_file() and path.stat().st_size > self.max_file_bytes:
                return (f"文件 {path.name} 大小为 {path.stat().st_size / 1048576:.1f} MB，超过上限 "
                        f"{self.max_upload_mb:g} MB。请拆分或压缩后再上传。")
        return None


def _delete_uploads(paths: list[Path], root: Path) -> None:
    """Delete uploaded files and their per-upload folders, touching nothing outside root."""
    for path in paths:
        if path.resolve().is_relative_to(root.resolve()) and path.resolve().parent != root.resolve():
            shutil.rmtree(path.resolve().parent, ignore_errors=True)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _with_length(scope: Scope, length: int) -> Scope:
    headers = [(k, v) for k, v in scope.get("headers", []) if k != b"content-length"]
    return {**scope, "headers": [*headers, (b"content-length", str(length).encode())]}


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """Return the whole request body, or None once it grows past limit."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """Return a receive callable that yields body once, then passes on the connection's own messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _capture(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[int, list, bytes]:
    """Run app and return (status, headers, body) of its reply instead of sending it."""
    reply: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            reply["status"], reply["headers"] = message["status"], message.get("headers", [])
        elif message["type"] == "http.response.body":
            reply["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return reply["status"], reply["headers"], reply["body"]


async def _send_json(send: Send, status: int, payload: dict[str, object]) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
