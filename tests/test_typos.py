"""Pinyin-input slips read as the corpus's words: against a real keyword index of real statutes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.corpus.catalog import Catalog
from assistant.corpus.library import Library
from assistant.indexing.keyword.index import LexicalIndex
from assistant.language.typos import correct_typos, same_sound_key, typo_notice
from assistant.retrieval.retriever import Retriever
from assistant.settings import Settings
from assistant.wiring import build_indexer

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def frequency(shared_corpus: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Return the document frequency of a real keyword index of the shared statutes, paragraph by paragraph."""
    index = LexicalIndex(tmp_path_factory.mktemp("lexical"), mode="hybrid", background=False)
    for path in sorted(shared_corpus.glob("*.md")):
        paragraphs = [p for p in path.read_text(encoding="utf-8").split("\n") if p.strip()]
        index.index_version(path.stem, [(f"{path.stem}#{i}", text) for i, text in enumerate(paragraphs)])
    return index.document_frequency


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("政务数剧共享", "数据"), ("机房服务器和背份都加密了", "备份"), ("设专门机够或者代表", "机构"),
     ("个人信息跨竟提供", "跨境"), ("关建信息基础设施", "关键"), ("网案法里说的运营者", "网安法"),
     ("各保法里对敏感信息的规定", "个保法"),  # 各 is a function word, but 个保法 a domain word of its sound
     ("小区装人连识别门禁", "人脸"),  # 人脸: no statute prints it; the concept table maps it
     # Pairs jieba's dictionary holds but almost nobody writes are slips too.
     ("政务数具能不能给企业用", "数据"), ("关键新息基础设施", "信息"), ("涉密单位的转门机构", "专门")],
)
def test_a_slip_is_read_as_the_corpus_word_of_the_same_sound(frequency, typed: str, meant: str) -> None:  # type: ignore[no-untyped-def]
    corrected = correct_typos(typed, frequency)
    assert meant in corrected.text and len(corrected.edits) == 1
    assert corrected.text.replace(meant, "") == typed.replace(corrected.edits[0][0], "")


@pytest.mark.parametrize(
    "text",
    [
        "个保法只说要定期做合规审计",  # 只说: two words; 法制 sounds like 法只 but nobody meant it
        "注册用户一亿以上的平台",  # numerals are never slips
        "小区物业装了人脸门禁",  # everyday words the statutes lack, with no statute word of their sound
        "收居民人脸信息需要单独同义吗",  # 同义 is a word of the dictionary: a real word mistaken is not guessed
        "同事把手里的材料先行整理了一下",  # common words, though the corpus prints 同时, 先行 and 现行
        "数据处理者应当履行数据安全保护义务",  # the statutes' own words
        # One function character for another is no slip (它/他, 在/再, 得/的), though 他的 is in a table's pattern.
        "它的罚则是哪条？",
        "信息中心在招运维工程师",
        "等保测评机构做得比较好",
    ],
)
def test_words_are_left_alone(frequency, text: str) -> None:  # type: ignore[no-untyped-def]
    corrected = correct_typos(text, frequency)
    assert corrected.edits == () and corrected.text == text


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("发现危害国家安全的信息，多长士间内报告", "时间"),  # 事件 is commoner, but 士间 -> 时间 changes one character
     ("收集手机号要用户统意吗", "同意")],
)
def test_the_reading_that_changes_fewer_characters_wins(frequency, typed: str, meant: str) -> None:  # type: ignore[no-untyped-def]
    corrected = correct_typos(typed, frequency)
    assert len(corrected.edits) == 1 and corrected.edits[0][1] == meant


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("保密法第十斯条", "保密法第十四条"), ("2016年版的底三条现在是第几条", "2016年版的第三条现在是第几条"),
     ("关基条例第式四条讲的啥", "关基条例第十四条讲的啥"), ("第二十一条第二款第三项", "第二十一条第二款第三项"),
     ("这是三条规定", "这是三条规定"), ("底下有三条", "底下有三条"), ("第二百五十三条之一", "第二百五十三条之一")],
)
def test_article_references_with_a_slip_of_sound_are_mended(frequency, typed: str, meant: str) -> None:  # type: ignore[no-untyped-def]
    corrected = correct_typos(typed, frequency)
    assert corrected.text == meant
    assert bool(corrected.edits) == (typed != meant)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("出差丢了一台存有涉mi材料的电脑", "涉密材料"), ("这个违fa吗", "违法"), ("想把病历shuju传给国外", "病历数据"),
     ("shemi计算机的屏保", "涉密计算机")],
)
def test_pinyin_letters_left_in_a_question_are_read_as_the_corpus_word(frequency, typed: str, meant: str) -> None:  # type: ignore[no-untyped-def]
    corrected = correct_typos(typed, frequency)
    assert meant in corrected.text and len(corrected.edits) == 1


def test_the_notice_names_the_pair_a_pinyin_syllable_was_read_in(frequency) -> None:  # type: ignore[no-untyped-def]
    assert typo_notice(correct_typos("这个违fa吗", frequency)) == "已按“违法”理解“违fa”。"


@pytest.mark.parametrize(
    "text", ["接入AI做问答", "OA系统和App要备案吗", "用wifi上网", "ip地址要留存吗", "用excel表格登记"])
def test_latin_words_and_abbreviations_are_not_pinyin(frequency, text: str) -> None:  # type: ignore[no-untyped-def]
    assert correct_typos(text, frequency).edits == ()


def test_the_notice_says_how_each_slip_was_read(frequency) -> None:  # type: ignore[no-untyped-def]
    corrected = correct_typos("政务数剧要背份吗", frequency)
    assert corrected.edits == (("数剧", "数据"), ("背份", "备份"))
    assert typo_notice(corrected) == "已按“数据”理解“数剧”、“备份”理解“背份”。"
    assert typo_notice(correct_typos("数据安全", frequency)) == ""


def test_retrieval_searches_the_corrected_question_and_says_so(shared_corpus: Path, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", embedding={"backend": "hash", "threads": 1})
    catalog = Catalog(settings.catalog_path)
    indexer = build_indexer(settings)
    Library(settings, catalog, indexer).add([shared_corpus / "数据安全法.md", shared_corpus / "网络安全法_2025修正.md"])
    result = Retriever(settings, catalog, indexer).retrieve("数剧分类分级保护制度")
    assert result.standalone_query == "数据分类分级保护制度"
    assert "已按“数据”理解“数剧”。" in result.notices
    assert ("中华人民共和国数据安全法", "第二十一条") in [(h.article.title, h.article.article.label)
                                                     for h in result.hits[:3]]
    off = settings.model_copy(update={"retrieval": settings.retrieval.model_copy(update={"typo_correction": False})})
    assert Retriever(off, catalog, indexer).retrieve("数剧分类分级保护制度").standalone_query == "数剧分类分级保护制度"


def test_the_typo_probe_slips_content_words_by_sound_and_keeps_the_clean_twin(tmp_path: Path) -> None:
    questions = tmp_path / "set.jsonl"
    rows = [{"id": "a", "question": "网络运营者的网络日志要保存多长时间？", "answerable": True,
             "gold": [{"document": "中华人民共和国网络安全法", "article": "第二十三条"}]},
            {"id": "b", "question": "公积金怎么提取", "answerable": False}]
    questions.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    slipped, clean = tmp_path / "slipped.jsonl", tmp_path / "clean.jsonl"
    run = subprocess.run([sys.executable, str(PROJECT_ROOT / "eval" / "typo_probe.py"), "--slips", "2",
                          "--out", str(slipped), "--clean", str(clean), str(questions)],
                         capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert run.returncode == 0, f"exit {run.returncode}: {run.stderr[-2000:]}"
    [typed] = [json.loads(line) for line in slipped.read_text(encoding="utf-8").splitlines()]
    [twin] = [json.loads(line) for line in clean.read_text(encoding="utf-8").splitlines()]
    assert typed["id"] == twin["id"] == "set:a" and twin["question"] == rows[0]["question"]
    changed = [(a, b) for a, b in zip(twin["question"], typed["question"], strict=True) if a != b]
    assert len(changed) == 2  # one character in each of two words, of the same sound
    assert all(same_sound_key(a) == same_sound_key(b) for a, b in changed)
