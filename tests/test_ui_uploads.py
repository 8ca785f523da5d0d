"""Upload checks: safe names, types, sizes, and a Chinese message for every refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ui.uploads import UploadRefusedError, check_upload, safe_filename, stage_upload


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("数据安全法.md", "数据安全法.md"),
        ("dir/sub/规定.pdf", "规定.pdf"),
        ("C_drive\\办法.docx", "办法.docx"),
        (".hidden.txt", "hidden.txt"),
        ('a<b>:c"?.txt', "a_b__c__.txt"),
        ("x" * 300 + ".md", "x" * 117 + ".md"),
    ],
)
def test_safe_filename_keeps_a_plain_name(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../etc/passwd.md", "上级目录"),
        ("a/../../b.md", "上级目录"),
        ("/etc/passwd", "绝对路径"),
        ("C:\\Windows\\x.md", "绝对路径"),
        ("\\\\server\\share\\x.md", "绝对路径"),
        ("bad\x00.md", "空字符"),
        ("", "文件名为空"),
        ("...", "无效"),
    ],
)
def test_path_escapes_are_refused(name: str, message: str) -> None:
    with pytest.raises(UploadRefusedError, match=message):
        safe_filename(name)


def test_check_upload_refuses_type_size_and_empty(tmp_path: Path) -> None:
    good = tmp_path / "办法.md"
    good.write_text("第一条 测试。", encoding="utf-8")
    allowed = (".md", ".pdf")
    assert check_upload(good, good.name, max_mb=1, allowed_suffixes=allowed) == "办法.md"
    with pytest.raises(UploadRefusedError, match="不支持的文件类型“.exe”"):
        check_upload(good, "run.exe", max_mb=1, allowed_suffixes=allowed)
    big = tmp_path / "big.md"
    big.write_bytes(b"a" * (2 * 1024 * 1024))
    with pytest.raises(UploadRefusedError, match="超过上限 1 MB"):
        check_upload(big, big.name, max_mb=1, allowed_suffixes=allowed)
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    with pytest.raises(UploadRefusedError, match="空文件"):
        check_upload(empty, empty.name, max_mb=1, allowed_suffixes=allowed)


def test_stage_upload_copies_inside_a_fresh_folder(tmp_path: Path) -> None:
    src = tmp_path / "upload.bin"
    src.write_bytes(b"content")
    staged = stage_upload(src, "办法.md", tmp_path / "staging")
    assert staged.name == "办法.md" and staged.read_bytes() == b"content"
    assert staged.parent.parent == tmp_path / "staging"
