"""Every API failure as a JSON body in OpenAI's error shape, naming the field at fault; never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from assistant.api.security import CHALLENGE, AuthRefused
from assistant.errors import AccessDeniedError, AssistantError, DocumentNotFoundError, ModelError

logger = logging.getLogger(__name__)


def error_response(status: int, message: str, kind: str, param: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """Return the JSON error response {"error": {message, type, param, code}}."""
    body = {"error": {"message": message, "type": kind, "param": param, "code": str(status)}}
    return JSONResponse(body, status_code=status, headers=headers)


def _field_of(location: tuple[object, ...]) -> str | None:
    """Return the dotted field of a validation error location without its 'body'/'query'/'path' head."""
    parts = [str(p) for p in location[1:]] if location and location[0] in ("body", "query", "path") else \
        [str(p) for p in location]
    return ".".join(parts) or None


def _on_invalid(_request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, RequestValidationError)
    first = err.errors()[0] if err.errors() else {"loc": (), "msg": "invalid", "type": ""}
    field = _field_of(tuple(first.get("loc", ())))
    if first.get("type") == "json_invalid":
        message = "请求体不是有效的 JSON：请检查引号、逗号和括号，并以 UTF-8 发送。"
    elif first.get("type") == "missing":
        message = f"缺少必填字段 {field}：请按 /api/v1/docs 所示补上。"
    elif first.get("type") == "extra_forbidden":
        message = f"不认识的字段 {field}：请删去它（字段名见 /api/v1/docs）。"
    else:
        message = f"字段 {field or '请求体'} 无效（{first.get('msg')}）：请按 /api/v1/docs 所示填写。"
    return error_response(422, message, "invalid_request_error", field)


def _on_http(_request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, HTTPException)
    kind = "not_found_error" if err.status_code == 404 else "invalid_request_error"
    message = "没有这个接口：可用接口见 /api/v1/docs。" if err.status_code == 404 else str(err.detail)
    return error_response(err.status_code, message, kind)


def _on_refused(_request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, AuthRefused)
    return error_response(err.status, err.message, "authentication_error", "Authorization",
                          headers={"WWW-Authenticate": CHALLENGE})


def _on_assistant(_request: Request, err: Exception) -> JSONResponse:
    if isinstance(err, DocumentNotFoundError):
        return error_response(404, str(err), "not_found_error")
    if isinstance(err, AccessDeniedError):
        return error_response(403, str(err), "permission_error")
    if isinstance(err, ModelError):
        return error_response(503, f"语言模型服务暂不可用：{err}", "server_error")
    return error_response(400, str(err), "invalid_request_error")


def _on_unexpected(request: Request, err: Exception) -> JSONResponse:
    logger.exception("API request failed path=%s", request.url.path, exc_info=err)
    return error_response(500, "系统处理请求时出现内部错误，请稍后重试或联系维护人员。", "server_error")


def install_error_handlers(app: FastAPI) -> None:
    """Register the JSON error handlers on an API app."""
    app.add_exception_handler(RequestValidationError, _on_invalid)
    app.add_exception_handler(HTTPException, _on_http)
    app.add_exception_handler(AuthRefused, _on_refused)
    app.add_exception_handler(AssistantError, _on_assistant)
    app.add_exception_handler(Exception, _on_unexpected)
