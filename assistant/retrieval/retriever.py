"""Retriever: follow-up rewriting -> direct lookup -> hybrid search (vectors + BM25) -> weighted rank fusion
-> version preference and filters -> penalty cross-references -> evidence."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

from assistant.indexing.indexer import parse_unit_id
from assistant.language.asker import tells_a_state_organ
from assistant.language.negation import compares_with_denied, denied_statuses
from assistant.language.textnorm import normalize_text
from assistant.language.typos import read_slips
from assistant.language.verdict import without_verdict
from assistant.language.vocabulary import expand_colloquial
from assistant.protocols import CatalogReader, SearchIndex
from assistant.records import (
    DocumentVersion,
    RetrievalResult,
    SearchFilters,
)
from assistant.retrieval.conversation import Rewriter, focus_query, regulations_turned_to, standalone_query
from assistant.retrieval.crossref import (
    boost_penalty_articles,
    duty_beside_penalty,
    duty_query,
    is_penalty_article,
    is_penalty_question,
    state_organ_penalty_first,
)
from assistant.retrieval.definitions import classes_asked, terms_asked
from assistant.retrieval.document_facts import facts_hits
from assistant.retrieval.expansion import (
    expansion_groups,
    expansion_terms,
    feedback_terms,
    search_concepts,
)
from assistant.retrieval.fusion import ArticleScore, add_turn_ranks, demote_local, fuse, roll_up, search_evidence
from assistant.retrieval.hits import make_hits
from assistant.retrieval.learned_order import Observer, QuestionFacts, reorder
from assistant.retrieval.lookup import (
    TitleIndex,
    find_references,
    named_in,
    names_version,
    unnamed_reference,
)
from assistant.retrieval.multipart import OTHER_REGULATIONS, interleave, regulation_parts
from assistant.retrieval.order_models import order_for
from assistant.retrieval.outline import outline_hits
from assistant.retrieval.regulation_refs import follow_references
from assistant.retrieval.rerank import RerankStage
from assistant.retrieval.snapshot import CatalogSnapshot, passes_filters
from assistant.retrieval.version_links import VersionLinker, is_version_question, names_the_texts
from assistant.settings import Settings

# A Chroma `where` filter costs about 15 ms whatever its size; over-fetching and filtering by the version
# in the unit id costs 1-4 ms. Filter in Chroma only when the scope is a small part of the corpus.
WHERE_SHARE = 0.2
PENALTY_SOURCE_DEPTH = 10  # found obligations whose penalty articles a penalty question seeks (5 and 20 measured)
DUTY_DEPTH = 3  # duties found by a penalty question's words without its punishment words


class Retriever:
    """Finds the articles that answer a question, the article named first when one is named."""

    def __init__(
        self, settings: Settings, catalog: CatalogReader, indexer: SearchIndex, *, rewrite: Rewriter | None = None,
        rerank: RerankStage | None = None,
    ) -> None:
        self.settings, self.catalog, self.indexer, self.rewrite = settings, catalog, indexer, rewrite
        self.rerank = rerank
        self.order = order_for(settings.embedding) if settings.retrieval.learned_order else None
        self.observe_order: Observer | None = None  # eval/train_order.py reads the candidates' features here
        self._view: CatalogSnapshot | None = None
        self._lock = threading.Lock()
        self._version_linker = VersionLinker(catalog)

    # -- catalog cache -----------------------------------------------------------------------------
    def view(self) -> CatalogSnapshot:
        """Return the cached catalog view, rebuilt when the catalog changed."""
        generation = self.catalog.generation()
        with self._lock:
            if self._view is None or self._view.generation != generation:
                versions = self.catalog.versions(include_history=True)
                self._view = CatalogSnapshot(generation, {v.version_id: v for v in versions}, TitleIndex(versions),
                                             self.catalog)
            return self._view

    # -- scope -------------------------------------------------------------------------------------
    def scope(self, view: CatalogSnapshot, query: str, filters: SearchFilters | None) -> list[str]:
        """Return the versions a question may draw on: filters, then one version per regulation."""
        chosen = [v for v in view.versions.values() if passes_filters(v, filters, view)]
        if filters and filters.current_only:
            return [v.version_id for v in chosen if v.is_current]
        groups: dict[str, list[DocumentVersion]] = {}
        for version in chosen:
            groups.setdefault(view.group_of(version.version_id), []).append(version)
        mentioned = {m.short_title for m in view.titles.mentions(query.lower())}
        wants_version, compares = names_version(query), is_version_question(query)
        allowed: list[str] = []
        for short, members in groups.items():
            if len(members) == 1 or (compares and not wants_version and (short in mentioned or not mentioned)):
                # A question about the change may quote either text (「以前罚五万到五十万，新版还在吗」): search both.
                allowed.extend(m.version_id for m in members)
                continue
            if wants_version and (short in mentioned or not mentioned):
                picked, _ = view.titles.choose_version(short, query.lower())
                if picked.version_id in {m.version_id for m in members}:
                    allowed.append(picked.version_id)
                    continue
            current = [m for m in members if m.is_current]
            keep = current if (self.settings.retrieval.prefer_current and current) else members
            allowed.extend(m.version_id for m in keep)
        return allowed

    # -- retrieval ---------------------------------------------------------------------------------
    def retrieve(self, question: str, history: Sequence[str] = (), filters: SearchFilters | None = None,
                 top_k: int | None = None) -> RetrievalResult:
        """Return the ranked articles for a question (lookups first), penalty links and evidence."""
        top_k = top_k or self.settings.retrieval.top_k
        view = self.view()
        finder, unname = view.regulations_named, view.without_regulation_names
        query = standalone_query(question, history, self.rewrite, find=finder, unname=unname)
        typo_notices: tuple[str, ...] = ()
        if self.settings.retrieval.typo_correction:
            query, typo_notices = read_slips(query, self.indexer.document_frequency)
        denied = denied_statuses(query)
        found = find_references(query, view.titles, view.articles_of)
        # Only an article named in this turn goes first; one carried over from an earlier turn
        # (「…第三十一条讲的什么？」 then 「违反了会怎么处理？」) is context: it leads to its penalty articles.
        lookups = tuple(r for r in found if named_in(r, question))
        if not lookups and not history and (unnamed := unnamed_reference(query, view.titles, view.articles_of)):
            lookups = (unnamed,)  # 「第二十一条讲的什么？」: which regulation's is asked, not a search for 第二十一条
        carried = [r.article.key for r in found if r.article is not None and r not in lookups]
        allowed = self.scope(view, query, filters)
        if denied and not compares_with_denied(query):
            # 「我们不是关基」: a text made for a status the asker denies (关基条例) does not bind them. The status
            # stays searched: an article providing case by case (事件报告办法 第四条) is found by it.
            allowed = [v for v in allowed if v not in view.texts_made_for(denied, query)] or allowed
        if not lookups and (turned_to := regulations_turned_to(question, history, finder, unname)):
            # 「那数据安全法呢？」 asks the last question of that regulation alone: the others answered it already.
            allowed = [v for v in allowed if view.group_of(v) in turned_to] or allowed
        if not allowed:
            return RetrievalResult(question, query, (), lookups)
        if lookups and all(r.article is None for r in lookups):
            # 「数据安全法第九十条（规定的罚款）」: say it does not exist; any other article would mislead.
            return RetrievalResult(question, query, (), lookups)
        if not lookups and (outline := outline_hits(view, query, filters)):
            # 「个保法有几章」「网安法第四章讲什么」: the text's own structure answers, not a search for 几章.
            return RetrievalResult(question, query, outline, top_score=1.0, evidence=1.0)
        if not lookups and (facts := facts_hits(view, query, filters))[0]:
            # 「关基条例还有效吗」「数安法是哪个部门发布的」: the catalog's record of the document answers.
            return RetrievalResult(question, query, facts[0], top_score=1.0, evidence=1.0, documents=facts[1])
        # What a turn asks is also searched apart, lower weighted (a follow-up's own words, a question's asking
        # sentences after its told situation); either search's evidence counts.
        own = focus_query(question, history, finder, unname) if self.settings.retrieval.turn_weight > 0 else ""
        if own and self.settings.retrieval.typo_correction:
            own = read_slips(own, self.indexer.document_frequency)[0]
        own = own if own != query else ""
        duty = duty_query(query) if not lookups and is_penalty_question(query) else ""
        self.indexer.prepare_dense([without_verdict(text) for text in (query, own, duty) if text])
        scores = self._search(view, query, allowed)
        own_scores = self._search(view, own, allowed, concepts=False) if own else {}
        add_turn_ranks(scores, own_scores)
        # Articles the conversation names by number: the duty a penalty question asks about, for certain.
        referenced = [r.article.key for r in lookups if r.article is not None] + carried
        named = list(referenced)
        if history and not lookups and not carried and is_penalty_question(question):
            # An article named earlier is the obligation discussed; else the previous turn's best articles are,
            # searched as it was asked (「要在多长时间内报告？」 alone is about no duty in particular).
            before = standalone_query(history[-1], history[:-1], self.rewrite, find=finder, unname=unname)
            named += self._obligations_before(view, before, allowed)
        # The duty breached, found without the punishment words, leads to the penalty article citing it. Its
        # everyday words are bridged to the statute's as the question's are (没定级也没测评 -> 等级保护); the
        # restated search reuses the duty's vector, so it costs no second embedding.
        duties = [e.key for e in self._rank(view, duty, self._search(view, duty, allowed), (),
                                            set(allowed))[:DUTY_DEPTH]] if duty else []
        ranked = self._rank(view, query, scores, named, set(allowed), duties, referenced)
        mentions = view.titles.mentions(query.lower())
        titles = [m.short_title for m in mentions]
        mentioned = {v.doc_id for k, v in view.versions.items() if view.group_of(k) in titles}
        # A version question's pairs are ordered by the version linker.
        versions_asked = self._version_linker.asks_about_versions(query, view.versions, mentioned)
        if not versions_asked:
            ranked = self._learned_order(view, query, titles, ranked, self.observe_order)
        elif not lookups and names_the_texts(query) and not any(m.exact for m in view.titles.mentions(query.lower())):
            ranked = self._amended_first(view, query, allowed, ranked, named)
        if duties:
            ranked = duty_beside_penalty(ranked, duties, view.penalties_citing)
        if not (lookups or versions_asked) and is_penalty_question(query) and tells_a_state_organ(query):
            ranked = state_organ_penalty_first(ranked, view.state_organ_penalties_of)
        parts = [] if lookups else regulation_parts(titles, query)
        if parts:
            ranked = interleave(ranked, [self._part(view, query, allowed, part, parts, named, not versions_asked)
                                         for part in parts])
        elif not lookups and len(set(titles)) == 1 and titles[0] not in {_group(view, e) for e in ranked[:5]}:
            # The one regulation the question names (「…数安法对机关用数据又有什么约束？」) has its best article second,
            # when the whole question's words found only others.
            ranked = interleave(ranked, [ranked[:1], self._part(view, query, allowed, titles[0], titles, named)[:1]])
        if history and own and not (lookups or parts or titles) and ranked:
            ranked = self._turn_within_topic(view, own, allowed, named, ranked)
        if not lookups and self.settings.retrieval.regulation_references:
            # A question naming its regulations keeps to them: a third one referred to would displace theirs.
            ranked = follow_references(ranked, view.regulation_links(self._idf),
                                       {v for v in allowed if not titles or view.group_of(v) in titles})
        notices: tuple[str, ...] = ()
        if self.rerank is None:
            hits = make_hits(self.catalog, self.settings.retrieval, lookups, ranked, scores, top_k)
        else:
            hits, notice = self.rerank.apply(query, make_hits(self.catalog, self.settings.retrieval, lookups, ranked,
                                                              scores, max(top_k, self.rerank.top_n)))
            hits, notices = hits[:top_k], (notice,) if notice else ()
        spans = [(m.start, m.end) for m in mentions]
        hits, version_links = self._version_linker.link(query, hits, view.versions, mentioned, spans)
        linked = view.linked_penalties(hits)
        # An article the question names by number (in any version) is found for certain.
        resolved = any(r.article is not None for r in lookups) or any(h.via == "lookup" for h in hits)
        top_score = 1.0 if resolved else (hits[0].score if hits else 0.0)
        conf = 1.0 if resolved else max(search_evidence(s, self.settings.retrieval) for s in (scores, own_scores))
        return RetrievalResult(question, query, hits, lookups, linked, top_score, conf, (*typo_notices, *notices),
                               version_links, denied=denied)

    def _idf(self, term: str) -> float:
        return 1.0 / (1.0 + math.log1p(self.indexer.document_frequency(term)))

    def _obligations_before(self, view: CatalogSnapshot, turn: str, allowed: list[str]) -> list[str]:
        """Return the best three articles of the previous turn: 「不做的话有什么后果」 asks for what sanctions them."""
        return [e.key for e in self._rank(view, turn, self._search(view, turn, allowed), (), set(allowed))[:3]]

    def _part(
        self, view: CatalogSnapshot, query: str, allowed: list[str], part: str, parts: list[str], named: Sequence[str],
        learned: bool = False, concepts: bool = True,
    ) -> list[ArticleScore]:
        """Return the ranking of one part of a question: its regulation's articles, or those of the unnamed ones;
        learned, in the learned order as the whole question's ranking is."""
        inside = [v for v in allowed if (view.group_of(v) not in parts if part == OTHER_REGULATIONS
                                         else view.group_of(v) == part)]
        if not inside:
            return []
        ranked = self._rank(view, query, self._search(view, query, inside, concepts=concepts), named, set(inside))
        return self._learned_order(view, query, parts, ranked) if learned else ranked

    def _turn_within_topic(
        self, view: CatalogSnapshot, own: str, allowed: list[str], named: Sequence[str], ranked: list[ArticleScore]
    ) -> list[ArticleScore]:
        """Return ranked with the best article for a follow-up's own words within the regulation the conversation
        leads with (its first article's) second, unless it is in the first five already.

        「网站首页被篡改了，已报给省网信办」 then 「处置完以后还要再交什么材料吗？」: over the whole library, 材料 and
        期限 find other texts' 申报材料; within 事件报告办法, its 第八条 (处置结束后30日内总结报告).
        """
        topic = _group(view, ranked[0])
        asked = self._part(view, own, allowed, topic, [topic], named, concepts=False)
        if not asked or asked[0].key in {e.key for e in ranked[:5]}:
            return ranked
        return interleave(ranked, [ranked[:1], asked[:1]])

    def _learned_order(
        self, view: CatalogSnapshot, query: str, titles: Sequence[str], ranked: list[ArticleScore],
        observe: Observer | None = None,
    ) -> list[ArticleScore]:
        """Return ranked with its first candidates in the learned model's order (as it was without a model)."""
        facts = QuestionFacts(normalize_text(query).lower(), frozenset(titles), is_penalty_question(query), self._idf)
        return reorder(self.order, facts, ranked, self.catalog.articles_by_keys, view.group_of, is_penalty_article,
                       observe)

    def _amended_first(
        self, view: CatalogSnapshot, query: str, allowed: list[str], ranked: list[ArticleScore], named: Sequence[str]
    ) -> list[ArticleScore]:
        """Return ranked led by the best article of each amended regulation, when a version question names no
        regulation and found none of them: only an amended one has an old text (「旧法个人信息罚则原文」)."""
        in_scope = {view.group_of(v) for v in allowed}
        amended = sorted(g for g, versions in view.titles.groups.items() if len(versions) > 1 and g in in_scope)
        if not amended or any(_group(view, e) in amended for e in ranked[:5]):
            return ranked
        # In the text the question's words choose (旧法…原文: the older one), whatever the scope preferred.
        texts = [view.titles.choose_version(group, query.lower())[0].version_id for group in amended]
        return interleave(ranked, [self._part(view, query, texts, group, amended, named)[:1] for group in amended])

    def _search(
        self, view: CatalogSnapshot, query: str, allowed: list[str], *, concepts: bool = True
    ) -> dict[str, ArticleScore]:
        """Return per-article dense and lexical scores within the allowed versions (and the concepts' rankings)."""
        n = self.settings.retrieval.candidates
        everything = len(allowed) == len(view.versions)
        where = allowed if len(allowed) < WHERE_SHARE * len(view.versions) else None
        fetch = 2 * n if where is not None or everything else 3 * n
        allowed_set = set(allowed)
        asked = without_verdict(query)  # 「…合规吗」: the practice is searched, not the word 合规
        dense = [
            (h.unit_id, h.similarity)
            for h in self.indexer.search_dense(asked, fetch, where)
            if parse_unit_id(h.unit_id)[0].rpartition("#")[0] in allowed_set
        ]
        keywords = expand_colloquial(asked) if self.settings.retrieval.colloquial_expansion else asked
        lexical = [
            (h.unit_id, h.score, h.coverage)
            for h in self.indexer.search_keywords(keywords, 2 * n, None if everything else allowed)
        ]
        scores = roll_up(dense, lexical)
        if concepts and self.settings.retrieval.expansion_weight > 0:
            self._expand(view, query, scores, None if everything else allowed)
        return scores

    def _expand(
        self, view: CatalogSnapshot, query: str, scores: dict[str, ArticleScore], allowed: list[str] | None
    ) -> None:
        """Search the legal concepts behind the question's everyday words apart, as a lower-weighted ranking."""
        config = self.settings.retrieval
        feedback: list[str] = []
        if config.pseudo_feedback:
            top = fuse(scores, config.dense_weight, config.lexical_weight, config.rrf_k)[:3]
            texts = [a.article.text for a in self.catalog.articles_by_keys([e.key for e in top]).values()]
            feedback = feedback_terms(query, texts, view.definitions())
        groups = expansion_groups(query, view.members(), feedback)
        where = allowed if allowed and len(allowed) < WHERE_SHARE * len(view.versions) else None
        search_concepts(self.indexer, query, groups, scores, allowed, config.candidates, config.expansion_dense, where)

    def _rank(
        self, view: CatalogSnapshot, query: str, scores: dict[str, ArticleScore], named: Sequence[str] = (),
        allowed: set[str] | None = None, duties: Sequence[str] = (), referenced: Sequence[str] = (),
    ) -> list[ArticleScore]:
        """Return articles in fused order, boosted for a named regulation, a defined term, a penalty question."""
        config = self.settings.retrieval
        ranked = fuse(scores, config.dense_weight, config.lexical_weight, config.rrf_k, config.expansion_weight,
                      config.turn_weight)
        if config.definition_boost:
            ranked = self._boost_definitions(view, query, scores, ranked, allowed)
        if config.local_weight < 1.0 and view.local_versions and not view.places.named_in(query):
            ranked = demote_local(ranked, view.local_versions, config.local_weight)
        mentioned = {m.short_title for m in view.titles.mentions(query.lower())}
        penalty = is_penalty_question(query)
        if not (mentioned or penalty):
            return ranked
        wanted_penalties: dict[str, float] = {}
        if penalty:
            # The obligations named in the question, then the best found, lead to their penalty articles,
            # which rank at least as high as the obligation that led to them. The best found reach past the
            # first page: penalty words pull other penalty articles up, pushing the obligation down.
            # A duty found apart leads to its penalty article just below the best found: it adds the penalty
            # asked about without displacing what the question's own words found first.
            second = ranked[1].fused if len(ranked) > 1 else 1.0
            sources = ([(key, 1.0) for key in named] + [(key, second) for key in duties]
                       + [(e.key, e.fused) for e in ranked[:PENALTY_SOURCE_DEPTH]])
            wanted_penalties = view.penalties_led_to(sources, set(referenced))
        for entry in ranked:
            version_id = entry.key.rpartition("#")[0]
            if version_id not in view.versions:
                continue
            if mentioned and view.group_of(version_id) in mentioned:
                entry.fused += config.mention_boost
            if penalty and entry.key in wanted_penalties:
                entry.fused = max(entry.fused, wanted_penalties[entry.key]) + config.penalty_boost
                entry.sanctions_found = True
        if penalty:
            for key in set(wanted_penalties) - set(scores):
                version_id = key.rpartition("#")[0]
                extra = ArticleScore(key, fused=wanted_penalties[key] + config.penalty_boost, sanctions_found=True)
                if mentioned and view.group_of(version_id) in mentioned:
                    extra.fused += config.mention_boost
                scores[key] = extra
                ranked.append(extra)
            boost_penalty_articles(self.catalog.articles_by_keys, ranked[:30], config.penalty_boost / 2)
        return sorted(ranked, key=lambda e: (-e.fused, e.key))

    def _boost_definitions(
        self, view: CatalogSnapshot, query: str, scores: dict[str, ArticleScore], ranked: list[ArticleScore],
        allowed: set[str] | None,
    ) -> list[ArticleScore]:
        """Return ranked with the articles defining the term asked about (什么是网络运营者) raised."""
        definitions = view.definitions()
        asked = terms_asked(query, definitions) or classes_asked(
            query, lambda text: expansion_terms(text, view.members()), definitions)
        keys = [k for term in asked for k in definitions[term]]
        keys = [k for k in keys if allowed is None or k.rpartition("#")[0] in allowed]
        if not keys:
            return ranked
        for key in keys:
            if key not in scores:
                scores[key] = ArticleScore(key)
                ranked.append(scores[key])
            scores[key].fused += self.settings.retrieval.definition_boost
        return sorted(ranked, key=lambda e: (-e.fused, e.key))


def _group(view: CatalogSnapshot, entry: ArticleScore) -> str:
    """Return the short title of the regulation an article belongs to."""
    return view.group_of(entry.key.rpartition("#")[0])
