"""Version questions: bring each found article's counterpart in the other versions of its document into the results.

「旧法第六十八条罚十万到五十万，新法对应条款罚多少？」 needs both texts: the article found and the one that
replaced it, which usually carries another number (网络安全法 2016 第六十八条 is 2025 第六十九条). The pairs come
from the alignment stored when the versions were ingested (assistant.corpus.alignment_store), so a question
pays a few small catalog reads. An article number the question names is looked up in the version its words
point at (旧法/原来/2016年 -> the older text, 新法/现行/修正后 -> the text in force), or in every version when
they point at none; the pairs most like the question come first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from assistant.corpus import alignment_store
from assistant.corpus.catalog import Catalog
from assistant.corpus.versions import PART
from assistant.language.dates import event_dates, without_event_dates
from assistant.language.numerals import (
    CN_NUMERAL,
    CN_SMALL_NUMERAL,
    NUMERAL_PATTERN,
    chinese_to_int,
    parse_article_label,
)
from assistant.language.textnorm import normalize_text
from assistant.language.typos import same_sound_key
from assistant.language.version_cues import (
    CURRENT_TEXT_NEAR_NUMBER,
    NUMBER_CUE_WINDOW,
    OLD_TEXT_NEAR_NUMBER,
    OLD_TEXT_WORDS,
)
from assistant.records import DocumentVersion, Hit, StoredArticle, VersionLink
from assistant.retrieval import amendment_overview, version_follow
from assistant.retrieval.crossref import is_penalty_article

logger = logging.getLogger(__name__)

# A fine that went up or down (「平台不删违法信息，罚款涨了吗」) went so between two texts.
_FINE_CHANGED = r"(?:罚款|罚金|罚则|处罚|金额|上限|额度).{0,6}(?:涨|提高了|加重了|降低了|调高|调低|减轻了)"
# Words that name the texts or their change, not a question's subject: no statute prints them.
_TEXT_AND_CHANGE = r"新旧|新老|原条|新法|修改|修正|修订|变了|变化|还一样|还在吗|还有吗|现为|原先|原来"
# Words that speak of the versions themselves; comparing two laws (关基条例和网安法说法一样吗) or a time limit
# (之前、以前) is not a version question, nor a page that was altered (首页被人改了, 网站被篡改了), a flaw put
# right (整改了) or an app's 新版本.
_CHANGE = re.compile(
    rf"(?<!被)(?<!被人)(?<![篡涂整删批])改了|{OLD_TEXT_WORDS}|{_TEXT_AND_CHANGE}|新版(?!本)|修法|"
    r"对应条|(?:以前|之前).{0,40}现在|变没变|有没有变|改没改|改完|(?:19|20)\d{2}[年版]|[老旧](?:规定|条文|文件|法)|"
    rf"{_FINE_CHANGED}|有没有调整|调整了吗|有无调整|"
    # 「现行网安法第六十九条以前是第几条」「老文件引用的第四十七条现在是第几条」: a number asked for in the other text.
    r"现行.{0,24}(?:以前|之前|原来)|(?:以前|之前)(?:是|在|叫)(?:第|哪)|第.{1,8}条.{0,24}现在.{0,10}(?:第几|哪一?条)"
)
# The words of a version question (新旧, 旧法, 原文) must not count as words the library lacks.
_VERSION_WORDS = re.compile(rf"{OLD_TEXT_WORDS}|{_TEXT_AND_CHANGE}|新版|改了|对应")
# 修证, 修政 (pinyin slips of 修正) are read as the word of the same sound; only these change words are looked
# for by sound, since a sound key of every word would confuse unrelated ones.
_CHANGE_BY_SOUND = ("修正", "修订", "修改")
# 第二十一条, 第21条, and 网安法21条 (no 第 right after a title).
_NUMBERED = re.compile(
    rf"(?:第|(?<=法))\s*({NUMERAL_PATTERN})\s*条(?:\s*之\s*([{CN_SMALL_NUMERAL}]+))?")
_YEAR = re.compile(r"((?:19|20)\d{2})[年版]")
_CITES = re.compile(rf"本法第([{CN_NUMERAL}]+)条")
# A link status beside the alignment's: a deleted article whose subject moved into an article of the newer text
# (found through what both texts cite), not paired by wording.
MOVED = "moved"
_CITED = 2  # cited articles of an added article whose pairs are brought in
SOURCES = 3  # hits whose counterparts are brought in: the first of an amended document's ...
_LOOK_AT = 8  # ... among this many (other regulations may rank first: 关基条例 before 网络安全法)


def is_version_question(query: str) -> bool:
    """Return True when a question asks about a change, an old text or an old article number."""
    text = normalize_text(query)
    if _CHANGE.search(text):
        return True
    heard = same_sound_key(text)
    return any(same_sound_key(word) in heard for word in _CHANGE_BY_SOUND)


# Words that can only mean the texts of an amended law (旧法, 原文, 2016年版, 罚款涨了); 变化, 原来 or 修改 also
# speak of systems and records (「系统发生较大变化」「要求修改个人信息」).
_TEXTS_NAMED = re.compile(
    r"新旧|新老|旧法|旧版|老版|原法|原版|原文|新法|新版(?!本)|修正|修订|修法|(?:19|20)\d{2}年版|" + _FINE_CHANGED
)


def names_the_texts(query: str) -> bool:
    """Return True when a question speaks of an amended law's texts themselves (旧法个人信息罚则原文)."""
    return bool(_TEXTS_NAMED.search(normalize_text(query)))


def without_version_words(query: str) -> str:
    """Return the question without the words that speak of versions (「境外机构攻击，新旧法规定有何不同」 -> its
    subject)."""
    return _VERSION_WORDS.sub(" ", normalize_text(query))


def names_article(query: str, article: StoredArticle) -> bool:
    """Return True when the question names the article's number (第七十一条, 第71条)."""
    for match in _NUMBERED.finditer(normalize_text(query)):
        try:
            if chinese_to_int(match.group(1)) == article.article.number:
                return True
        except ValueError:
            continue
    return False


def relevance(query: str, *articles: StoredArticle | None) -> float:
    """Return the share of the question's character bigrams found in the articles' texts."""
    grams = {query[i:i + 2] for i in range(len(query) - 1)}
    text = "".join(a.article.text for a in articles if a is not None)
    return sum(1 for g in grams if g in text) / len(grams) if grams else 0.0


class VersionLinker:
    """Adds other-version counterparts to the hits of a version question."""

    def __init__(self, catalog: object) -> None:
        # Only the SQLite catalog stores alignments; an in-memory catalog (tests, seams) has no versions to pair.
        self.catalog = catalog if isinstance(catalog, Catalog) else None

    def link(
        self, query: str, hits: Sequence[Hit], versions: dict[str, DocumentVersion], mentioned: set[str],
        named_spans: Sequence[tuple[int, int]] = (),
    ) -> tuple[tuple[Hit, ...], tuple[VersionLink, ...]]:
        """Return the hits with counterparts placed after their articles, and the pairs found.

        mentioned holds the doc ids the question names, named_spans where it names them; versions are the
        catalog's ready versions by id. A question about the amendment as a whole gets its added, deleted and
        amended articles instead (amendment_overview).
        """
        if self.catalog is None:
            return tuple(hits), ()
        multi = _amended(versions)
        if multi and (whole := amendment_overview.overview(self.catalog, query, multi, mentioned, named_spans)):
            return whole
        if not is_version_question(query):
            return tuple(hits), ()
        text = normalize_text(query)
        if not _asked_of_versions(text, multi, mentioned):
            return tuple(hits), ()
        named, meant = self._named_articles(text, multi, mentioned)
        # 「原来网安法第六十六条」: the lookup read the number in the text in force; the old text was meant.
        misread = {h.article.key for h in hits if h.via == "lookup" and h.article.doc_id in meant
                   and h.article.version_id not in meant[h.article.doc_id]}
        hits = [h for h in hits if h.article.key not in misread] + [h for h in hits if h.article.key in misread]
        # Near-equal scores (a follow-up folded into the query) do not say which article is meant; the question does.
        def liking(article: StoredArticle) -> float:
            return relevance(text, article, *(self._counterparts(article) if article.doc_id in multi else []))

        hits = version_follow.order_by_question(version_follow.break_ties(hits, liking), set(multi), liking)
        found = [h.article for h in hits[:_LOOK_AT] if h.article.doc_id in multi and h.article.key not in misread]
        found = found[:SOURCES]
        listed = self._listed(text, multi, mentioned)
        # Pairs by the article that led to them: its own counterparts, and for an added article the pairs of
        # the articles it cites (a new penalty for 第二十五条 leads to 2016 第二十三条, the duty it enforces).
        by_source = {article.key: self._links_of(article) for article in dict.fromkeys([*named, *found])}
        by_source.update({x.article.key: [x] for x in listed})
        for group in by_source.values():  # 「境外存储…以前罚多少」: of the merged articles, the one asked about first
            group.sort(key=lambda x: -relevance(text, x.counterpart) if x.status in (MOVED, PART) else -2.0)
        if version_follow.asks_about_penalty(text):
            for source in [*named, *found]:
                by_source[source.key] += self._penalty_links(source)
        links = [x for group in by_source.values() for x in group]
        # Named articles lead, the pair most like the question first; found ones keep retrieval's order.
        best = {a.key: relevance(text, a, *(x.counterpart for x in by_source[a.key])) for a in named}
        lead = sorted(named, key=lambda a: -best[a.key])
        ordered: list[Hit] = []
        seen: set[str] = set()
        score = {h.article.key: h for h in hits}

        def add(article: StoredArticle | None, via: str, like: Hit | None) -> None:
            if article is None or article.key in seen:
                return
            seen.add(article.key)
            # An article retrieval found keeps its hit; a counterpart ranks with the article that led to it.
            ordered.append(score.get(article.key) or Hit(article, like.score if like else 1.0, via=via))

        def add_pairs(source: StoredArticle, like: Hit | None) -> None:
            for x in by_source.get(source.key, ()):
                add(x.article, "cited", like)
                add(x.counterpart, "counterpart", like)

        for link in listed:
            add(link.article, "listed", None)
        for article in lead:
            add(article, "lookup", None)
            add_pairs(article, score.get(article.key))
        for hit in hits:
            add(hit.article, hit.via, hit)
            add_pairs(hit.article, hit)
        place = {o.article.key: index for index, o in enumerate(ordered)}
        links.sort(key=lambda x: place[x.article.key])
        logger.info("version question: pairs=%d named=%d", len(links), len(named))
        return tuple(ordered), tuple(links)

    def asks_about_versions(self, query: str, versions: dict[str, DocumentVersion], mentioned: set[str]) -> bool:
        """Return True when a question is answered from several versions of an amended document.

        A question dating an act that falls within the text in force (「今年（2026年）3月…」) is asked of that text
        alone, like any other question.
        """
        return is_version_question(query) and _asked_of_versions(normalize_text(query), _amended(versions), mentioned)

    def _links_of(self, article: StoredArticle, *, follow_citations: bool = True) -> list[VersionLink]:
        """Return the article's counterparts in its document's other versions (and, if added, its cited ones')."""
        assert self.catalog is not None
        rows = alignment_store.counterparts(self.catalog, article.version_id, article.ordinal)
        keys = [f"{r.version.version_id}#{r.ordinal}" for r in rows if r.ordinal is not None]
        stored = self.catalog.articles_by_keys(keys)
        links = [
            VersionLink(article, stored.get(f"{r.version.version_id}#{r.ordinal}") if r.ordinal is not None else None,
                        r.version.version_id, alignment_store.version_date(r.version), r.status, r.similarity)
            for r in rows
        ]
        older = [r.version for r in rows
                 if r.ordinal is None and alignment_store.version_date(r.version) < (article.version or "")]
        merged = self._merged_from(article, older[0]) if older and follow_citations else []
        if merged:  # 2025 第七十一条 took in 2016 第六十四、六十六、七十条: those are its earlier text
            links = [x for x in links if x.counterpart is not None or x.other_version_id != older[0].version_id]
            # In the older text's order; an item the alignment traced (a part pair) before the same article's
            # pair by citations, which says less.
            links = sorted([*links, *merged], key=lambda x: (x.counterpart.ordinal if x.counterpart else -1,
                                                             x.status == MOVED))
        elif older and follow_citations:
            for cited in self._cited(article)[:_CITED]:
                links += [x for x in self._links_of(cited, follow_citations=False) if x.counterpart is not None]
        gone = [r.version for r in rows if r.ordinal is None and alignment_store.version_date(r.version)
                > (article.version or "")]
        moved = self._moved_into(article, gone[0]) if gone and follow_citations else []
        if moved:  # the subject went somewhere: say where instead of "no counterpart"
            links = [x for x in links if x.counterpart is not None or x.other_version_id != gone[0].version_id]
        return links + moved

    def _counterparts(self, article: StoredArticle) -> list[StoredArticle]:
        """Return the article's counterparts in its document's other versions."""
        return [x.counterpart for x in self._links_of(article, follow_citations=False) if x.counterpart]

    def _penalty_links(self, duty: StoredArticle) -> list[VersionLink]:
        """Return the pairs of the penalty articles enforcing a duty, for a question about its punishment."""
        if is_penalty_article(duty):
            return []
        assert self.catalog is not None
        return [x for penalty in version_follow.enforcing_articles(self.catalog, duty)[:1]
                for x in self._links_of(penalty, follow_citations=False)]

    def _listed(self, text: str, multi: dict[str, list[DocumentVersion]], mentioned: set[str]) -> list[VersionLink]:
        """Return the added (deleted) articles a 「新增了哪些条文」 question asks for, from the stored alignment."""
        kind = version_follow.asks_for_list(text)
        targets = [doc for doc in multi if doc in mentioned] or (list(multi) if len(multi) == 1 else [])
        if kind is None or len(targets) != 1:
            return []
        assert self.catalog is not None
        return version_follow.listed_links(self.catalog, multi[targets[0]], kind)

    def _merged_from(self, article: StoredArticle, older: DocumentVersion) -> list[VersionLink]:
        """Return the older text's deleted articles whose subject moved into an added article (see _moved_into)."""
        assert self.catalog is not None
        newer = self.catalog.version(article.version_id)
        deleted = [p.old_ordinal for p in alignment_store.hop(self.catalog, older.version_id, newer.version_id)
                   if p.new_ordinal is None and p.old_ordinal is not None]
        stored = self.catalog.articles_by_keys([f"{older.version_id}#{o}" for o in deleted])
        found = []
        for gone in stored.values():
            moved = self._moved_into(gone, newer)
            if moved and moved[0].counterpart is not None and moved[0].counterpart.key == article.key:
                found.append(VersionLink(article, gone, older.version_id, alignment_store.version_date(older),
                                         MOVED, 0.0))
        return sorted(found, key=lambda x: x.counterpart.article.number if x.counterpart else 0)

    def _moved_into(self, article: StoredArticle, newer: DocumentVersion) -> list[VersionLink]:
        """Return where a deleted article's subject went: the newer text's articles citing what it cited.

        An article rewritten into another (2016 第六十六条, on 第三十七条's data leaving the country, folded into
        2025 第七十一条, which cites 第三十九条) shares too few characters to pair by text, but the duties it
        enforces pair across the versions; the newer article that cites their counterparts took its place.
        """
        assert self.catalog is not None
        mapped = {
            number for cited in self._cited(article)
            for r in alignment_store.counterparts(self.catalog, cited.version_id, cited.ordinal)
            if r.version.version_id == newer.version_id and r.label
            for number, suffix in [parse_article_label(r.label)] if suffix == 0
        }
        if not mapped:
            return []
        # Numbers read from each candidate's text: one pass over the newer version, no catalog read per candidate.
        shared = [(len(mapped & (set(_cited_numbers(candidate)) - {candidate.article.number})), candidate)
                  for candidate in self.catalog.articles(newer.version_id)]
        overlap, best = max(shared, key=lambda item: item[0], default=(0, None))
        if best is None or overlap == 0:
            return []
        return [VersionLink(article, best, newer.version_id, alignment_store.version_date(newer), MOVED, 0.0)]

    def _cited(self, article: StoredArticle) -> list[StoredArticle]:
        """Return the articles of the same version that an article cites as 本法第N条."""
        by_number = {a.article.number: a for a in self.catalog.articles(article.version_id)  # type: ignore[union-attr]
                     if a.article.suffix == 0}
        return [by_number[n] for n in _cited_numbers(article) if n in by_number and n != article.article.number]

    def _named_articles(self, text: str, multi: dict[str, list[DocumentVersion]],
                        mentioned: set[str]) -> tuple[list[StoredArticle], dict[str, set[str]]]:
        """Return the articles a question's 第N条 names in documents with several versions, and the versions meant.

        The versions meant map a doc id to the version ids its numbers were read in.
        """
        targets = [doc for doc in multi if doc in mentioned]
        if not targets and not mentioned and len(multi) == 1:
            targets = list(multi)  # 「旧法第六十八条」 with one amended document in the corpus
        found: list[StoredArticle] = []
        meant: dict[str, set[str]] = {}
        for match in _NUMBERED.finditer(text):
            try:
                number = chinese_to_int(match.group(1))
                suffix = chinese_to_int(match.group(2)) if match.group(2) else 0
            except ValueError:
                continue
            before = text[max(0, match.start() - NUMBER_CUE_WINDOW):match.start()]
            for doc in targets:
                for version in _versions_meant(before, multi[doc]):
                    meant.setdefault(doc, set()).add(version.version_id)
                    found += [a for a in self.catalog.articles(version.version_id)  # type: ignore[union-attr]
                              if (a.article.number, a.article.suffix) == (number, suffix)]
        return list(dict.fromkeys(found)), meant


def _amended(versions: dict[str, DocumentVersion]) -> dict[str, list[DocumentVersion]]:
    """Return the ready versions of each document that has several, by doc id."""
    by_doc: dict[str, list[DocumentVersion]] = {}
    for version in versions.values():
        by_doc.setdefault(version.doc_id, []).append(version)
    return {doc: vs for doc, vs in by_doc.items() if len(vs) > 1}


def _asked_of_versions(text: str, multi: dict[str, list[DocumentVersion]], mentioned: set[str]) -> bool:
    """Return True when a version question (normalised text) is answered from several versions of the amended
    documents multi holds: there are some, and the question does not date an act within the text in force."""
    return bool(multi) and not _asks_only_the_text_in_force(text, multi, mentioned)


def _asks_only_the_text_in_force(text: str, multi: dict[str, list[DocumentVersion]], mentioned: set[str]) -> bool:
    """Return True when the only version cue is the date of an event on or after the text in force took effect.

    「今年（2026年）3月…中了勒索病毒…按现行网安法…罚多少」 is answered by the 2025 text alone: the act falls within
    it, so the earlier text is not asked about. An act dated before (「2025年10月网站被攻击…按修改前还是修改后」)
    still brings both texts.
    """
    dates = event_dates(text)
    if not dates or is_version_question(without_event_dates(text)):
        return False
    docs = [doc for doc in multi if doc in mentioned] or list(multi)
    for doc in docs:
        current = [v for v in multi[doc] if v.is_current]
        since = current[0].meta.effective_date if current else None
        if not since or min(dates) < since[:7]:
            return False
    return True


def _cited_numbers(article: StoredArticle) -> list[int]:
    """Return the article numbers a text cites as 本法第N条, each once, in order."""
    numbers = []
    for match in _CITES.finditer(article.article.text):
        try:
            numbers.append(chinese_to_int(match.group(1)))
        except ValueError:
            continue
    return list(dict.fromkeys(numbers))


def _versions_meant(before: str, versions: Sequence[DocumentVersion]) -> list[DocumentVersion]:
    """Return the versions the words just before 第N条 point at: a year, the old text, the text in force, or all."""
    ordered = sorted(versions, key=alignment_store.version_date)
    current = [v for v in ordered if v.is_current] or ordered[-1:]
    year = _YEAR.findall(before)
    if year:
        dated = [v for v in ordered if alignment_store.version_date(v).startswith(year[-1])]
        if dated:
            return dated
    if OLD_TEXT_NEAR_NUMBER.search(before):
        older = [v for v in ordered if alignment_store.version_date(v) < alignment_store.version_date(current[-1])]
        return older[-1:] or ordered[:1]
    if CURRENT_TEXT_NEAR_NUMBER.search(before):
        return current[-1:]
    return ordered
