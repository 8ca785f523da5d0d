"""Readers: encodings, HTML main text, .docx, PDF rejoining and page maps, and a clear error for each bad file."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from assistant.errors import CorpusError, UnsupportedFileError
from assistant.parsing.readers import pdf as pdf_reader
from assistant.parsing.readers import read_source
from assistant.parsing.structure import parse_document
from tests.make_fixtures import blank_pdf, encrypt_pdf, make_docx, make_numbered_docx, make_pdf

DATA = Path(__file__).parent / "data"
MAX_BYTES = 50 * 1024 * 1024
LAW = (
    "示例条例\n\n（2022年3月1日示例会议通过）\n\n"
    "第一条　为了测试读取，制定本条例。\n\n第二条　本条例自2022年5月1日起施行。\n"
)


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _compact(text: str) -> str:
    """Return text as compared across formats: NFKC (full-width punctuation folded), no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize(
    ("encoding", "prefix", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("gbk", b"", "gb18030"),
        ("gb18030", b"", "gb18030"),
        ("utf-16", b"", "utf-16"),
    ],
)
def test_text_encodings_are_detected(tmp_path: Path, encoding: str, prefix: bytes, expected: str) -> None:
    path = _write(tmp_path, "law.txt", prefix + LAW.encode(encoding))
    source = read_source(path, max_bytes=MAX_BYTES)
    assert source.encoding == expected
    assert source.text.lstrip("\ufeff") == LAW
    doc = parse_document(source)
    assert [article.label for article in doc.articles] == ["第一条", "第二条"]
    assert doc.meta.title == "示例条例"
    assert doc.meta.effective_date == "2022-05-01"


def test_big5_is_not_mistaken_for_gbk(tmp_path: Path) -> None:
    text = "第一條　為了測試繁體中文文件的讀取，制定本條例。本條例適用於所有資料處理活動。\n" * 5
    path = _write(tmp_path, "traditional.txt", text.encode("big5"))
    source = read_source(path, max_bytes=MAX_BYTES)
    assert source.text == text


def test_markdown_crlf_is_normalised(tmp_path: Path) -> None:
    path = _write(tmp_path, "law.md", "# 示例条例\r\n\r\n第一条 内容。\r\n".encode())
    source = read_source(path, max_bytes=MAX_BYTES)
    assert "\r" not in source.text
    assert source.media_type == "markdown"


def test_undecodable_bytes_name_the_file_and_the_fix(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.txt", bytes(range(128, 256)) * 20)
    with pytest.raises(CorpusError) as err:
        read_source(path, max_bytes=MAX_BYTES)
    message = str(err.value)
    assert "broken.txt" in message and "UTF-8" in message and "iconv" in message


def test_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "empty.md", b"  \n\n")
    with pytest.raises(CorpusError, match=r"empty\.md: the file is empty"):
        read_source(path, max_bytes=MAX_BYTES)


def test_unknown_suffix(tmp_path: Path) -> None:
    path = _write(tmp_path, "law.doc", b"\xd0\xcf\x11\xe0 old word file")
    with pytest.raises(UnsupportedFileError, match=r"law\.doc: unsupported file type '\.doc'.*\.docx"):
        read_source(path, max_bytes=MAX_BYTES)


def test_oversize_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "big.txt", LAW.encode() * 100)
    with pytest.raises(CorpusError, match=r"big\.txt: file is .* larger than the limit.*max_file_mb"):
        read_source(path, max_bytes=1000)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        read_source(tmp_path / "nowhere.md", max_bytes=MAX_BYTES)


def test_html_keeps_the_regulation_and_drops_site_chrome() -> None:
    source = read_source(DATA / "gov_page.html", max_bytes=MAX_BYTES)
    assert source.encoding == "gb18030"  # declared gb2312: decoded as its superset
    for chrome in ("首页", "网站导航", "备案号", "分享到", "脚本", "相关链接", "字体"):
        assert chrome not in source.text, chrome
    doc = parse_document(source)
    assert doc.meta.title == "示例数据管理办法"
    assert [article.label for article in doc.articles] == ["第一条", "第二条", "第三条", "第四条", "第五条"]
    # <span>第一条</span>　… is one line: inline tags do not split the article heading from its text.
    assert doc.articles[0].paragraphs == ("为了规范示例数据的管理，保障数据安全，根据有关法律、法规，制定本办法。",)
    assert doc.articles[2].paragraphs == ("数据管理应当遵循下列原则：\n（一）依法合规；\n（二）安全可控。",)
    assert doc.articles[3].headings == ("第二章 附则",)
    assert doc.meta.effective_date == "2024-05-01"
    assert doc.meta.doc_number == "示例市人民政府令第12号"


def test_docx_paragraphs_and_tables(tmp_path: Path) -> None:
    content = make_docx(
        ["示例管理规定", "第一章　总则", "第一条　为了测试，制定本规定。", "第二条　分类如下表："],
        table=[["级别", "说明"], ["一级", "一般数据"]],
    )
    source = read_source(_write(tmp_path, "rule.docx", content), max_bytes=MAX_BYTES)
    assert source.media_type == "docx"
    doc = parse_document(source)
    assert doc.meta.title == "示例管理规定"
    assert doc.articles[1].paragraphs == ("分类如下表：", "级别\t说明", "一级\t一般数据")
    assert doc.articles[0].headings == ("第一章 总则",)


def test_docx_that_is_not_a_zip(tmp_path: Path) -> None:
    path = _write(tmp_path, "fake.docx", b"this is not a word file")
    with pytest.raises(CorpusError, match=r"fake\.docx: not a readable Word \.docx file"):
        read_source(path, max_bytes=MAX_BYTES)


# A two-page PDF laid out like a printed regulation: running head and page numbers on every page, lines wrapped
# mid-sentence, a cross reference wrapped across lines, and an article heading split over two lines.
PDF_PAGES = [
    ["示例条例汇编", "示例数据安全条例", "第一章 总则",
     "第一条 为了规范数据处理活动，保障数据安全，促进数据依法合理有效利用，",
     "制定本条例。",
     "第二条 数据处理者违反本条例第二",
     "十一条规定的，由有关主管部门责令改正，给予警告，可以并处五万元以上五",
     "十万元以下罚款。",
     "- 1 -"],
    ["示例条例汇编",
     "第二十",
     "一条 数据处理者应当履行下列义务：",
     "（一）建立数据安全管理制度；",
     "（二）采取技术措施保障数据安全。",
     "第二十二条 本条例自2023年1月1日起施行。",
     "第 2 页 共 3 页"],
    ["示例条例汇编", "第二十三条 附加条文。", "- 3 -"],
]


def test_pdf_rejoins_lines_and_drops_running_heads(tmp_path: Path) -> None:
    source = read_source(_write(tmp_path, "rule.pdf", make_pdf(PDF_PAGES)), max_bytes=MAX_BYTES)
    assert len(source.page_starts) == 3
    for junk in ("示例条例汇编", "- 1 -", "第 2 页"):
        assert junk not in source.text
    doc = parse_document(source)
    assert doc.meta.title == "示例数据安全条例"
    assert [a.label for a in doc.articles] == ["第一条", "第二条", "第二十一条", "第二十二条", "第二十三条"]
    assert doc.articles[0].paragraphs == ("为了规范数据处理活动，保障数据安全，促进数据依法合理有效利用，制定本条例。",)
    # the wrapped cross reference 「第二\n十一条规定的」 is rejoined inside 第二条, not taken as a heading
    assert "违反本条例第二十一条规定的" in doc.articles[1].text
    assert doc.articles[2].paragraphs == (
        "数据处理者应当履行下列义务：\n（一）建立数据安全管理制度；\n（二）采取技术措施保障数据安全。",
    )
    assert [a.page for a in doc.articles] == [1, 1, 2, 2, 3]
    assert doc.meta.effective_date == "2023-01-01"


def test_pdf_encrypted_with_a_password(tmp_path: Path) -> None:
    content = encrypt_pdf(make_pdf(PDF_PAGES[:1]), user_password="secret")
    with pytest.raises(CorpusError, match=r"locked\.pdf: the PDF is encrypted.*Remove the password"):
        read_source(_write(tmp_path, "locked.pdf", content), max_bytes=MAX_BYTES)


def test_pdf_with_only_an_owner_password_is_read(tmp_path: Path) -> None:
    content = encrypt_pdf(make_pdf(PDF_PAGES[:1]), user_password="")
    source = read_source(_write(tmp_path, "owner.pdf", content), max_bytes=MAX_BYTES)
    assert "第一条" in source.text


def test_pdf_without_text_layer_says_scanned(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"scan\.pdf: the PDF has no text layer.*scanned.*OCR"):
        read_source(_write(tmp_path, "scan.pdf", blank_pdf(2)), max_bytes=MAX_BYTES)


def test_truncated_pdf(tmp_path: Path) -> None:
    content = make_pdf(PDF_PAGES)
    with pytest.raises(CorpusError, match=r"cut\.pdf: the PDF is damaged or truncated"):
        read_source(_write(tmp_path, "cut.pdf", content[: len(content) // 3]), max_bytes=MAX_BYTES)


@pytest.mark.parametrize("content", [b"%PDF-1.7\n1 0 obj << /Type /Catalog", b"%PDF-1.4\n" + bytes(range(256)) * 4])
def test_corrupt_pdf(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(CorpusError, match=r"bad\.pdf: .*(damaged|no pages|no text layer)"):
        read_source(_write(tmp_path, "bad.pdf", content), max_bytes=MAX_BYTES)


def test_pdf_suffix_on_a_non_pdf(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"page\.pdf: the file is not a PDF"):
        read_source(_write(tmp_path, "page.pdf", b"<html>not a pdf</html>"), max_bytes=MAX_BYTES)


def test_pdf_reader_that_stalls_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_reader, "PDF_TIMEOUT_SECONDS", 0.001)
    with pytest.raises(CorpusError, match=r"slow\.pdf: reading the PDF took longer than"):
        read_source(_write(tmp_path, "slow.pdf", make_pdf(PDF_PAGES)), max_bytes=MAX_BYTES)


# Real PDFs in ../shared/corpus/pdf against their Markdown counterparts. Named exceptions, where the PDF itself
# differs from the official text: the Penggeor Cybersecurity Law PDF is course material whose 第七十六条 carries
# the lecturer's notes after item (五); the PIPL PDF lacks the final 。 of 第七十四条.
PDF_PAIRS = [
    ("中华人民共和国网络安全法_Penggeor.pdf", "网络安全法_2016.md", {"第七十六条": "notes"}),
    ("中华人民共和国网络安全法_magicpi.pdf", "网络安全法_2016.md", {}),
    ("中华人民共和国数据安全法_Penggeor.pdf", "数据安全法.md", {}),
    ("中华人民共和国个人信息保护法_Penggeor.pdf", "个人信息保护法.md", {"第七十四条": "no final 。"}),
]


@pytest.mark.parametrize(("pdf_name", "md_name", "exceptions"), PDF_PAIRS)
def test_real_pdfs_match_their_markdown(
    shared_corpus: Path, pdf_name: str, md_name: str, exceptions: dict[str, str]
) -> None:
    pdf_source = read_source(shared_corpus / "pdf" / pdf_name, max_bytes=MAX_BYTES)
    from_pdf = parse_document(pdf_source)
    from_md = parse_document(read_source(shared_corpus / md_name, max_bytes=MAX_BYTES))
    assert [(a.number, a.suffix, a.label) for a in from_pdf.articles] == [
        (a.number, a.suffix, a.label) for a in from_md.articles
    ]
    assert [a.headings for a in from_pdf.articles] == [a.headings for a in from_md.articles]
    for pdf_article, md_article in zip(from_pdf.articles, from_md.articles, strict=True):
        pdf_text, md_text = _compact(pdf_article.text), _compact(md_article.text)
        if exceptions.get(pdf_article.label) == "notes":
            assert pdf_text.startswith(md_text)
        elif exceptions.get(pdf_article.label) == "no final 。":
            assert pdf_text + "。" == md_text
        else:
            assert pdf_text == md_text, pdf_article.label
    pages = [a.page for a in from_pdf.articles]
    assert pages[0] == 1 and pages == sorted(pages) and pages[-1] == len(pdf_source.page_starts)
    assert from_pdf.meta.effective_date == from_md.meta.effective_date


def test_english_moj_pdf_has_no_article_structure(shared_corpus: Path) -> None:
    # The exception among the PDFs: an English translation, with "Article 1" instead of 第一条.
    source = read_source(
        shared_corpus / "pdf" / "Regulations_on_Network_Data_Security_Management_MOJ_EN.pdf", max_bytes=MAX_BYTES
    )
    assert len(source.page_starts) == 24
    doc = parse_document(source)
    assert doc.structure == "paragraphs"
    assert any("Article 1 These Regulations" in article.text for article in doc.articles)
    assert any("第X条" in warning for warning in doc.warnings)


def test_pdf_law_title_as_running_head_stays_the_title(tmp_path: Path) -> None:
    pages = [
        ["示例数据安全条例", "第一条 为了测试，制定本条例。", "- 1 -"],
        ["示例数据安全条例", "第二条 本条例适用于测试。", "- 2 -"],
        ["示例数据安全条例", "第三条 本条例自2023年1月1日起施行。", "- 3 -"],
    ]
    source = read_source(_write(tmp_path, "heads.pdf", make_pdf(pages)), max_bytes=MAX_BYTES)
    assert source.text.count("示例数据安全条例") == 1
    doc = parse_document(source)
    assert doc.meta.title == "示例数据安全条例"
    assert [(a.label, a.page) for a in doc.articles] == [("第一条", 1), ("第二条", 2), ("第三条", 3)]


OLD_STYLE_PAGE = """<html><head><meta charset="utf-8"><title>示例网络管理规定 - 示例厅门户</title></head>
<body><h1 class="logo">示例厅门户网站</h1>
<table><tr><td class="menu">首页 | 机构 | 公开</td></tr>
<tr><td>
<p>第一条　为了测试旧式表格排版，制定本规定。</p>
<p>第二条　本规定所称网络，是指示例网络。违反本规定第一条的，予以纠正。</p>
</td></tr>
<tr><td class="copyright">版权所有 示例厅</td></tr></table>
</body></html>"""


def test_html_table_layout_and_title_from_the_title_tag(tmp_path: Path) -> None:
    source = read_source(_write(tmp_path, "page.htm", OLD_STYLE_PAGE.encode()), max_bytes=MAX_BYTES)
    assert source.encoding == "utf-8"
    assert "版权所有" not in source.text and "首页" not in source.text and "门户网站" not in source.text
    doc = parse_document(source)
    assert doc.meta.title == "示例网络管理规定"
    assert [article.label for article in doc.articles] == ["第一条", "第二条"]


def _zip(entries: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in entries.items():
            package.writestr(name, data)
    return out.getvalue()


def test_docx_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    content = _zip({"word/document.xml": b"\0" * (40 * 1024 * 1024)})
    assert len(content) < 1024 * 1024
    with pytest.raises(CorpusError, match=r"bomb\.docx: the \.docx unpacks to 40 MiB.*zip bomb"):
        read_source(_write(tmp_path, "bomb.docx", content), max_bytes=MAX_BYTES)


def test_docx_with_broken_xml(tmp_path: Path) -> None:
    good = make_docx(["第一条 内容。"])
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(good)) as package:
        entries = {name: package.read(name) for name in package.namelist()}
    entries["word/document.xml"] = b"<w:document>" + b"<w:p>" * 5000
    with pytest.raises(CorpusError, match=r"broken\.docx: not a readable Word \.docx file"):
        read_source(_write(tmp_path, "broken.docx", _zip(entries)), max_bytes=MAX_BYTES)


def test_html_with_absurdly_many_tags_is_refused_quickly(tmp_path: Path) -> None:
    path = _write(tmp_path, "bomb.html", b"<div><p><span>" * 100_000)
    with pytest.raises(CorpusError, match=r"bomb\.html: the HTML page has about 300000 tags"):
        read_source(path, max_bytes=MAX_BYTES)


def test_utf8_cut_inside_the_last_character_is_still_utf8(tmp_path: Path) -> None:
    content = (LAW + "附").encode("utf-8")[:-1]
    source = read_source(_write(tmp_path, "cut.md", content), max_bytes=MAX_BYTES)
    assert (source.encoding, source.text) == ("utf-8", LAW)


def test_docx_word_numbering_becomes_article_labels(tmp_path: Path) -> None:
    content = make_numbered_docx([
        (None, "某公司数据安全管理制度"),
        (0, "为了规范数据处理，制定本制度。"),
        (0, "员工应当遵守下列规定："),
        (1, "不得泄露客户信息；"),
        (1, "不得私自复制数据。"),
        (None, "违反前款规定的，依照公司规定处理。"),
        (0, "本制度自发布之日起施行。"),
    ])
    source = read_source(_write(tmp_path, "policy.docx", content), max_bytes=MAX_BYTES)
    doc = parse_document(source)
    assert doc.meta.title == "某公司数据安全管理制度"
    assert [a.label for a in doc.articles] == ["第一条", "第二条", "第三条"]
    assert doc.articles[1].paragraphs == (
        "员工应当遵守下列规定：\n（一）不得泄露客户信息；\n（二）不得私自复制数据。",
        "违反前款规定的，依照公司规定处理。",
    )


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [(21, "chineseCounting", "二十一"), (3, "decimal", "3"), (28, "lowerLetter", "bb"), (14, "upperRoman", "XIV")],
)
def test_word_number_formats(value: int, fmt: str, expected: str) -> None:
    from assistant.parsing.readers.docx_numbering import format_number

    assert format_number(value, fmt) == expected


GARBLE = "第一条 为了保障网络安全，维护网络空间主权和国家安全、社会公共利益，保护公民、法人和其他组织的合法权益，" \
    "促进经济社会信息化健康发展，制定本法。\n第二条 在中华人民共和国境内建设、运营、维护和使用网络，适用本法。\n"


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("sjis.md", GARBLE.encode("shift_jis", errors="replace"), "common ones"),  # read as GB18030
        ("euckr.txt", (GARBLE * 5).encode("euc-kr", errors="replace"), "unassigned"),
        ("ebcdic.md", GARBLE.encode("cp500", errors="replace"), "of the characters are 'o'"),
        ("utf8-behind-utf16-bom.md", b"\xff\xfe" + GARBLE.encode(), "unassigned"),
        ("nuls.txt", "\x00".join(GARBLE).encode(), "NUL"),
        ("filler.md", ("第" * 5000).encode(), "of the characters are '第'"),
    ],
)
def test_mojibake_and_non_text_are_refused(tmp_path: Path, name: str, content: bytes, problem: str) -> None:
    path = _write(tmp_path, name, content)
    with pytest.raises(CorpusError) as err:
        read_source(path, max_bytes=MAX_BYTES)
    message = str(err.value)
    assert name in message and problem in message and "UTF-8" in message, message


def test_chinese_named_file_without_chinese_text_is_refused(tmp_path: Path) -> None:
    english = "Article 1 This Law is formulated to ensure cybersecurity and safeguard sovereignty.\n" * 5
    with pytest.raises(CorpusError, match="file name is Chinese"):
        read_source(_write(tmp_path, "网络安全法.txt", english.encode()), max_bytes=MAX_BYTES)
    # The same text under an English name is a legitimate (English) text.
    assert read_source(_write(tmp_path, "cybersecurity.txt", english.encode()), max_bytes=MAX_BYTES).text == english


def test_utf32_with_bom_is_read_as_utf32(tmp_path: Path) -> None:
    source = read_source(_write(tmp_path, "law.txt", LAW.encode("utf-32")), max_bytes=MAX_BYTES)
    assert source.encoding == "utf-32" and source.text.lstrip("\ufeff") == LAW
