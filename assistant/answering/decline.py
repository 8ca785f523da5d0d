"""Deciding to decline: retrieval evidence and query-term coverage; spotting questions with a false premise."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.answering.answer_types import unmet_answer_type
from assistant.answering.scope import in_scope, is_term_of_art, scope_words
from assistant.language.numerals import CN_NUMERAL_WITH_WAN, CN_SMALL_NUMERAL
from assistant.language.segmentation import plain_jieba
from assistant.language.textnorm import (
    CONTENT_CHARACTER,
    FORM_CHARACTERS,
    NOT_CONTENT,
    QUOTED_TITLE,
    has_content,
    normalize_text,
    normalize_title,
)
from assistant.language.typos import same_sound_key
from assistant.language.vocabulary import load_aliases
from assistant.records import RetrievalResult, StoredArticle
from assistant.retrieval.version_links import without_version_words

# Officials write abbreviations the statutes never use; expand them before comparing with article text.
ALIASES = load_aliases()  # language/data/aliases.tsv
# Words that carry the question's form, not its subject; removed before counting coverage.
STOP_PHRASES = (
    "请问", "什么样", "什么", "哪些", "哪几", "哪个", "哪种", "怎么样", "怎么", "怎样", "如何", "是否",
    "是不是", "对不对", "对吗", "正确吗", "吗", "呢", "吧", "有关", "相关", "关于", "对于", "根据", "按照",
    "依据", "依照", "规定", "要求", "法律", "法规", "具体", "内容", "主要", "一下", "介绍", "说明", "我们",
    "我", "你", "需要", "必须", "应当", "可以", "能否", "能不能", "可不可以", "多少", "多长", "几个", "几",
    "时候", "情况", "问题", "方面", "这个", "那么", "那", "还有", "以及", "和", "与", "及", "的", "了", "在",
    "是", "有", "都", "要", "会", "被", "谁", "由", "本法", "多久", "多长时间", "几天", "几年", "哪一条",
    "第几条", "哪里", "应该", "的话", "到底", "要不要", "一家", "一份", "这种", "咋", "啥", "搞", "弄", "罚则",
    "版本", "啊", "呀", "有何", "啥时候", "什么时候", "干嘛", "干啥", "怎么办", "咋办",
    # Words that ask for the text itself (「等保义务旧条文原文发我一下」): no statute prints them of itself.
    "条文", "法条", "原文", "全文", "原话",
)
# Bigrams found in nearly every article of this corpus: they say little about whether it answers.
GENERIC_BIGRAMS = frozenset(
    "数据 据安 安全 信息 网络 络安 个人 人信 管理 保护 国家 部门 处理 运营 营者 服务 组织 有关 单位 活动 "
    "法律 行政 政法 法规 机关 主管 责任 工作 相关 应当 措施 制度 规定 建立 进行 提供 按照 违反".split()
)
_GENERIC_WEIGHT = 0.3
_WORD_MEMORY = 50_000  # words remembered as found or not in the corpus, forgotten all at once when full
# A regulation's name: a run of characters ending in 办法/条例/细则 or a law's or rule's usual last words;
# 该办法/本条例 refer back and are skipped. 规定/标准/指引 alone end too many sentences (国家有关规定) to count
# unquoted; a name in 《》 always counts, whatever its ending (《个人信息安全规范》).
_REGULATION_NAME = re.compile(
    r"(?<![该本此这那])([\u4e00-\u9fff]{0,18}?)"
    r"(实施细则|细则|办法|条例|管理规定|保护规定|若干规定|暂行规定|工作指引|"
    r"保护法|安全法|管理法|促进法|保密法|档案法|统计法|审计法|标准化法)"
)
_NAME_LEAD = re.compile(
    r"^(?:.*?(?:根据|按照|依照|依据|关于|对于|违反|执行|参照|适用|按|依|对|在|和|与|及|的|那个|这个|那部|这部))+"
)
# What a regulation is cited by: the words after the last of these are the name (按照信息安全等级保护管理办法).
_CITED_BY = re.compile(r".*(?:根据|按照|依照|依据|参照|适用|执行|违反)")
# The asker's own unit: a rule it makes (本单位的数据安全管理办法, 医院自己的患者信息管理办法, 我们公司制定的…细则)
# is an internal rule, not a regulation the library lacks.
_OWN_UNIT = re.compile(r"我们|我局|我院|我司|我校|我单位|本单位|本局|本院|本公司|本部门|本校|本机关|自己|内部|自行")
# A standard named by its number: GB/T 22239-2019, GB 17859, GA/T 1389, GM/T 0054-2018, YD/T 2584, JR/T 0171.
_STANDARD = re.compile(
    r"(?<![a-z])(?:gb|ga|gm|yd|jr|ws|db\d{2})(?:\s*/\s*[tz])?\s*(\d{3,6})(?:\.\d+)?(?:\s*[-—–]\s*\d{4})?"
)
_ARTICLE_REF = re.compile(rf"第[{CN_NUMERAL_WITH_WAN}\d]+条(?:之[{CN_SMALL_NUMERAL}\d]+)?")

# Weights of the decision score's parts: retrieval's own evidence, query-term coverage of the top articles,
# and the share of the question's words found anywhere in the corpus (calibrated by eval/calibrate_answers.py).
EVIDENCE_WEIGHT = 0.6
COVERAGE_WEIGHT = 0.0
VOCABULARY_WEIGHT = 0.4


@dataclass(frozen=True)
class Decision:
    """Whether to decline, the score compared with the threshold, and the parts it came from."""

    decline: bool
    score: float
    evidence: float
    coverage: float
    reason: str = ""
    known_words: float = 1.0
    missing_regulations: tuple[str, ...] = ()  # regulations the question names that the library lacks
    unmet_answer: str = ""  # the kind of answer asked that no top article gives (answer_types.py)


class CorpusVocabulary:
    """Which words occur anywhere in the corpus: 起征点 or 公积金 never do in a security-law library."""

    def __init__(self, catalog: object) -> None:
        self.catalog = catalog  # anything with generation() and iter_articles(), e.g. assistant.corpus.catalog.Catalog
        self._generation: int | None = None
        self._text = ""
        self._articles: tuple[str, ...] = ()
        self._articles_using: dict[str, int] = {}  # word -> articles whose text uses it, counted on demand
        self._in_text: dict[str, bool] = {}  # word -> found in the corpus; a scan of the whole text costs ~0.1 ms
        self.titles: tuple[str, ...] = ()
        self.scope: frozenset[str] = frozenset()
        self.standards: frozenset[str] = frozenset()  # standard numbers the library's texts mention (gb/t 20986)

    def refresh(self) -> None:
        """Re-read the corpus when the catalog changed since the last read."""
        generation = self.catalog.generation()  # type: ignore[attr-defined]
        if generation == self._generation:
            return
        texts, titles = [], set()
        for article in self.catalog.iter_articles():  # type: ignore[attr-defined]
            texts.append(article.article.text)
            titles.add(article.title)
        # Query words are compared after normalisation; statutes are printed in simplified characters already.
        self._articles = tuple(text.lower() for text in texts)
        self._text = "\n".join([*(title.lower() for title in titles), *self._articles])
        self._articles_using, self._in_text = {}, {}
        self.titles = tuple(sorted(titles))
        self.scope = scope_words(titles)
        self.standards = frozenset(_standard_key(m) for m in _STANDARD.finditer(self._text))
        self._generation = generation

    def unknown_standards(self, question: str) -> list[str]:
        """Return the national or sector standards a question names by number (GB/T 22239-2019) that no text of the
        library mentions: their clauses are not in it, whatever its regulations say about the subject."""
        self.refresh()
        found = [match.group(0).upper() for match in _STANDARD.finditer(normalize_text(question).lower())
                 if _standard_key(match) not in self.standards]
        return list(dict.fromkeys(found))

    def in_subject(self, question: str) -> bool:
        """Return True when the question speaks of the library's subject: a word of its titles or vocabulary
        tables, an everyday word the tables map, or a term of art of its texts (涉密笔记本…)."""
        self.refresh()
        return in_scope(question, self.scope) or any(
            is_term_of_art(word, self._count_articles_using(word), len(self._articles))
            for word in subject_words(question, self.titles))

    def names_a_text(self, question: str) -> bool:
        """Return True when the question names a regulation of the library (密码法, 《数据安全法》, 个保法)."""
        self.refresh()
        text = expand_aliases(question)
        return any(len(name) >= 3 and name in text for name in library_names(self.titles))

    def _count_articles_using(self, word: str) -> int:
        if word not in self._articles_using:
            self._articles_using[word] = sum(1 for text in self._articles if word in text)
        return self._articles_using[word]

    def _occurs(self, word: str) -> bool:
        if word not in self._in_text:
            self._in_text = {} if len(self._in_text) >= _WORD_MEMORY else self._in_text
            self._in_text[word] = word in self._text
        return self._in_text[word]

    def known_share(self, question: str) -> float:
        """Return the share of the question's subject words found somewhere in the corpus (1.0 for none).

        An unknown piece jieba cut off a verb (要存, 内要: one character beside a form character) is left out.
        """
        self.refresh()
        cut = subject_words(question, self.titles)
        known = {word: self._occurs(word) or _is_everyday_word(word) for word in cut}
        words = [word for word in cut if known[word] or len(set(word) - FORM_CHARACTERS) >= 2]
        if not words:
            return 1.0
        return sum(1 for word in words if known[word]) / len(words)


def _standard_key(match: re.Match[str]) -> str:
    """Return a standard's series and number (gb/t 22239 and GB/T 22239-2019 are one standard)."""
    series = re.sub(r"[\s\d]", "", match.string[match.start() : match.start(1)])
    return f"{series}{match.group(1)}"


def unknown_regulations(question: str, titles: Iterable[str]) -> list[str]:
    """Return regulation names in the question (…办法, …条例, …细则) that match no title of the library.

    A name within one character of a title, or sharing most of its wording, counts as that title (typos).
    """
    known = library_names(titles)
    text = expand_aliases(question)
    found = []
    for match in QUOTED_TITLE.finditer(text):
        name = _short_title(match.group(1))
        if not any(title in name or _resembles(name, title) for title in known if len(title) >= 2):
            found.append(match.group(1).strip())
    text = QUOTED_TITLE.sub("，", text)
    for name in sorted(known, key=len, reverse=True):
        if len(name) >= 2:
            text = text.replace(name, "，")
    for match in _REGULATION_NAME.finditer(text):
        if _OWN_UNIT.search(_CITED_BY.sub("", match.group(1))):
            continue
        name = _NAME_LEAD.sub("", match.group(1)) + match.group(2)
        # 档案法 is a whole title; …办法 or …条例 needs a subject of four characters (not 这个办法).
        stem = 0 if match.group(2).endswith("法") and match.group(2) != "办法" else 4
        if len(name) - len(match.group(2)) >= stem and not any(_resembles(name, title) for title in known):
            found.append(name)
    return list(dict.fromkeys(found))


def library_names(titles: Iterable[str]) -> set[str]:
    """Return the names a question may give the library's regulations: short titles and their abbreviations."""
    known = {_short_title(t) for t in titles if t}
    return known | {alias for alias, target in _abbreviations().items() if target in known}


def _resembles(name: str, title: str) -> bool:
    """Return True when name is title with a typo (of shape or of sound: 时间报告 for 事件报告), an abbreviation of
    it, or shares most of its bigrams."""
    if _resembles_in_shape(name, title):
        return True
    # By sound only a longer name: 档案法 and 网安法 are one sound apart and two different laws.
    sounds = same_sound_key(name), same_sound_key(title)
    return sounds[0] == sounds[1] or (len(name) >= 5 and _resembles_in_shape(*sounds))


def _resembles_in_shape(name: str, title: str) -> bool:
    if len(name) == len(title) and sum(a != b for a, b in zip(name, title, strict=True)) <= 1:
        return True
    rest = iter(title)
    if len(name) >= 4 and all(char in rest for char in name):
        return True  # 事件报告办法: the title's characters in order, some left out
    grams = {name[i : i + 2] for i in range(len(name) - 1)}
    title_grams = {title[i : i + 2] for i in range(len(title) - 1)}
    return bool(grams) and len(grams & title_grams) / len(grams) >= 0.75


@functools.lru_cache(maxsize=1)
def _abbreviations() -> dict[str, str]:
    """Return the lookup module's alias table (alias -> short title)."""
    from assistant.language.vocabulary import load_abbreviations

    return load_abbreviations()


def _is_everyday_word(word: str) -> bool:
    """Return True for an everyday word the vocabulary maps to statutory ones (日志, 手机号, 指纹, 拷走).

    Such a word is absent from the statutes by nature: counting it unknown would decline a question for being
    colloquial, not for lying outside the library.
    """
    from assistant.language.vocabulary import everyday_concepts, expand_colloquial

    return expand_colloquial(word) != normalize_text(word).lower() or bool(everyday_concepts(word))


def subject_words(question: str, titles: Iterable[str] = ()) -> list[str]:
    """Return the question's words (jieba) that name its subject: no titles, references or question words."""
    text = _without_titles(expand_aliases(question), titles)
    stop = set(STOP_PHRASES)
    return [w for w in (w.strip() for w in plain_jieba().cut(text)) if len(w) >= 2 and w not in stop
            and CONTENT_CHARACTER.search(w)]


def _without_titles(text: str, titles: Iterable[str]) -> str:
    """Return text with regulation titles and article references blanked out."""
    for title in sorted({_short_title(t) for t in titles if t}, key=len, reverse=True):
        if len(title) >= 3:
            text = text.replace(title, " ")
    return _ARTICLE_REF.sub(" ", text)


def expand_aliases(text: str) -> str:
    """Return normalised text with the abbreviations officials use replaced by the statutes' words."""
    text = normalize_text(text).lower()
    for short, full in sorted(ALIASES.items(), key=lambda kv: -len(kv[0])):
        if short != full:
            text = text.replace(short, full)
    return text


def query_terms(question: str, titles: Iterable[str] = ()) -> dict[str, float]:
    """Return the subject bigrams of a question with their weights (generic legal words weigh less).

    Titles of regulations named in the question and article references are removed: they say where to
    look, not what is asked.
    """
    text = _without_titles(expand_aliases(question), titles)
    for phrase in sorted(STOP_PHRASES, key=len, reverse=True):
        text = text.replace(phrase, " ")
    terms: dict[str, float] = {}
    for run in NOT_CONTENT.split(text):
        grams = [run[i : i + 2] for i in range(len(run) - 1)] if len(run) > 1 else []
        for gram in grams:
            terms[gram] = _GENERIC_WEIGHT if gram in GENERIC_BIGRAMS else 1.0
    return terms


def coverage(terms: dict[str, float], text: str) -> float:
    """Return the weighted share of question terms found in text (1.0 when there are no terms)."""
    total = sum(terms.values())
    if not total:
        return 1.0
    haystack = expand_aliases(text)
    return sum(weight for gram, weight in terms.items() if gram in haystack) / total


def article_text(article: StoredArticle) -> str:
    """Return the text an article is matched on: its title, headings, clause title and paragraphs."""
    parts = [article.title, *article.article.headings, article.article.clause_title or "", article.article.text]
    return "\n".join(p for p in parts if p)


def best_coverage(question: str, retrieval: RetrievalResult, depth: int = 3) -> float:
    """Return the highest query-term coverage among the top retrieved articles."""
    hits = retrieval.hits[:depth]
    if not hits:
        return 0.0
    terms = query_terms(question, titles=[h.article.title for h in retrieval.hits])
    return max(coverage(terms, article_text(h.article)) for h in hits)


def decision_score(
    evidence: float, cover: float, known: float = 1.0, weights: tuple[float, float, float] | None = None
) -> float:
    """Return the combined score the decline threshold applies to."""
    w_evidence, w_cover, w_known = weights or (EVIDENCE_WEIGHT, COVERAGE_WEIGHT, VOCABULARY_WEIGHT)
    total = w_evidence + w_cover + w_known
    return (w_evidence * evidence + w_cover * cover + w_known * known) / total if total else evidence


@dataclass(frozen=True)
class Thresholds:
    """Decline below `terse`; a question that tells a situation in the library's subject, or follows up on one,
    declines only below `situation`: its many everyday words lower the evidence without leaving the subject."""

    terse: float
    situation: float | None = None
    situation_chars: int = 20


def decide(
    question: str, retrieval: RetrievalResult, threshold: float | Thresholds,
    vocabulary: CorpusVocabulary | None = None, *, follow_up: bool = False,
) -> Decision:
    """Return whether the corpus is too silent on the question to answer it."""
    limits = threshold if isinstance(threshold, Thresholds) else Thresholds(threshold)
    if retrieval.lookups:
        # A reference to an article is answered by it, or by saying that it does not exist.
        return Decision(False, 1.0, 1.0, 1.0, "direct reference")
    query = retrieval.standalone_query or question
    if vocabulary is not None:
        vocabulary.refresh()
        missing = unknown_regulations(query, vocabulary.titles) + vocabulary.unknown_standards(query)
        if missing:
            reason = "names regulations the library lacks: " + "、".join(missing)
            return Decision(True, 0.0, retrieval.evidence, 0.0, reason, 0.0, tuple(missing))
    if not retrieval.hits:
        return Decision(True, 0.0, retrieval.evidence, 0.0, "nothing retrieved")
    if not has_content(query):
        # 「？？？」: nothing to search for; whatever was found is chance, and it names no word the library lacks.
        return Decision(True, 0.0, retrieval.evidence, 0.0, "no words to search for")
    cover = best_coverage(query, retrieval)
    if vocabulary is not None:
        # A version question's 新旧/旧法/原文 name the texts, which the library holds, not a subject it lacks.
        known = vocabulary.known_share(without_version_words(query) if retrieval.versions else query)
        score = decision_score(retrieval.evidence, cover, known)
    else:
        # Without the catalog there is no vocabulary: the other parts decide, in the same proportion.
        known = 1.0
        score = decision_score(retrieval.evidence, cover, weights=(EVIDENCE_WEIGHT, COVERAGE_WEIGHT, 0.0))
    unmet = unmet_answer_type(query, retrieval)
    if unmet:
        # However close the articles' subject, they do not give what is asked (测评收费, 哪家厂商, 多少天).
        reason = f"asks for {unmet}, which no top article gives"
        return Decision(True, score, retrieval.evidence, cover, reason, known, unmet_answer=unmet)
    # A question every subject word of which the library uses (「网络安全谁牵头管？」), or naming one of its regulations
    # (「密码法啥时候开始施行的？」), is inside its subject however terse: like a situation told in it, it declines only
    # on far weaker evidence.
    situation = limits.situation is not None and (follow_up or (vocabulary is not None and (
        known >= 1.0 or vocabulary.names_a_text(query))) or (
        len(question) >= limits.situation_chars and vocabulary is not None and vocabulary.in_subject(query)))
    limit = limits.situation if situation and limits.situation is not None else limits.terse
    reason = (f"score={score:.3f} threshold={limit:.3f}{' (situation)' if situation else ''} "
              f"evidence={retrieval.evidence:.3f} coverage={cover:.3f}")
    return Decision(score < limit, score, retrieval.evidence, cover, reason, known)


def covered_topics(retrieval: RetrievalResult, limit: int = 3) -> list[str]:
    """Return 《title》第N条 (chapter) of the top retrieved articles, to say what the corpus does cover."""
    topics: list[str] = []
    for hit in retrieval.hits:
        article = hit.article
        chapter = article.article.headings[0] if article.article.headings else ""
        chapter = re.sub(r"\s+", " ", chapter).strip()
        label = f"《{article.title}》{article.article.label}" + (f"（{chapter}）" if chapter else "")
        if label not in topics:
            topics.append(label)
        if len(topics) >= limit:
            break
    return topics


def _short_title(title: str) -> str:
    """Return the title as a question would name it: normalised, without 中华人民共和国 or notes."""
    return normalize_title(title).lower()
