"""The OpenAI Python client against /v1 of the real server on loopback: cited answers, streaming, tokens."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest

from assistant.api.tokens import TokenStore, tokens_path_for
from assistant.ui.app import build_context, create_app
from assistant.ui.auth import save_user
from tests.api_fixtures import build_home, served

QUESTION = "重要数据的处理者应当履行哪些义务？"


@pytest.fixture(scope="module")
def home(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return build_home(shared_corpus, tmp_path_factory.mktemp("openai") / "home")


def _app(home, users_file: Path | None = None):  # type: ignore[no-untyped-def]
    settings, catalog, library, assistant = home
    return create_app(build_context(settings, users_file=users_file, assistant=assistant, library=library,
                                    catalog=catalog))


def test_openai_client_gets_a_cited_answer_whole_and_streamed(home) -> None:  # type: ignore[no-untyped-def]
    with served(_app(home)) as base:
        client = openai.OpenAI(base_url=f"{base}/v1", api_key="unused-on-loopback", max_retries=0)
        assert [m.id for m in client.models.list().data] == ["fagui-assistant"]
        reply = client.chat.completions.create(
            model="fagui-assistant", messages=[{"role": "system", "content": "请依法回答"},
                                               {"role": "user", "content": QUESTION}])
        content = reply.choices[0].message.content or ""
        citations = reply.model_extra["citations"]
        assert "[1]" in content and "出处：" in content and reply.model_extra["declined"] is False
        assert citations[0]["marker"] == 1 and citations[0]["document"] in content and citations[0]["text"]
        chunks = list(client.chat.completions.create(model="any", messages=[{"role": "user", "content": QUESTION}],
                                                     stream=True))
        streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
        assert len(chunks) > 3 and streamed == content
        assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].model_extra["citations"] == citations


def test_beyond_loopback_the_client_needs_a_valid_token(home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    users = tmp_path / "users.toml"
    save_user(users, "agent", "official", "official-pass")
    token = TokenStore(tokens_path_for(users)).create("agent")
    with served(_app(home, users)) as base:
        for key in ("fgzs_wrong", "official-pass"):
            bad = openai.OpenAI(base_url=f"{base}/v1", api_key=key, max_retries=0)
            with pytest.raises(openai.AuthenticationError, match="无效"):
                bad.chat.completions.create(model="m", messages=[{"role": "user", "content": QUESTION}])
        good = openai.OpenAI(base_url=f"{base}/v1", api_key=token, max_retries=0)
        reply = good.chat.completions.create(model="m", messages=[{"role": "user", "content": QUESTION}])
        assert reply.model_extra["citations"]
        with pytest.raises(openai.BadRequestError, match="role 为 user"):
            good.chat.completions.create(model="m", messages=[{"role": "assistant", "content": "你好"}])
        with pytest.raises(openai.UnprocessableEntityError, match="messages"):
            good.chat.completions.create(model="m", messages=[])
