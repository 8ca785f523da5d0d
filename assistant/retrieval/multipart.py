"""Questions with several parts: 「数安法和关基条例分别怎么规定」 names two regulations, 「另外还受哪些规定约束」
asks beyond the one named. Each part is searched within its own regulations, and the parts' best articles are
interleaved at the head of the list, so one regulation's many close articles cannot push the other's out of
the top five.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.retrieval.fusion import ArticleScore

# A question asking what else applies beyond the regulation it names.
_BEYOND_NAMED = re.compile(
    r"另外|此外|还(?:受|要|得|需|应|有)哪些|还(?:适用|涉及)|其他(?:法规|规定|法律)|别的(?:法规|规定)"
)
OTHER_REGULATIONS = ""  # the part that stands for every regulation the question does not name


def regulation_parts(named: Sequence[str], query: str) -> list[str]:
    """Return one part per regulation named (short titles, in order), plus OTHER_REGULATIONS when the question asks
    beyond a single named one; empty for a question about one regulation or none."""
    names = list(dict.fromkeys(named))
    if len(names) >= 2:
        return names
    if len(names) == 1 and _BEYOND_NAMED.search(query):
        return [names[0], OTHER_REGULATIONS]
    return []


def interleave(main: Sequence[ArticleScore], parts: Sequence[Sequence[ArticleScore]]) -> list[ArticleScore]:
    """Return main's order with the parts' best articles first, one from each part in turn.

    Two parts put their two best each ahead (four of the top five); more parts their best one each.
    """
    depth = 2 if len(parts) <= 2 else 1
    front: list[ArticleScore] = []
    seen: set[str] = set()
    for index in range(depth):
        for part in parts:
            if index < len(part) and part[index].key not in seen:
                front.append(part[index])
                seen.add(part[index].key)
    return front + [entry for entry in main if entry.key not in seen]
