"""Matching rules of the evaluation contract and the metric functions, on hand-made questions and results."""

from __future__ import annotations

import math

import pytest

from assistant.evaluation.corpus import ArticleEntry, ArticleIndex
from assistant.evaluation.formats import ArticleRef, GoldRef, Question, Result
from assistant.evaluation.matching import article_key, key_point_present, title_key, version_matches
from assistant.evaluation.metrics import (
    all_gold_at_k,
    citation_precision,
    citation_recall,
    citation_validity,
    failure_reasons,
    gold_ranks,
    key_point_coverage,
    mrr_at_k,
    ndcg_at_k,
    percentile,
    recall_at_k,
    recall_curve,
    score_question,
    sentences_citing,
    summarize,
    summarize_by_category,
    version_correct,
)

CSL = "中华人民共和国网络安全法"
DSL = "中华人民共和国数据安全法"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("中华人民共和国数据安全法", "数据安全法", True),
        ("《中华人民共和国数据安全法》", "數據安全法", True),
        ("中华人民共和国网络安全法（2025修正）", "网络安全法", True),
        ("中华人民共和国网络安全法（2016年原文）", "网络安全法", True),
        ("关于适用《中华人民共和国民法典》有关担保制度的解释", "关于适用《民法典》有关担保制度的解释", True),
        (
            "最高人民法院关于适用《保险法》若干问题的解释（一）",
            "最高人民法院关于适用《保险法》若干问题的解释（三）",
            False,
        ),
        ("网络数据安全管理条例", "数据安全法", False),
    ],
)
def test_titles_match_after_normalisation(a: str, b: str, same: bool) -> None:
    assert (title_key(a) == title_key(b)) is same


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("第21条", "第二十一条", True),
        ("第 21 条", "第二十一条", True),
        ("第二百五十三条之一", "第253条之1", True),
        ("第二百五十三条之一", "第二百五十三条", False),
        ("第一百零三条", "第103条", True),
        ("8.1.4.2", "8.1.4.2", True),
        ("8.1.4.2", "8.1.4", False),
    ],
)
def test_articles_match_by_number(a: str, b: str, same: bool) -> None:
    assert (article_key(a) == article_key(b)) is same


@pytest.mark.parametrize(
    ("wanted", "actual", "ok"),
    [
        (None, None, True),
        (None, "2016-11-07", True),
        ("2016", "2016-11-07", True),
        ("2016", "2025-10-28", False),
        ("2025", None, False),
        ("2025-10-28", "2025-10-28", True),
        ("2025-10-28", "2025-10-29", False),
    ],
)
def test_version_matching(wanted: str | None, actual: str | None, ok: bool) -> None:
    assert version_matches(wanted, actual) is ok


def test_key_points_match_after_normalisation() -> None:
    assert key_point_present("留存相关的网络日志不少于六个月", "應當留存相關的網絡日誌不少於六個月。")
    assert key_point_present("5个工作日内", "应当自收到申报材料之日起５个工作日 内完成")
    assert not key_point_present("不少于六个月", "不少于三个月")
    assert not key_point_present("", "任何回答")


def ref(document: str, article: str, version: str | None = None, score: float | None = None) -> ArticleRef:
    return ArticleRef(document, article, version, score)


RANKED = (
    ref(CSL, "第二十三条", "2016-11-07"),  # the 2016 第二十三条 is another article than the 2025 one
    ref(DSL, "第21条", "2021-06-10"),
    ref(CSL, "第二十三条", "2025-10-28"),
    ref(DSL, "第四十五条", "2021-06-10"),
)
ALL_GOLD = Question("a", "q", gold=(GoldRef(CSL, "第二十三条", "2025"), GoldRef(DSL, "第二十一条")))
ANY_GOLD = Question("b", "q", gold=ALL_GOLD.gold, gold_any=True)


def test_gold_ranks_respect_versions() -> None:
    assert gold_ranks(ALL_GOLD.gold, RANKED) == [3, 2]
    assert gold_ranks(ALL_GOLD.gold, RANKED, 2) == [None, 2]


@pytest.mark.parametrize(
    ("question", "k", "recall"),
    [(ALL_GOLD, 1, 0.0), (ALL_GOLD, 2, 0.5), (ALL_GOLD, 3, 1.0), (ANY_GOLD, 1, 0.0), (ANY_GOLD, 2, 1.0)],
)
def test_recall_at_k(question: Question, k: int, recall: float) -> None:
    assert recall_at_k(question, RANKED, k) == recall


@pytest.mark.parametrize(
    ("question", "k", "expected"),
    [(ALL_GOLD, 2, 0.0), (ALL_GOLD, 3, 1.0), (ANY_GOLD, 1, 0.0), (ANY_GOLD, 2, 1.0), (Question("u", "q"), 5, None)],
)
def test_all_gold_at_k_needs_every_gold_article(question: Question, k: int, expected: float | None) -> None:
    # Half the gold of a two-regulation question scores recall 0.5 but is no complete answer.
    assert all_gold_at_k(question, RANKED, k) == expected


def test_mrr_and_ndcg() -> None:
    assert mrr_at_k(ALL_GOLD, RANKED) == 0.5
    assert mrr_at_k(ALL_GOLD, RANKED[:1]) == 0.0
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at_k(ALL_GOLD, RANKED) == pytest.approx((1 / math.log2(3) + 1 / math.log2(4)) / ideal)
    assert ndcg_at_k(ANY_GOLD, RANKED) == pytest.approx(1 / math.log2(3))
    assert ndcg_at_k(ANY_GOLD, (RANKED[1], RANKED[2])) == 1.0
    assert recall_at_k(Question("u", "q"), RANKED, 5) is None and ndcg_at_k(Question("u", "q"), RANKED) is None


def test_citation_recall_and_precision() -> None:
    cited = (ref(DSL, "第二十一条", "2021-06-10"), ref(DSL, "第四十五条", "2021-06-10"))
    assert citation_recall(ALL_GOLD, cited) == 0.5
    assert citation_recall(ANY_GOLD, cited) == 1.0
    assert citation_precision(ALL_GOLD, cited) == 0.5
    assert citation_precision(ALL_GOLD, cited, lambda marker, r: marker == 2) == 1.0
    assert citation_precision(ALL_GOLD, ()) is None


def test_citation_validity_and_support_use_article_texts() -> None:
    index = ArticleIndex(
        [
            ArticleEntry(CSL, "第二十三条", "2025-10-28", "网络运营者应当……留存相关的网络日志不少于六个月"),
            ArticleEntry(CSL, "第二十一条", "2016-11-07", "国家实行网络安全等级保护制度。"),
        ]
    )
    cited = (ref("网络安全法", "第23条", "2025-10-28"), ref(CSL, "第二十三条", "2016-11-07"), ref(CSL, "第九十条"))
    assert [index.exists(c) for c in cited] == [True, False, False]
    assert citation_validity(cited, index.exists) == pytest.approx(1 / 3)
    assert citation_validity(cited, None) is None
    assert index.supports(cited[0], "网络日志应当留存不少于六个月[1]。")
    assert not index.supports(cited[0], "个人信息出境需要安全评估[1]。")


def test_sentences_citing_follow_markers() -> None:
    answer = "日志要留六个月[1]。罚款一万元以上[2]。两者都适用[1][2]。"
    assert sentences_citing(answer, 1) == ["日志要留六个月[1]。", "两者都适用[1][2]。"]
    assert sentences_citing("没有标记的回答。第二句。", 3) == ["没有标记的回答。", "第二句。"]
    # a marker after a closing quote belongs to the quoted sentence, not to the next one
    quoted = "第四十五条：「有权要求删除。」[1] - 第二十六条：「不得提供服务。」[2]"
    assert sentences_citing(quoted, 1) == ["第四十五条：「有权要求删除。」[1]"]


def test_key_point_coverage() -> None:
    question = Question("k", "q", key_points=("不少于六个月", "一万元以上五万元以下"))
    assert key_point_coverage(question, "日志不少于六个月") == 0.5
    assert key_point_coverage(Question("n", "q"), "x") is None


def test_percentile() -> None:
    assert percentile([10.0, 20.0, 30.0, 40.0], 0.5) == 25.0
    assert percentile([5.0], 0.95) == 5.0
    assert percentile([], 0.5) is None


def result(
    qid: str,
    *,
    declined: bool = False,
    cited: tuple = (),
    ranked: tuple = RANKED,
    answer: str = "",
    latency: float = 100.0,
    **extra: object,
) -> Result:
    return Result(qid, answer, declined, cited, ranked, latency, dict(extra))


def test_scores_of_answerable_unanswerable_and_missing_results() -> None:
    unanswerable = Question("u", "个人所得税起征点？", answerable=False, category="unanswerable")
    good = score_question(ALL_GOLD, result("a", cited=(RANKED[2], RANKED[1]), answer="不少于六个月"))
    assert good.recall[10] == 1.0 and good.citation_recall == 1.0 and good.first_gold_rank == 2
    assert good.false_decline == 0.0 and good.decline_correct is None and failure_reasons(good) == []

    declined = score_question(unanswerable, result("u", declined=True, ranked=()))
    assert declined.decline_correct == 1.0 and declined.false_decline is None and failure_reasons(declined) == []
    answered = score_question(unanswerable, result("u", cited=(RANKED[1],)))
    assert failure_reasons(answered) == ["answered an unanswerable question"]

    wrongly_declined = score_question(ALL_GOLD, result("a", declined=True))
    assert wrongly_declined.false_decline == 1.0 and "declined an answerable question" in failure_reasons(
        wrongly_declined
    )

    missing = score_question(ALL_GOLD, None)
    assert missing.recall[10] == 0.0 and missing.latency_ms is None
    assert failure_reasons(missing)[0] == "error: no result line for this question"


def test_retrieval_only_results_leave_answer_metrics_out() -> None:
    score = score_question(ALL_GOLD, result("a", retrieval_only=True))
    assert score.recall[5] == 1.0
    assert (score.citation_recall, score.citation_precision, score.false_decline, score.key_points) == (None,) * 4


def test_summaries_overall_and_by_category() -> None:
    questions = [
        Question("1", "q", gold=(GoldRef(DSL, "第二十一条"),), category="lookup"),
        Question("2", "q", gold=(GoldRef(DSL, "第九条"),), category="lookup"),
        Question("3", "q", answerable=False, category="unanswerable"),
    ]
    scores = [
        score_question(questions[0], result("1", cited=(RANKED[1],), latency=100.0)),
        score_question(questions[1], result("2", latency=300.0)),
        score_question(questions[2], result("3", declined=True, ranked=(), latency=200.0)),
    ]
    summary = summarize(scores)
    assert summary["recall@1"] == 0.0 and summary["recall@5"] == 0.5 and summary["mrr@10"] == 0.25
    assert summary["all_gold@5"] == 0.5
    assert summary["citation_recall"] == 0.5 and summary["decline_unanswerable"] == 1.0
    assert summary["false_decline"] == 0.0 and summary["latency_p50_ms"] == 200.0 and summary["questions"] == 3
    by_category = summarize_by_category(scores)
    assert list(by_category) == ["lookup", "unanswerable"]
    assert by_category["lookup"]["recall@5"] == 0.5 and by_category["unanswerable"]["recall@5"] is None
    assert recall_curve(scores, 3) == [0.0, 0.5, 0.5]


def test_decline_sweep_reads_evidence_of_results() -> None:
    from assistant.evaluation.metrics import decline_sweep

    unanswerable = Question("u", "q", answerable=False)
    scores = [
        score_question(unanswerable, result("u", evidence=0.5)),
        score_question(ALL_GOLD, result("a", evidence=0.7)),
        score_question(ANY_GOLD, result("b", evidence=0.9)),
    ]
    assert decline_sweep(scores, [0.4, 0.6, 0.8, 1.0]) == [
        (0.4, 0.0, 0.0),
        (0.6, 1.0, 0.0),
        (0.8, 1.0, 0.5),
        (1.0, 1.0, 1.0),
    ]
    assert decline_sweep([score_question(ALL_GOLD, result("a"))]) == []


def test_version_correct_needs_every_gold_article_in_its_version() -> None:
    question = Question("v", "q", gold=(GoldRef(CSL, "第二十一条", "2016"), GoldRef(CSL, "第二十三条", "2025")),
                        category="version")
    both = (ArticleRef(CSL, "第二十一条", "2016-11-07"), ArticleRef(CSL, "第二十三条", "2025-10-28"))
    wrong_version = (ArticleRef(CSL, "第二十一条", "2025-10-28"), ArticleRef(CSL, "第二十三条", "2025-10-28"))
    assert version_correct(question, both) == 1.0
    assert version_correct(question, both[:1]) == 0.0
    assert version_correct(question, wrong_version) == 0.0
    other = Question("o", "q", gold=question.gold, category="multi_regulation")
    assert version_correct(other, both) is None
    result = Result("v", "答", False, both, (), 10.0, {})
    assert summarize([score_question(question, result)])["version_correct"] == 1.0
