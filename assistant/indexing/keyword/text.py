"""Keyword-index text handling: Chinese tokenisation (character bigrams + jieba words) and query terms."""

from __future__ import annotations

import re

from assistant.language.segmentation import legal_tokenizer
from assistant.language.textnorm import normalize_text

TOKENIZER_MODES = ("bigram", "jieba", "hybrid")
_RUNS = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+(?:[./-][a-z0-9]+)*")
# Question words carry no legal content; as bigrams they would match random articles.
_QUERY_NOISE = re.compile(
    r"请问|什么|怎么|怎样|如何|哪些|哪个|哪里|是否|有没有|能不能|可不可以|可以吗|吗|呢|吧|一下|我们|我"
)


def tokenize(text: str, mode: str = "hybrid") -> list[str]:
    """Return the terms of normalised text: character bigrams, jieba words, or bigrams plus long words."""
    text = normalize_text(text).lower()
    terms: list[str] = []
    for run in _RUNS.findall(text):
        if not ("\u3400" <= run[0] <= "\u9fff"):
            terms.append(run)
            continue
        if mode in ("bigram", "hybrid"):
            if len(run) > 1:
                terms.extend(run[i : i + 2] for i in range(len(run) - 1))
            else:
                terms.append(run)
        if mode in ("jieba", "hybrid"):
            words = legal_tokenizer().lcut_for_search(run) if len(run) > 1 else [run]
            # In hybrid mode two-character words are already bigrams; only longer words add information.
            terms.extend(w for w in words if mode == "jieba" or len(w) > 2)
    return terms


def query_terms(query: str, mode: str = "hybrid") -> list[str]:
    """Return the distinct terms of a question, question words removed."""
    cleaned = _QUERY_NOISE.sub(" ", normalize_text(query).lower())
    return list(dict.fromkeys(tokenize(cleaned, mode)))
