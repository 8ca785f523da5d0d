"""Which endpoint failures count as the model server stopping mid-answer (ModelStoppedError) and which do not."""

from __future__ import annotations

import importlib
import importlib.util

import httpx
import openai
import pytest

from assistant.answering.llm import connection_dropped

REQUEST = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
# openai sends through httpx2, whose errors are separate classes with httpx's names; check both packages.
TRANSPORTS = [httpx] + ([importlib.import_module("httpx2")] if importlib.util.find_spec("httpx2") else [])


def wrapped(cause: BaseException, outer: type[openai.APIConnectionError] = openai.APIConnectionError) -> BaseException:
    """Return the error as openai raises it: its own exception with the transport error as __cause__."""
    try:
        try:
            raise cause
        except BaseException as inner:
            raise outer(request=REQUEST) from inner
    except openai.APIConnectionError as err:
        return err


@pytest.mark.parametrize(
    "err",
    [
        *(wrapped(t.RemoteProtocolError("Server disconnected without sending a response.")) for t in TRANSPORTS),
        *(wrapped(t.RemoteProtocolError("peer closed connection without sending complete message body"))
          for t in TRANSPORTS),  # mid-stream, as a killed llama.cpp server showed it
        *(t.ReadError("[Errno 104] Connection reset by peer") for t in TRANSPORTS),
        ConnectionResetError(104, "Connection reset by peer"),
    ],
)
def test_a_dropped_connection_is_a_stopped_server(err: BaseException) -> None:
    assert connection_dropped(err)


@pytest.mark.parametrize(
    "err",
    [
        *(wrapped(t.ConnectError("[Errno 111] Connection refused")) for t in TRANSPORTS),  # unavailable, not stopped
        *(wrapped(t.ReadTimeout("timed out"), openai.APITimeoutError) for t in TRANSPORTS),
        *(t.ReadTimeout("timed out") for t in TRANSPORTS),
        ValueError("bad JSON"),
    ],
)
def test_refusals_timeouts_and_bad_replies_are_not(err: BaseException) -> None:
    assert not connection_dropped(err)
