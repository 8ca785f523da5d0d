"""Follow-up questions -> standalone queries: rules carry the regulation and topic from the conversation;
an optional rewrite callable (a language model) may do it instead, with the rules as fallback."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

from assistant.language.numerals import ARTICLE_LABEL_PATTERN
from assistant.language.textnorm import normalize_text
from assistant.language.version_cues import CURRENT_TEXT_NEAR_NUMBER, NUMBER_CUE_WINDOW, OLD_TEXT_NEAR_NUMBER
from assistant.language.vocabulary import penalty_question_words

logger = logging.getLogger(__name__)

Rewriter = Callable[[str, Sequence[str]], str | None]

_FOLLOW_UP_START = re.compile(
    r"^(那么?|那如果|如果|还有|另外|此外|它|这|该|上述|前述|其|那个|这个|违反了|不遵守|没做到|要是)"
)
# 那个 and 这个 stop before 个人信息…, 个保法: 「那个保法呢？」 names 个保法 after 那.
_PRONOUN = re.compile(
    r"这条|该条|[这那]个(?!人信息|保法)|上述|前述|上面|前面|刚才|它|其|这些|那些|这种|该规定|这项|此项|以上"
)
_QUOTED_NAME = re.compile(r"《[^《》]+》")
# A turn ending in 呢 with nothing else to ask (「数据安全法呢？」) asks the previous question again.
_ASKS_BACK = re.compile(r"^\W*呢\W*$")
SHORT_TURN_CHARS = 12  # a turn this short leans on the conversation for what it asks
_QUESTION_NOISE = re.compile(r"请问|吗|呢|？|\?|。|！|!|什么样|什么|怎么办|怎么|怎样|如何|哪些|是否|有没有|一下")

# Checked in order: 「备案流程是什么」 asks for a procedure, not a definition.
INTENTS = {
    "penalty": (penalty_question_words(), "违反规定的法律责任 处罚 罚款"),
    "procedure": (re.compile(r"怎么办|流程|程序|步骤|如何办理|怎么申请|申报|备案|审批|多久|期限"), "程序 期限"),
    "definition": (re.compile(r"什么意思|是指|含义|定义|指的是|怎么理解|是什么"), "是指 含义"),
}


def detect_intent(question: str) -> str | None:
    """Return "penalty", "definition" or "procedure" when the question asks for one, else None."""
    for name, (pattern, _) in INTENTS.items():
        if pattern.search(question):
            return name
    return None


FindRegulations = Callable[[str], list[str]]
# The text with every regulation it names blanked out: what a turn says besides where to look.
Unname = Callable[[str], str]
MAX_SITUATION_TURNS = 3  # earlier turns carried at most: the situation, not the whole conversation


def quoted_regulations(text: str) -> list[str]:
    """Return the names written in 《》 (the fallback when no catalog titles are at hand)."""
    return _QUOTED_NAME.findall(text)


def unquoted(text: str) -> str:
    """Return text with the names written in 《》 blanked out (the fallback of Unname)."""
    return _QUOTED_NAME.sub(" ", text)


def is_follow_up(
    question: str, history: Sequence[str], find: FindRegulations = quoted_regulations, unname: Unname = unquoted,
) -> bool:
    """Return True when a question leans on earlier turns (「那违反了怎么处罚？」, 「那数据安全法呢？」)."""
    if not history:
        return False
    text = normalize_text(question)
    if find(text):
        # A turn naming a regulation is complete unless its other words are few and lean back: 「那数据安全法呢？」
        # asks the last question of another text; 「个保法第十三条讲什么」 asks its own.
        rest = unname(text)
        return len(rest) <= SHORT_TURN_CHARS and bool(_FOLLOW_UP_START.search(rest.strip()) or _ASKS_BACK.search(rest))
    return bool(_FOLLOW_UP_START.search(text) or _PRONOUN.search(text) or len(text) <= SHORT_TURN_CHARS)


def changes_subject(
    question: str, history: Sequence[str], find: FindRegulations = quoted_regulations, unname: Unname = unquoted,
) -> bool:
    """Return True when a complete question names a regulation no earlier turn named: a new subject.

    A turn naming no regulation stays in the conversation's situation, however complete it reads: officials state
    the facts first (「门户网站首页被篡改了，已经报了」) and ask about them next (「处置完以后还要交什么材料？」).
    """
    named = find(normalize_text(question))
    if not named or is_follow_up(question, history, find, unname):
        return False
    earlier = {name for turn in history for name in find(normalize_text(turn))}
    return not earlier.intersection(named)


def situation_turns(
    history: Sequence[str], find: FindRegulations = quoted_regulations, unname: Unname = unquoted,
) -> list[str]:
    """Return the earlier turns the next turn continues, oldest first.

    The latest turn, and before it every turn it leans on: a statement of facts or a question that did not change
    the subject takes its predecessor along, up to MAX_SITUATION_TURNS.
    """
    turns: list[str] = []
    for index in range(len(history) - 1, -1, -1):
        turns.insert(0, history[index])
        if len(turns) >= MAX_SITUATION_TURNS or changes_subject(history[index], history[:index], find, unname):
            break
    return turns


def regulations_turned_to(
    question: str, history: Sequence[str], find: FindRegulations = quoted_regulations, unname: Unname = unquoted,
) -> list[str]:
    """Return the regulations a follow-up turns the conversation to (「那数据安全法呢？」 after a question on 网安法):
    named by the turn and by no turn of its situation; empty for any other turn."""
    text = normalize_text(question)
    named = find(text)
    if not named or not is_follow_up(text, history, find, unname):
        return []
    before = {name for turn in situation_turns(history, find, unname) for name in find(normalize_text(turn))}
    return [name for name in dict.fromkeys(named) if name not in before]


def _topic(turn: str) -> str:
    """Return the content words of a turn (follow-up markers, question words and punctuation removed)."""
    # Pronouns first: the marker 这 alone would leave 种事 of 这种事.
    text = _PRONOUN.sub(" ", _QUESTION_NOISE.sub(" ", normalize_text(turn))).strip()
    return " ".join(_FOLLOW_UP_START.sub("", text).split())


def _carried_regulation(text: str, history: Sequence[str], find: FindRegulations) -> str:
    """Return the regulation the latest turn naming one named, unless the question names its own."""
    return "" if find(text) else next((names[0] for t in reversed(history) if (names := find(t))), "")


def rule_based_query(
    question: str, history: Sequence[str], find: FindRegulations = quoted_regulations, unname: Unname = unquoted,
) -> str:
    """Return a standalone query: the question in its situation (the regulation, articles and topic of the turns
    it continues); a question that changes the subject stays as asked, and one naming its own regulation asks
    of it instead of the situation's (「那数据安全法呢？」)."""
    text = normalize_text(question)
    if not history or changes_subject(text, history, find, unname):
        return text
    regulation = _carried_regulation(text, history, find)
    follow_up = is_follow_up(text, history, find, unname)
    if follow_up and ARTICLE_LABEL_PATTERN.search(text):
        # 「第二十一条呢？」 after a question on 数据安全法: the new article of the same regulation, nothing else;
        # after one on 旧网安法第五十九条, the number is of the old text too (「那第六十四条呢，还在吗？」).
        own_cue = OLD_TEXT_NEAR_NUMBER.search(text) or CURRENT_TEXT_NEAR_NUMBER.search(text)
        cue = "" if own_cue else _old_text_cue(normalize_text(history[-1]))
        return cue + regulation + _topic(text)
    latest = normalize_text(history[-1])
    articles = [m.group(0) for m in ARTICLE_LABEL_PATTERN.finditer(latest)] if follow_up else []
    intent = detect_intent(text) if follow_up else None
    hint = INTENTS[intent][1] if intent else ""
    turns = situation_turns(history, find, unname)
    if find(text):
        # The regulation the turn names replaces the situation's: searched beside them, theirs would lead.
        turns = [unname(normalize_text(turn)) for turn in turns]
    situation = [_topic(turn) for turn in turns]
    if regulation and any(regulation in topic for topic in situation):
        regulation = ""
    parts = [regulation + "".join(articles[:1]), *situation, _topic(text), hint]
    return " ".join(dict.fromkeys(p for p in parts if p))


def _old_text_cue(turn: str) -> str:
    """Return the words by which a turn put its article number in an older text (旧, 2016年版), or ""."""
    label = ARTICLE_LABEL_PATTERN.search(turn)
    if not label:
        return ""
    found = OLD_TEXT_NEAR_NUMBER.findall(turn[max(0, label.start() - NUMBER_CUE_WINDOW) : label.start()])
    return found[-1] if found else ""


def own_words_query(
    question: str, history: Sequence[str], find: FindRegulations = quoted_regulations, unname: Unname = unquoted,
) -> str:
    """Return the turn's own words with the conversation's regulation, to search beside the situated query; empty
    when there is no situation to search apart from (no history, or a new subject) or no words of its own.

    「那违反了怎么处罚？」 has no subject of its own: alone it finds any penalty; the obligations discussed before lead
    to the right one (Retriever._obligations_before).
    """
    text = normalize_text(question)
    if not history or changes_subject(text, history, find, unname):
        return ""
    if detect_intent(text) == "penalty" and is_follow_up(text, history, find, unname):
        return ""
    return " ".join(p for p in (_carried_regulation(text, history, find), _topic(text)) if p)


_SENTENCE = re.compile(r"[^？?。；;！!]+[？?。；;！!]*")
# What makes a sentence ask rather than tell: 「一年要做几次检测评估？」, not 「社保系统认定为关基了。」
_ASKS = re.compile(r"[？?]|吗|什么|怎么|怎样|如何|哪|多少|多久|几|是否|能否|要不要|可不可以|有没有")
MIN_ASK_CHARS = 8  # 「怎么办？」 alone asks nothing searchable


def asked_part(question: str) -> str:
    """Return the sentences that ask, of a question that first tells its situation; empty otherwise.

    「市里通知说我们的社保系统认定为关键信息基础设施了，领导问一年要做几次检测评估、结果报给谁？」: searched whole,
    the told situation (认定) outweighs what is asked (检测评估); searched apart, the ask leads among its articles.
    """
    sentences = [s.strip() for s in _SENTENCE.findall(normalize_text(question)) if s.strip()]
    asks = [s for s in sentences if _ASKS.search(s)]
    if len(asks) == len(sentences):
        return ""
    asked = "".join(asks)
    return asked if len(asked) >= MIN_ASK_CHARS else ""


def focus_query(
    question: str, history: Sequence[str], find: FindRegulations = quoted_regulations, unname: Unname = unquoted,
) -> str:
    """Return what a turn asks, to search beside the whole: a follow-up's own words, or a question's asking
    sentences after the situation it tells; empty when there is nothing apart to search."""
    return own_words_query(question, history, find, unname) if history else asked_part(question)


def standalone_query(
    question: str, history: Sequence[str] = (), rewrite: Rewriter | None = None,
    find: FindRegulations = quoted_regulations, unname: Unname = unquoted,
) -> str:
    """Return the query to search for: the model's rewrite when given and usable, else the rules'."""
    if rewrite is not None and history:
        try:
            rewritten = rewrite(question, history)
        except Exception as err:  # noqa: BLE001 - any model failure falls back to the rules
            logger.warning("follow-up rewrite failed, using rules: %s", err)
            rewritten = None
        if rewritten and rewritten.strip():
            return normalize_text(rewritten)
    return rule_based_query(question, history, find, unname)
