"""Our /login, served in place of Gradio's: rate limits per name and per address, bcrypt off the event loop.

Gradio's own /login runs the (synchronous, ~250 ms) bcrypt check on the event loop, so every login stalls
every other request, and it limits nothing. This route is registered on the outer app before Gradio is
mounted, so it answers /login first; a successful login gets the same session cookies Gradio would set.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from assistant.ui.audit import AuditLog, action_record
from assistant.ui.auth import Authenticator, LoginResult

logger = logging.getLogger(__name__)

WINDOW_S = 60.0
# At most this many logins wait for the bcrypt worker; beyond it a flood is refused at once, not queued.
MAX_WAITING_CHECKS = 8
WRONG = "用户名或密码错误。请检查后重试；连续输错 5 次，该账户将被锁定 5 分钟。"
LOCKED = "该账户因多次密码错误已被暂时锁定。请 5 分钟后再试，或联系维护人员。"
TOO_MANY = "登录尝试过于频繁（{what}）。请 {wait} 秒后再试。"
BUSY = "服务器正在处理其他登录请求。请稍候几秒再试。"
EMPTY = "请填写用户名和密码后再登录。"


class SlidingWindow:
    """Counts events per key over the last WINDOW_S seconds and says when a key is over its limit."""

    def __init__(self, limit: int, window_s: float = WINDOW_S) -> None:
        self.limit, self.window_s = limit, window_s
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float) -> float:
        """Count one event for key; return 0 when allowed, else the seconds until the next one is."""
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and now - events[0] >= self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                return self.window_s - (now - events[0])
            events.append(now)
            if len(self._events) > 10_000:  # forget idle keys so that random names cannot fill memory
                self._events = {k: v for k, v in self._events.items() if v and now - v[-1] < self.window_s}
            return 0.0


def _refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status)


def add_login_route(app: FastAPI, authenticator: Authenticator, audit: AuditLog,
                    per_name: int, per_address: int, gradio_app: Callable[[], object]) -> None:
    """Register /login on app; gradio_app returns the mounted Gradio app whose sessions a login opens."""
    by_name, by_address = SlidingWindow(per_name), SlidingWindow(per_address)
    bcrypt_worker = anyio.CapacityLimiter(1)  # one bcrypt at a time: logins never take both cores
    waiting = [0]

    async def refused(name: str, address: str, reason: str, message: str, status: int) -> JSONResponse:
        logged = authenticator.loggable_name(name)
        record = action_record(logged, "login", success=False, reason=reason, client=address)
        # The audit log syncs each line to disk: off the event loop, or a flood of refusals stalls everyone.
        await anyio.to_thread.run_sync(audit.append, record)
        logger.warning("login refused user=%s client=%s reason=%s", logged, address, reason)
        return _refuse(status, message)

    async def login(request: Request) -> JSONResponse:
        form = await request.form()
        name, password = str(form.get("username") or "").strip(), str(form.get("password") or "")
        address = request.client.host if request.client else "unknown"
        if not name or not password:
            return await refused(name, address, "empty", EMPTY, 400)
        now = time.monotonic()
        for window, key, what in ((by_address, address, "本机地址"), (by_name, name, "该用户名")):
            wait = window.hit(key, now)
            if wait:
                return await refused(name, address, f"rate_limited_{'address' if window is by_address else 'name'}",
                               TOO_MANY.format(what=what, wait=max(1, round(wait))), 429)
        if waiting[0] >= MAX_WAITING_CHECKS:
            return await refused(name, address, "busy", BUSY, 429)
        waiting[0] += 1
        try:
            result: LoginResult = await anyio.to_thread.run_sync(authenticator.check, name, password,
                                                                 limiter=bcrypt_worker)
        finally:
            waiting[0] -= 1
        if not result.ok:
            return _refuse(400, LOCKED if result.reason == "locked" else WRONG)
        return _open_session(gradio_app(), name)

    app.add_api_route("/login", login, methods=["POST"], include_in_schema=False)
    app.add_api_route("/login/", login, methods=["POST"], include_in_schema=False)


def _open_session(gradio_app: object, name: str) -> JSONResponse:
    """Return the success reply with the session cookies Gradio's own login would set (gradio/routes.py)."""
    token = secrets.token_urlsafe(16)
    gradio_app.tokens[token] = name  # type: ignore[attr-defined]
    cookie_id = gradio_app.cookie_id  # type: ignore[attr-defined]
    response = JSONResponse({"success": True})
    response.set_cookie(f"access-token-{cookie_id}", token, httponly=True, samesite="none", secure=True)
    response.set_cookie(f"access-token-unsecure-{cookie_id}", token, httponly=True)
    return response
