"""Deterministic answer composer: quotes the retrieved articles exactly, grouped by regulation, with [n] markers."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answering.citations import build_citation
from assistant.answering.decline import article_text, coverage, covered_topics, query_terms
from assistant.answering.premise import (
    AS_RELEVANT,
    asks_for_a_time,
    governing_index,
    quantity_pattern,
    states_a_time,
    stating_hit,
)
from assistant.answering.quantities import (
    YES_NO_ENDINGS,
    Quantity,
    asserted_quantities,
    unsupported_quantities,
)
from assistant.answering.quoting import (
    PENALTY_TEXT,
    SENTENCE,
    best_sentence,
    made_for_a_denied_status,
    pick_paragraphs,
    quote_paragraphs,
    shorten,
    states_a_penalty,
)
from assistant.answering.references import beyond_references, implementing_documents, named_documents, unique_hits
from assistant.language.asker import tells_a_state_organ
from assistant.language.textnorm import has_content, normalize_text
from assistant.records import Citation, Hit, LookupResult, RetrievalResult, StoredArticle
from assistant.retrieval.crossref import (
    cited_articles,
    duty_query,
    is_general_penalty,
    is_penalty_question,
    is_state_organ_penalty,
)

_LIST_QUESTION = re.compile(r"哪些|哪几|有什么|有何|包括|几项|几种|几类|列举|都有|清单|几个方面")
_OBLIGATION_TEXT = re.compile(r"应当|不得|必须|负责|履行")
_DEFINITION_QUESTION = re.compile(r"定义|是指|指的是|什么是|是什么意思|含义|概念|属于|分为|哪几类|算不算|怎么算|算是")
_DEFINITION_TEXT = re.compile(r"是指|，指|包括|分为|属于|是以|定义")
_YES_NO_END = re.compile(rf"({YES_NO_ENDINGS})\s*[？?]?\s*$")
# A question naming an article that still has this many characters to say (个保法第13条讲的什么 has 4 left), most of
# whose words that article lacks, asks more than that article: it also gets the best other articles found.
DEFAULT_ANSWER_ARTICLES = 4  # articles an ordinary question's answer quotes; list questions take max_citations


@dataclass(frozen=True)
class Chosen:
    """An article picked for the answer, the 款 to quote (indices into paragraphs) and why."""

    article: StoredArticle
    paragraphs: tuple[int, ...]
    role: str = "support"  # "lookup" | "lead" | "support" | "penalty" | "list"


@dataclass(frozen=True)
class Composition:
    """A composed answer: text with [n] markers and the citations they resolve to."""

    text: str
    citations: tuple[Citation, ...]
    declined: bool = False
    kind: str = "answer"  # "lookup" | "missing" | "premise" | "penalty" | "list" | "answer" | "declined"


def classify(question: str, retrieval: RetrievalResult) -> str:
    """Return the kind of question: lookup, premise, penalty, list or answer."""
    if retrieval.lookups:
        return "lookup"
    query = retrieval.standalone_query or question
    if is_penalty_question(query):
        return "penalty"
    # The turn as asked says its form: a follow-up's rewritten query loses its 吗 (「敏感个人信息里包括行踪轨迹吗？」).
    if asserted_quantities(query) or _YES_NO_END.search(query) or _YES_NO_END.search(question):
        return "answer"  # 「…包括国家秘密，对吗？」 asks for a verdict, not a list
    # A follow-up's earlier turns tell its subject, not its form: 「…应该属于国家秘密，该怎么处理？」 then
    # 「报上去以后，多久能有个说法？」 asks how long, not what belongs to what.
    turn = normalize_text(question)
    if _DEFINITION_QUESTION.search(turn):
        return "definition"
    if _LIST_QUESTION.search(turn):
        return "list"
    return "answer"


def compose(question: str, retrieval: RetrievalResult, *, max_citations: int = 6) -> Composition:
    """Return the answer composed from the retrieved articles, every statement marked with its source."""
    kind = classify(question, retrieval)
    if kind == "lookup" and is_penalty_question(question) and any(lk.article for lk in retrieval.lookups):
        # 「违反了会怎么处理？」 after 「第三十一条讲的什么？」: the penalty of the article asked about, with it.
        return _compose_lookup_penalty(question, retrieval, max_citations)
    if kind == "lookup":
        return _compose_lookup(retrieval.lookups, beyond_references(question, retrieval))
    chosen = select_articles(question, retrieval, kind, max_citations)
    if not chosen:
        return decline_answer(question, retrieval)
    asserted = asserted_quantities(retrieval.standalone_query or question)
    prefer = None
    if asserted:
        chosen = _premise_first(question, retrieval, chosen, kind, asserted[0])
        prefer = quantity_pattern(asserted[0].unit)
        premise = unsupported_quantities(question, [chosen[0].article])
        if premise:
            return _compose_correction(chosen[0], premise[0].text, retrieval, question, prefer)
    lead = _lead_sentence(kind, chosen, _terms(question, retrieval), prefer, retrieval.denied)
    return _render(lead, chosen, kind)


def decline_answer(
    question: str, retrieval: RetrievalResult | None, missing: Sequence[str] = (), why: str = ""
) -> Composition:
    """Return the answer that says the corpus is silent (and why, when known), names what it does cover, and cites
    nothing."""
    subject = (retrieval.standalone_query if retrieval else "") or question
    subject = subject.strip().rstrip("？?。")
    if not has_content(subject):
        # 「？？？」: nothing was asked that a library could be searched for.
        text = "问题中没有可以检索的文字。请用文字写明要问的情况，或指明具体法规和条文。"
        return Composition(text=text, citations=(), declined=True, kind="declined")
    if missing:
        names = "、".join(f"《{name}》" for name in missing)
        text = f"库中未收录{names}，无法依据它回答「{subject}」。"
    else:
        text = f"现有法规库中未找到能够回答「{subject}」的规定。{why}"
    topics = covered_topics(retrieval) if retrieval else []
    if topics and missing:
        # Other regulations may still touch the subject: listed as related, never as the named text's content.
        text += "其他法规中可能相关的条文（仅供参考）：" + "、".join(topics) + "。"
    elif topics:
        text += "法规库中与此话题最接近的是" + "、".join(topics) + "，但它们并未就此作出规定。"
    text += "如需查询，可换一种问法，或指明具体法规和条文。"
    return Composition(text=text, citations=(), declined=True, kind="declined")


def select_articles(question: str, retrieval: RetrievalResult, kind: str, limit: int) -> list[Chosen]:
    """Return the articles the answer quotes, in the order they are presented (none made for a status denied)."""
    query = retrieval.standalone_query or question
    terms = _terms(question, retrieval)
    named = named_documents(query, [*retrieval.hits, *retrieval.linked])
    hits = unique_hits([*retrieval.hits, *retrieval.linked])
    hits = [h for h in hits if not made_for_a_denied_status(h.article, retrieval.denied)] or hits
    if not hits:
        return []
    # A regulation named in the question is where the answer is looked for first, and so is one implementing it.
    looked_in = {*named, *implementing_documents(named, hits)}
    hits.sort(key=lambda h: 0 if h.article.doc_id in looked_in else 1)
    rank = {h.article.key: index for index, h in enumerate(hits)}
    scores = {h.article.key: coverage(terms, article_text(h.article)) for h in hits}
    best = max(scores.values())
    # 「…？…？」 asks several things: one more article for each further question.
    count = min(limit, DEFAULT_ANSWER_ARTICLES + max(0, len(re.findall(r"[？?]", query.rstrip("？? ")))))

    def relevant(hit: Hit) -> bool:
        # Retrieval's first three stand; further down, the article must share the question's words.
        return rank[hit.article.key] < 3 or scores[hit.article.key] >= 0.5 * best

    if kind == "penalty":
        penalties = [h for h in hits if states_a_penalty(h.article) and (h.via == "linked" or relevant(h))]
        duties = [h for h in hits if not states_a_penalty(h.article) and h.via != "linked" and relevant(h)][:2]
        penalties = _penalties_in_order(penalties, duties, hits, rank, scores, query)
        picked = [(h, "penalty") for h in penalties[:2]] + [(h, "support") for h in duties]
        if not penalties:
            picked = [(h, "support") for h in hits if relevant(h)][:count]
    elif kind == "list":
        # A list gathers every retrieved article imposing a duty; sanctions answer another question.
        # Retrieval's first three stand, as for any question; further down, an article must share the question's
        # words and impose a duty.
        duties = [
            h for h in hits
            if h.via != "linked" and not states_a_penalty(h.article) and (rank[h.article.key] < 3 or (
                scores[h.article.key] >= 0.35 * best and _OBLIGATION_TEXT.search(h.article.article.text)))
        ]
        picked = [(h, "list") for h in (duties or hits[:1])]
    elif kind == "definition":
        # The defining article (「…，是指…」) may rank below articles that merely use the term.
        ranked = [h for h in hits if h.via != "linked" and relevant(h)]
        ranked.sort(key=lambda h: (h.article.doc_id not in named, -_definition_score(h.article, terms)))
        picked = [(h, "support") for h in ranked[:count]]
    else:
        picked = [(h, "support") for h in hits if h.via != "linked" and relevant(h)][:count]
        if asks_for_a_time(question) and (timed := _first_stating_a_time([h for h, _ in picked[:3]], scores)):
            # 「要在多长时间内报告？」 as asked (a rewrite adds words such as 期限): the article stating the time leads.
            picked = [(timed, "support"), *((h, role) for h, role in picked if h is not timed)]
    picked = _cover_named(picked[:limit], hits, named, limit)
    chosen = [Chosen(h.article, pick_paragraphs(h, terms, kind, retrieval.denied), role) for h, role in picked]
    return _grouped(chosen, by_number=kind == "list")


def _first_stating_a_time(hits: Sequence[Hit], scores: dict[str, float]) -> Hit | None:
    """Return the first hit stating a length of time, when the first states none and that one is about as relevant
    (scores: the question's terms each covers) as the first."""
    if not hits or states_a_time(hits[0].article.article.text):
        return None
    floor = AS_RELEVANT * scores[hits[0].article.key]
    return next((h for h in hits[1:] if states_a_time(h.article.article.text) and scores[h.article.key] >= floor),
                None)


def _penalties_in_order(
    penalties: list[Hit], duties: list[Hit], hits: list[Hit], rank: dict[str, int], scores: dict[str, float],
    query: str,
) -> list[Hit]:
    """Return the penalty articles in the order they are quoted. The one sanctioning a duty found wins: by number
    (「不履行本法第二十七条…」 for 第二十七条), or as the text's penalty for breaching any of its provisions
    (「未按照本办法规定报告…的」) when retrieval put it among the first three. The duties found are those quoted and
    those retrieval ranked in the first five (a follow-up's 「不报会怎样？」 finds the duty discussed there, whose
    words it no longer repeats). Among the rest, the one naming the question's conduct wins over the one merely
    ranked first; a question that tells no conduct (「那违反了怎么罚？」 after an article looked up) keeps
    retrieval's order."""
    found = duties + [h for h in hits[:5] if not states_a_penalty(h.article) and h.via != "linked"]
    numbers = {(h.article.version_id, h.article.article.number, h.article.article.suffix) for h in found}
    texts = {h.article.version_id for h in found}

    def sanctions_found(h: Hit) -> bool:
        return any((h.article.version_id, *ref) in numbers for ref in cited_articles(h.article.article.text)) or (
            rank[h.article.key] < 3 and h.article.version_id in texts and is_general_penalty(h.article))

    duty = duty_query(query)
    told = bool(duty) and any(w >= 1.0 for w in query_terms(duty, [h.article.title for h in hits]).values())
    # A state organ's own conduct is sanctioned by the article for state organs (处分), not by the fines.
    organ = tells_a_state_organ(query)
    return sorted(penalties, key=lambda h: (not (organ and is_state_organ_penalty(h.article)), not sanctions_found(h),
                                            -scores[h.article.key] if told else rank[h.article.key]))


def _cover_named(
    picked: list[tuple[Hit, str]], hits: Sequence[Hit], named: Sequence[str], limit: int
) -> list[tuple[Hit, str]]:
    """Return picked with the best hit of every named regulation it lacks added (comparisons name two)."""
    have = {h.article.doc_id for h, _ in picked}
    for doc_id in named:
        if doc_id in have:
            continue
        best = next((h for h in hits if h.article.doc_id == doc_id and h.via != "linked"), None)
        if best is not None:
            if len(picked) >= limit:
                picked = picked[: limit - 1]
            picked.append((best, "support"))
            have.add(doc_id)
    return picked


def _grouped(chosen: list[Chosen], *, by_number: bool) -> list[Chosen]:
    """Return chosen grouped by regulation (in order of first appearance), so markers read 1, 2, 3 down the text.

    A list reads in the statute's own order; other answers keep the most relevant article of a regulation first.
    """
    order: dict[str, int] = {}
    for item in chosen:
        order.setdefault(item.article.version_id, len(order))
    rank = {id(item): index for index, item in enumerate(chosen)}

    def key(item: Chosen) -> tuple[int, int, int]:
        within = item.article.ordinal if by_number else rank[id(item)]
        return order[item.article.version_id], within, rank[id(item)]

    return sorted(chosen, key=key)


def _lead_sentence(
    kind: str, chosen: Sequence[Chosen], terms: dict[str, float], prefer: re.Pattern[str] | None = None,
    denied: Sequence[str] = (),
) -> str:
    """Return the one-sentence direct answer that opens the text (markers refer to chosen order; denied: statuses
    the asker said they lack)."""
    first = chosen[0]
    where = f"《{first.article.title}》{first.article.article.label}"
    if kind == "list" and len(chosen) > 1:
        return f"共有{len(chosen)}条规定对此提出要求，见{_where_list(chosen)}，逐条列出如下："
    if kind == "penalty":
        prefer = PENALTY_TEXT
    sentence = shorten(best_sentence(quote_paragraphs(first.article, first.paragraphs), terms, prefer, denied))
    opener = "相应的法律责任见" if kind == "penalty" and first.role == "penalty" else "根据"
    return f"{opener}{where}：「{sentence}」[1]"


def _where_list(chosen: Sequence[Chosen], start: int = 1) -> str:
    """Return 《A》第一条[1]、第二条[2]，《B》第三条[3] grouping article labels under their regulation."""
    groups: dict[str, list[str]] = {}
    for marker, item in enumerate(chosen, start=start):
        groups.setdefault(item.article.title, []).append(f"{item.article.article.label}[{marker}]")
    return "，".join(f"《{title}》" + "、".join(labels) for title, labels in groups.items())


def _render(lead: str, chosen: Sequence[Chosen], kind: str) -> Composition:
    """Return the lead followed by the quotes grouped by regulation, and their citations."""
    citations = []
    groups: dict[str, list[str]] = {}
    for marker, item in enumerate(chosen, start=1):
        quote = quote_paragraphs(item.article, item.paragraphs)
        citations.append(build_citation(item.article, marker, quote))
        label = item.article.article.label
        if item.role == "penalty" and kind == "penalty":
            label += "（法律责任）"
        body = quote.replace("\n", "\n  ")
        prefix = f"{len(groups.get(item.article.title, [])) + 1}. " if kind == "list" else "- "
        groups.setdefault(item.article.title, []).append(f"{prefix}{label}：「{body}」[{marker}]")
    sections = [f"《{title}》\n" + "\n".join(lines) for title, lines in groups.items()]
    text = lead + "\n\n" + "\n\n".join(sections)
    return Composition(text=text, citations=tuple(citations), kind=kind)


def _compose_lookup(lookups: Sequence[LookupResult], beyond: Sequence[Hit] = ()) -> Composition:
    """Return the text of each article asked for by reference, and say which ones do not exist; then the
    other articles found for what the question asks beyond them."""
    found = [lookup for lookup in lookups if lookup.article is not None]
    missing = [lookup for lookup in lookups if lookup.article is None]
    lines: list[str] = []
    for lookup in missing:
        where = f"《{lookup.title}》" if lookup.title else "法规库中的法规"
        lines.append(lookup.message or f"{where}没有{lookup.label}，请核对条文序号。")
    if not found:
        return Composition(text="\n".join(lines), citations=(), declined=True, kind="missing")
    chosen = [Chosen(lk.article, tuple(range(len(lk.article.article.paragraphs))), "lookup") for lk in found]
    first = chosen[0].article
    lead = f"《{first.title}》{first.article.label}规定如下[1]。"
    if len(chosen) > 1:
        lead = f"所问的{len(chosen)}条规定如下：{_where_list(chosen)}。"
    if beyond:
        named = len(chosen)
        # Quoted whole, like the article named: picking 款 by the question's words lost key points on the dev half.
        chosen += [Chosen(h.article, tuple(range(len(h.article.article.paragraphs))), "support") for h in beyond]
        lead += f"与所问相关的还有：{_where_list(chosen[named:], start=named + 1)}。"
    composed = _render(lead, chosen, "lookup")
    text = "\n".join(lines + [composed.text]) if lines else composed.text
    return Composition(text=text, citations=composed.citations, kind="lookup")


def _compose_lookup_penalty(question: str, retrieval: RetrievalResult, limit: int) -> Composition:
    """Return the penalty articles for the article a follow-up refers to, led by the penalty."""
    found = [lk.article for lk in retrieval.lookups if lk.article is not None]
    extra = tuple(Hit(article=a, score=1.0, via="lookup") for a in found)
    widened = dataclasses.replace(retrieval, hits=(*retrieval.hits, *extra), lookups=())
    chosen = select_articles(question, widened, "penalty", limit)
    have = {c.article.key for c in chosen}
    chosen += [Chosen(a, tuple(range(len(a.article.paragraphs))), "support") for a in found if a.key not in have]
    if not any(c.role == "penalty" for c in chosen):
        return _compose_lookup(retrieval.lookups)
    lead = _lead_sentence("penalty", chosen, _terms(question, widened))
    return _render(lead, chosen[:limit], "penalty")


def _compose_correction(
    governing: Chosen, asserted: str, retrieval: RetrievalResult, question: str, prefer: re.Pattern[str] | None
) -> Composition:
    """Return the correction of a question whose number the governing article does not state."""
    terms = _terms(question, retrieval)
    article = governing.article
    sentence = best_sentence(article.article.text, terms, prefer)
    where = f"《{article.title}》{article.article.label}"
    lead = f"不对。{where}并没有「{asserted}」的规定，该条规定的是：「{shorten(sentence)}」[1]"
    return _render(lead, [governing], "premise")


def _terms(question: str, retrieval: RetrievalResult) -> dict[str, float]:
    """Return the subject terms of the (rewritten) question."""
    titles = [h.article.title for h in (*retrieval.hits, *retrieval.linked)]
    return query_terms(retrieval.standalone_query or question, titles)


def _premise_first(
    question: str, retrieval: RetrievalResult, chosen: list[Chosen], kind: str, asserted: Quantity
) -> list[Chosen]:
    """Return chosen led by the article a yes/no question's number is checked on (answering/premise.py)."""
    terms = _terms(question, retrieval)
    if stating := stating_hit([c.article for c in chosen], retrieval.hits, asserted):
        chosen = [Chosen(stating.article, pick_paragraphs(stating, terms, kind, retrieval.denied), "support"), *chosen]
    named = named_documents(retrieval.standalone_query or question, [*retrieval.hits, *retrieval.linked])
    relevance = [coverage(terms, article_text(c.article)) for c in chosen]
    first = governing_index([c.article for c in chosen], asserted, relevance, named)
    return [chosen[first], *chosen[:first], *chosen[first + 1:]]


def _definition_score(article: StoredArticle, terms: dict[str, float]) -> float:
    """Return how well an article defines the question's subject: its best defining sentence's coverage."""
    best = 0.0
    for sentence in SENTENCE.findall(article.article.text):
        if _DEFINITION_TEXT.search(sentence):
            best = max(best, coverage(terms, sentence))
    return best
