"""Declining a question that tells a situation in the library's subject only on far weaker evidence than a terse
one: its everyday words lower the evidence without leaving the subject. Over a real catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.decline import CorpusVocabulary, Thresholds, decide
from assistant.answering.scope import in_scope, is_term_of_art, scope_words
from assistant.corpus.catalog import Catalog
from assistant.corpus.library import Library
from assistant.settings import Settings
from assistant.wiring import build_indexer
from tests.test_composer import corpus_articles, retrieval_of

LIMITS = Thresholds(terse=0.43, situation=0.15, situation_chars=20)


@pytest.fixture(scope="module")
def vocabulary(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> CorpusVocabulary:
    home = tmp_path_factory.mktemp("home")
    settings = Settings(home=home, embedding={"backend": "hash", "threads": 1})
    catalog = Catalog(settings.catalog_path)
    names = ["个人信息保护法.md", "网络安全法_2025修正.md", "保守国家秘密法.md"]
    Library(settings, catalog, build_indexer(settings)).add([shared_corpus / name for name in names])
    return CorpusVocabulary(catalog)


def test_the_subject_comes_from_the_titles_and_the_vocabulary(vocabulary: CorpusVocabulary) -> None:
    vocabulary.refresh()
    assert {"个人信息", "网络安全", "网安法"} <= vocabulary.scope
    assert not {"办法", "中华人民共和国", "罚款"} & vocabulary.scope  # forms of any law, not this subject
    assert in_scope("小区物业装了人脸门禁", vocabulary.scope)  # 人脸: an everyday word of the concept table
    assert not in_scope("公务员每年有几天年休假", vocabulary.scope)
    assert "劳动" in scope_words(["中华人民共和国劳动合同法"])  # a library that adds a field widens it


@pytest.mark.parametrize(
    ("question", "follow_up", "declined"),
    [
        # A situation told in everyday words, inside the subject: weak evidence is not a reason to decline.
        ("小区物业装了人脸门禁，还说刷脸的照片可以拿去给商家做客流分析，这靠谱吗？", False, False),
        # A follow-up leans on its conversation: its own few words say little.
        ("那要是不管呢？", True, False),
        # Terse, or outside the subject: the evidence decides as before.
        ("人脸门禁靠谱吗？", False, True),
        ("我们单位的职工想问一下今年住房公积金的缴存比例到底按多少来算？", False, True),
    ],
)
def test_situation_threshold(
    question: str, follow_up: bool, declined: bool, vocabulary: CorpusVocabulary, shared_corpus: Path
) -> None:
    pipl = corpus_articles(shared_corpus, "个人信息保护法.md")
    retrieval = retrieval_of(question, [pipl["第二十六条"], pipl["第二十八条"]], evidence=0.25)
    decision = decide(question, retrieval, LIMITS, vocabulary, follow_up=follow_up)
    assert LIMITS.situation <= decision.score < LIMITS.terse, decision.reason  # between the two thresholds
    assert decision.decline is declined, decision.reason
    assert ("(situation)" in decision.reason) is not declined


@pytest.mark.parametrize(
    ("question", "share"),
    [
        # 要存 is a piece jieba cut off a verb (要 + 存), not a word the statutes lack; 啥时候 asks, it names nothing.
        ("网络日志要存几个月？", 1.0),
        ("个人信息保护法啥时候开始施行的？", 0.5),  # 开始 is a word, absent from both texts; 施行 is present
        ("住房公积金缴存比例", 0.0),  # words outside the library still count against it
    ],
)
def test_known_share_counts_words_not_the_pieces_of_verbs(
    question: str, share: float, vocabulary: CorpusVocabulary
) -> None:
    assert vocabulary.known_share(question) == pytest.approx(share)


def test_a_terse_question_in_the_librarys_own_words_is_inside_its_subject(
    vocabulary: CorpusVocabulary, shared_corpus: Path
) -> None:
    # Every subject word (个人信息, 泄露, 通知) is one the library uses: weak evidence alone does not decline it.
    pipl = corpus_articles(shared_corpus, "个人信息保护法.md")
    question = "个人信息泄露了要通知谁？"
    decision = decide(question, retrieval_of(question, [pipl["第五十七条"]], evidence=0.02), LIMITS, vocabulary)
    assert decision.known_words == 1.0 and LIMITS.situation <= decision.score < LIMITS.terse, decision.reason
    assert not decision.decline and "(situation)" in decision.reason
    # One word the library lacks (门禁) and it is terse again.
    other = "人脸门禁要通知谁？"
    assert decide(other, retrieval_of(other, [pipl["第五十七条"]], evidence=0.02), LIMITS, vocabulary).decline


def test_the_librarys_terms_of_art_place_a_question_in_its_subject(vocabulary: CorpusVocabulary) -> None:
    # 涉密 is in no title and no table, but the secrecy law's articles use it far more than law at large does.
    secret = "涉密笔记本能不能接互连网查下资料，查完就断开？"
    assert not in_scope(secret, vocabulary.scope) and vocabulary.in_subject(secret)
    # 投诉, 告知, 受理 are every law's words: a petition question stays outside however long.
    assert not vocabulary.in_subject("有群众在网上信访平台投诉街道违规拆除，我们要在多少日内告知是否受理？")
    # Used by 7 of the security library's 1,070 articles and by 638 of the lawbook's 3,449 documents: not its own.
    assert not is_term_of_art("证据", 7, 1070) and is_term_of_art("涉密", 30, 1070)
    assert not is_term_of_art("涉密", 4, 100)  # too few articles to say


@pytest.mark.parametrize(
    ("question", "declined"),
    [
        ("涉密笔记本能不能接互连网查下资料，查完就断开？", False),  # a term of art of the library's texts
        ("个人信息保护法啥时候开始施行的？", False),  # terse, but naming a regulation of the library
        ("这部法到底啥时候开始施行的？", True),  # the same question naming none: terse, the evidence decides
    ],
)
def test_a_term_of_art_or_a_named_regulation_is_inside_the_subject(
    question: str, declined: bool, vocabulary: CorpusVocabulary, shared_corpus: Path
) -> None:
    pipl = corpus_articles(shared_corpus, "个人信息保护法.md")
    retrieval = retrieval_of(question, [pipl["第七十四条"]], evidence=0.2)
    decision = decide(question, retrieval, LIMITS, vocabulary)
    assert LIMITS.situation <= decision.score < LIMITS.terse, decision.reason
    assert decision.decline is declined, decision.reason
