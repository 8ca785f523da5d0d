"""The library's subject: a question about it may be worded far from the statutes and still be answered.

Its words come from the library itself (the words of its titles: 数据, 个人信息, 密码, 关键信息基础设施 …) and
from the vocabulary tables (terms of art, officials' shorthand, the everyday words the concept table maps), so a
maintainer who adds a labour law widens the subject to 劳动合同 without editing anything. The library's texts add
their own terms of art: words several of its articles use that few documents of Chinese law at large do (涉密,
沉迷 in this library; 证据 and 投诉 are every law's words).
"""

from __future__ import annotations

from collections.abc import Iterable

from assistant.language.segmentation import plain_jieba
from assistant.language.textnorm import normalize_text, normalize_title
from assistant.language.vocabulary import (
    background_documents,
    background_frequency,
    everyday_concepts,
    load_abbreviations,
    load_aliases,
    load_legal_terms,
)

# Words that name a kind of text, an act or a sanction of any field of law, not this library's subject.
_FORM_WORDS = frozenset(
    "中华人民共和国 管理 办法 规定 条例 暂行 实施 细则 若干 关于 国务院 国家 保护 服务 报告 安全 安全法 法律 决定 "
    "意见 通知 解释 标准 罚款 警告 合同 六个月 评估 国际 在线 保守 关键 联网 推荐 合规 审计 实名 保护法".split()
)

# A term of art of the library: used by at least TERM_MIN_ARTICLES of its articles, and by a share of them at least
# TERM_RATE_RATIO times the share of the lawbook's documents using it (3,449 documents, counted in the background
# table). A document is longer than an article, so an ordinary word's share of documents is the higher: 数据 is used
# by 23 % of the security library's 1,070 articles and 20 % of the documents (not a term), 涉密 by 2.8 % and 1.0 %.
TERM_MIN_ARTICLES = 5
TERM_RATE_RATIO = 1.5


def scope_words(titles: Iterable[str]) -> frozenset[str]:
    """Return the words that place a question inside the library's subject."""
    words = {w for title in titles for w in plain_jieba().cut(normalize_title(title)) if len(w) >= 2}
    words |= set(load_legal_terms()) | set(load_aliases()) | set(load_abbreviations())
    return frozenset(w.lower() for w in words if w not in _FORM_WORDS)


def in_scope(question: str, words: frozenset[str]) -> bool:
    """Return True when the question speaks of the library's subject (a word of it, or an everyday one mapped)."""
    text = normalize_text(question).lower()
    return any(word in text for word in words) or bool(everyday_concepts(text))


def is_term_of_art(word: str, articles_using: int, articles: int) -> bool:
    """Return True for a word the library's own articles use more than Chinese law at large does."""
    background_share = (background_frequency(word) + 1) / background_documents()
    return articles_using >= TERM_MIN_ARTICLES and articles_using / articles >= TERM_RATE_RATIO * background_share
