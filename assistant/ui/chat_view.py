"""The chat tab: question box, streamed answers, sources panel, scope filters, feedback and export."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.errors import AccessDeniedError
from assistant.records import Answer
from assistant.ui.audit import action_record, question_record
from assistant.ui.auth import ROLE_OFFICIAL, require_role
from assistant.ui.chat import escape_question, is_traditional, respond, to_traditional
from assistant.ui.context import UiContext
from assistant.ui.filters import build_filters, describe_filters
from assistant.ui.sources import answer_markdown, export_answer, marker_choices, render_sources
from assistant.ui.version_view import version_notes

logger = logging.getLogger(__name__)

EXAMPLES = [
    "数据安全法第二十一条规定了什么？",
    "关键信息基础设施运营者采购网络产品和服务有什么要求？",
    "处理敏感个人信息需要满足哪些条件？",
    "網絡運營者違反安全保護義務會受到什麼處罰？",
]
# navigator.clipboard only exists on https or localhost; an intranet http page needs execCommand.
_COPY_JS = """(text) => { if (!text) { return []; }
  if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text); }
  else { const area = document.createElement('textarea'); area.value = text; document.body.appendChild(area);
    area.select(); document.execCommand('copy'); area.remove(); }
  return []; }"""
_SCROLL_JS = """(marker) => { if (marker) { const el = document.getElementById('src-' + marker);
  if (el) { el.open = true; el.scrollIntoView({behavior: 'smooth', block: 'start'}); } } return []; }"""


@dataclass
class ChatParts:
    """The components of the chat tab that handlers read and write."""

    chatbot: Any
    question: Any
    send: Any
    clear: Any
    sources: Any
    markers: Any
    documents: Any
    doc_types: Any
    current_only: Any
    helpful: Any
    unhelpful: Any
    comment: Any
    feedback_note: Any
    export: Any
    export_file: Any
    copy: Any
    copy_text: Any
    messages: Any  # gr.State: list of chat messages as shown
    history: Any  # gr.State: earlier questions, oldest first
    answers: Any  # gr.State: Answer per assistant message, in order


def _allowed(ctx: UiContext, request: gr.Request) -> str:
    """Return the user name of a request allowed to chat, or raise gr.Error in Chinese."""
    user, role = ctx.who(request)
    try:
        require_role(role, ROLE_OFFICIAL)
    except AccessDeniedError as err:
        raise gr.Error("未登录或账户无效，请重新登录。") from err
    return user


def build_chat_tab(ctx: UiContext) -> ChatParts:
    """Lay out the chat tab and return its components."""
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(value=[], elem_id="chatbot", height=460, label="咨询", buttons=[],
                                 latex_delimiters=[], feedback_options=("Like", "Dislike"),
                                 placeholder="请输入关于网络安全、数据安全、个人信息保护等法规的问题。")
            question = gr.Textbox(placeholder="例如：数据安全法第二十一条规定了什么？", show_label=False,
                                  lines=2, max_lines=6, elem_id="question", max_length=2000)
            with gr.Row():
                send = gr.Button("提问", variant="primary", elem_id="send")
                clear = gr.Button("清空对话", elem_id="clear")
            with gr.Row(elem_id="feedback-row"):
                helpful = gr.Button("有帮助", size="sm", elem_id="helpful")
                unhelpful = gr.Button("没帮助", size="sm", elem_id="unhelpful")
                comment = gr.Textbox(placeholder="意见（可选）", show_label=False, scale=3, elem_id="comment",
                                     max_length=2000)
            feedback_note = gr.Markdown(elem_id="feedback-note")
            with gr.Row():
                copy = gr.Button("复制回答（含引用条文）", size="sm", elem_id="copy")
                export = gr.Button("导出为 Markdown", size="sm", elem_id="export")
                export_file = gr.File(label="导出文件", interactive=False, visible=False, elem_id="export-file")
            # Hidden but in the page, so the copy button's script can read the clean text.
            copy_text = gr.Textbox(visible="hidden", elem_id="copy-text")
            gr.Examples(examples=[[e] for e in EXAMPLES], inputs=[question], label="示例问题")
        with gr.Column(scale=2):
            markers = gr.Radio(choices=[], label="查看引用条文", elem_id="markers")
            sources = gr.HTML(render_sources(None), elem_id="sources")
            with gr.Accordion("检索范围", open=False, elem_id="filters"):
                documents = gr.Dropdown(choices=[], multiselect=True, label="法规（不选为全部）")
                doc_types = gr.CheckboxGroup(choices=[], label="文件类型（不选为全部）")
                current_only = gr.Checkbox(label="仅现行有效版本", value=False)
    return ChatParts(chatbot, question, send, clear, sources, markers, documents, doc_types, current_only,
                     helpful, unhelpful, comment, feedback_note, export, export_file, copy, copy_text,
                     gr.State([]), gr.State([]), gr.State([]))


def ask(ctx: UiContext, question: str, messages: list, history: list, answers: list,
        documents: list | None, doc_types: list | None, current_only: bool, request: gr.Request):
    """Stream the answer to question into the chat and, at the end, fill the sources panel."""
    user = _allowed(ctx, request)
    question = (question or "").strip()
    if not question:
        raise gr.Error("请输入问题。")
    filters = build_filters(documents, doc_types, current_only)
    messages = [*messages, {"role": "user", "content": escape_question(question)},
                {"role": "assistant", "content": "正在检索相关条文……"}]
    yield messages, "", messages, history, answers, gr.skip(), gr.skip()
    for turn in respond(ctx.assistant, question, history, filters):
        messages = [*messages[:-1], {"role": "assistant", "content": turn.text}]
        if turn.answer is None:
            yield messages, gr.skip(), messages, gr.skip(), gr.skip(), gr.skip(), gr.skip()
            continue
        ctx.audit.append(question_record(user, turn.answer, filters=describe_filters(filters)))
        history, answers = [*history, question], [*answers, turn.answer]
        # data-turn tells the page (and the browser test) which answer the panel shows.
        panel = render_sources(turn.answer, resolver=ctx.catalog.articles_by_keys,
                               versions=version_notes(ctx.catalog))
        sources = f'<div data-turn="{len(answers)}">{panel}</div>'
        radio = gr.Radio(choices=marker_choices(turn.answer), value=None)
        yield messages, gr.skip(), messages, history, answers, sources, radio
        return
    # A failed turn (already shown) keeps the question out of the history and leaves no answer to rate.
    ctx.audit.append(action_record(user, "question_failed", question=question))
    answers = [*answers, None]
    yield messages, gr.skip(), messages, history, answers, render_sources(None), gr.Radio(choices=[], value=None)


def _last_answer(answers: list) -> Answer | None:
    """Return the latest answer of the conversation, if any."""
    return answers[-1] if answers else None


def give_feedback(ctx: UiContext, helpful: bool, answer: Answer | None, comment: str, request: gr.Request):
    """Store feedback on an answer and return the thank-you note and a cleared comment box."""
    user = _allowed(ctx, request)
    if answer is None:
        return "还没有可评价的回答。", gr.skip()
    ctx.feedback.record(user, answer, helpful, comment or "")
    return "已记录您的反馈，谢谢！", ""


def on_like(ctx: UiContext, answers: list, data: gr.LikeData, request: gr.Request) -> str:
    """Store the thumbs given to an earlier answer in the chat."""
    index = data.index[0] if isinstance(data.index, tuple | list) else data.index
    # Messages alternate user/assistant, so assistant message i is answer i // 2.
    position = int(index) // 2
    answer = answers[position] if 0 <= position < len(answers) else None
    helpful = data.liked is True or data.liked == "Like"
    return give_feedback(ctx, helpful, answer, "", request)[0]


def export(ctx: UiContext, answers: list, request: gr.Request):
    """Write the latest answer with its citations as a Markdown file and offer it for download."""
    _allowed(ctx, request)
    answer = _last_answer(answers)
    if answer is None:
        raise gr.Error("还没有可导出的回答。")
    shown = to_traditional(answer.text) if is_traditional(answer.question) else answer.text
    folder = Path(tempfile.gettempdir()) / "assistant-exports"
    path = export_answer(answer, folder, shown, resolver=ctx.catalog.articles_by_keys)
    return gr.File(value=str(path), visible=True)


def copy_text_of(answers: list) -> str:
    """Return the latest answer with its cited articles as plain Markdown, in the question's script."""
    answer = _last_answer(answers)
    if answer is None:
        return ""
    shown = to_traditional(answer.text) if is_traditional(answer.question) else answer.text
    return answer_markdown(answer, shown)


def clear_conversation():
    """Return the empty state of a new conversation."""
    return [], [], [], [], render_sources(None), gr.Radio(choices=[], value=None), "", gr.File(visible=False), ""


def wire_chat(ctx: UiContext, parts: ChatParts) -> None:
    """Attach the chat tab's event handlers."""
    p = parts
    ask_inputs = [p.question, p.messages, p.history, p.answers, p.documents, p.doc_types, p.current_only]
    ask_outputs = [p.chatbot, p.question, p.messages, p.history, p.answers, p.sources, p.markers]

    def on_ask(question: str, messages: list, history: list, answers: list, documents: list | None,
               doc_types: list | None, current_only: bool, request: gr.Request):
        yield from ask(ctx, question, messages, history, answers, documents, doc_types, current_only, request)

    for trigger in (p.send.click, p.question.submit):
        trigger(on_ask, ask_inputs, ask_outputs, api_visibility="private", concurrency_limit=4).then(
            copy_text_of, [p.answers], p.copy_text, api_visibility="private")
    p.copy.click(None, [p.copy_text], None, js=_COPY_JS)
    cleared = [p.chatbot, p.messages, p.history, p.answers, p.sources, p.markers, p.feedback_note, p.export_file,
               p.copy_text]
    # The chatbot's own trash icon must reset the conversation state too, not just the display.
    for trigger in (p.clear.click, p.chatbot.clear):
        trigger(clear_conversation, None, cleared, api_visibility="private")
    p.markers.change(
        lambda marker, answers: render_sources(_last_answer(answers), marker, ctx.catalog.articles_by_keys,
                                               version_notes(ctx.catalog)),
        [p.markers, p.answers], p.sources, api_visibility="private",
    ).then(None, [p.markers], None, js=_SCROLL_JS)

    def on_helpful(answers: list, comment: str, request: gr.Request):
        return give_feedback(ctx, True, _last_answer(answers), comment, request)

    def on_unhelpful(answers: list, comment: str, request: gr.Request):
        return give_feedback(ctx, False, _last_answer(answers), comment, request)

    p.helpful.click(on_helpful, [p.answers, p.comment], [p.feedback_note, p.comment], api_visibility="private")
    p.unhelpful.click(on_unhelpful, [p.answers, p.comment], [p.feedback_note, p.comment],
                      api_visibility="private")

    def on_like_event(answers: list, data: gr.LikeData, request: gr.Request) -> str:
        return on_like(ctx, answers, data, request)

    p.chatbot.like(on_like_event, [p.answers], p.feedback_note, api_visibility="private")

    def on_export(answers: list, request: gr.Request):
        return export(ctx, answers, request)

    p.export.click(on_export, [p.answers], p.export_file, api_visibility="private")
