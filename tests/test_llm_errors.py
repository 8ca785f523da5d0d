"""Which endpoint failures count as the model server stopping mid-answer (ModelStoppedError) and which do not."""

from __future__ import annotations

import httpx
import openai
import pytest

from assistant.llm import connection_dropped

REQUEST = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")


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
        wrapped(httpx.RemoteProtocolError("Server disconnected without sending a response.")),  # crash before reply
        httpx.RemoteProtocolError("peer closed connection without sending complete message body"),  # mid-stream
        httpx.ReadError("[Errno 104] Connection reset by peer"),
        ConnectionResetError(104, "Connection reset by peer"),
    ],
)
def test_a_dropped_connection_is_a_stopped_server(err: BaseException) -> None:
    assert connection_dropped(err)


@pytest.mark.parametrize(
    "err",
    [
        wrapped(httpx.ConnectError("[Errno 111] Connection refused")),  # nothing listening: unavailable, not stopped
        wrapped(httpx.ReadTimeout("timed out"), openai.APITimeoutError),
        httpx.ReadTimeout("timed out"),
        ValueError("bad JSON"),
    ],
)
def test_refusals_timeouts_and_bad_replies_are_not(err: BaseException) -> None:
    assert not connection_dropped(err)
