"""jieba, loaded once per process in the two forms the package cuts Chinese with.

Each jieba dictionary costs a second to load and tens of megabytes held: the keyword index and the typo reader
share the one with the legal terms, the decline rule and the library's subject the plain one.
"""

from __future__ import annotations

import functools
import logging

from assistant.language.vocabulary import LEGAL_TERMS_FILE


@functools.lru_cache(maxsize=1)
def plain_jieba():  # type: ignore[no-untyped-def]
    """Return the jieba module with its own dictionary (loaded on first use)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


@functools.lru_cache(maxsize=1)
def legal_tokenizer():  # type: ignore[no-untyped-def]
    """Return a jieba tokenizer that also knows the terms of art (个人信息处理者, 网络运营者) as words."""
    tokenizer = plain_jieba().Tokenizer()
    tokenizer.load_userdict(str(LEGAL_TERMS_FILE))  # initialises the dictionary, then adds the terms
    return tokenizer
