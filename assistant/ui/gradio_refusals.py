"""Refusals Gradio makes itself (a value not among the choices, a file of the wrong type, a file that was not
uploaded), and unexpected errors, turned into Chinese messages that say what to do, and audited.

Gradio raises these inside Blocks.process_api, before or around our handlers, in English. Wrapping that one
method of our Blocks catches all of them. Our own refusals (gr.Error with a Chinese message) pass through
unchanged and are audited here too, unless they are an AuditedRefusal, already audited where they were made.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

import anyio.to_thread
import gradio as gr

from assistant.ui.audit import AuditLog, action_record

logger = logging.getLogger(__name__)

_CJK = re.compile(r"[\u4e00-\u9fff]")
# (pattern of Gradio's English message, reason for the audit, Chinese message for the user)
KNOWN_REFUSALS = (
    (re.compile(r"not in the list of choices"), "choice_not_offered",
     "所选的项目不在当前可选列表中（可能已被删除或列表已过期）。请点击“刷新目录”或刷新页面后重新选择。"),
    (re.compile(r"Invalid file type"), "file_type",
     "文件类型不受支持。请上传页面上列出的类型（如 .pdf、.docx、.md、.txt）的文件。"),
    (re.compile(r"Cannot move .* cache|not in the cache folder|not uploaded by a user|Dotfiles"), "file_not_uploaded",
     "文件引用无效：只接受通过本页面上传的文件。请在页面上重新选择文件上传。"),
)


class AuditedRefusal(gr.Error):
    """A refusal shown to the user that its maker has already written to the audit log."""


UNEXPECTED = "请求未能完成（服务器内部错误）。请刷新页面后重试；如仍失败，请联系维护人员并告知发生时间。"


def chinese_refusal(err: BaseException) -> tuple[str, str]:
    """Return (audit reason, Chinese message) for an error raised while Gradio processed an event."""
    text = str(err)
    for pattern, reason, message in KNOWN_REFUSALS:
        if pattern.search(text):
            return reason, message
    return "internal_error", UNEXPECTED


def audit_gradio_refusals(blocks: gr.Blocks, audit: AuditLog) -> None:
    """Wrap blocks.process_api so that every refusal leaves it in Chinese and is written to the audit log."""
    process_api = blocks.process_api

    @functools.wraps(process_api)
    async def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return await process_api(*args, **kwargs)
        except AuditedRefusal:
            raise
        except gr.Error as err:
            if _CJK.search(str(err.message)):
                await _record(audit, kwargs, args, "handler_refusal", str(err.message))
                raise  # ours: already in Chinese
            reason, message = chinese_refusal(err)
            await _record(audit, kwargs, args, reason, str(err.message))
            raise gr.Error(message) from err
        except Exception as err:
            reason, message = chinese_refusal(err)
            await _record(audit, kwargs, args, reason, f"{type(err).__name__}: {err}")
            if reason == "internal_error":
                logger.exception("event failed")
            raise gr.Error(message) from err

    blocks.process_api = guarded  # type: ignore[method-assign]


async def _record(audit: AuditLog, kwargs: dict[str, Any], args: tuple, reason: str, detail: str) -> None:
    request = kwargs.get("request", args[3] if len(args) > 3 else None)
    if isinstance(request, list):
        request = request[0] if request else None
    user = getattr(request, "username", None) or ""
    block_fn = kwargs.get("block_fn", args[0] if args else None)
    action = getattr(getattr(block_fn, "fn", None), "__name__", str(block_fn))
    record = action_record(user, "refused", attempted=action, reason=reason, detail=detail[:500])
    await anyio.to_thread.run_sync(audit.append, record)  # it syncs to disk: off the event loop
    logger.warning("event refused user=%s action=%s reason=%s", user, action, reason)
