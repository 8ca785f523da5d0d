"""The pieces behind the HTTP guards: file references, surrogates, Gradio's refusals in Chinese, rate windows,
and the login check's dummy hash and log names."""

from __future__ import annotations

import time
from pathlib import Path

import bcrypt
import gradio as gr

from assistant.ui.auth import Authenticator, save_user
from assistant.ui.gradio_refusals import chinese_refusal
from assistant.ui.login_route import SlidingWindow
from assistant.ui.request_guard import file_references, is_uploaded_file, without_lone_surrogates


def test_only_files_inside_the_upload_folder_count_as_uploaded(tmp_path: Path) -> None:
    root = tmp_path / "uploads"
    (root / "abc").mkdir(parents=True)
    real = root / "abc" / "办法.md"
    real.write_text("x", encoding="utf-8")
    outside = tmp_path / "secret.md"
    outside.write_text("secret", encoding="utf-8")
    (root / "abc" / "link.md").symlink_to(outside)
    assert is_uploaded_file(str(real), root)
    for path in (str(outside), str(root / ".." / "secret.md"), str(root / "abc" / "link.md"), "abc/办法.md",
                 f"file://{real}", "http://127.0.0.1/x.md", str(root / "abc"), None, ""):
        assert not is_uploaded_file(path, root), path


def test_file_references_are_found_with_or_without_meta() -> None:
    payload = {"data": [[{"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}], {"x": {"path": 3}}, "q"]}
    assert file_references(payload) == ["/etc/passwd", 3]


def test_lone_surrogates_are_replaced() -> None:
    assert without_lone_surrogates({"data": ["问\ud800题", ["\udfff"]]}) == {"data": ["问\ufffd题", ["\ufffd"]]}
    assert without_lone_surrogates(["正常😀"]) == ["正常😀"]


def test_gradio_refusals_become_chinese() -> None:
    reason, message = chinese_refusal(gr.Error("Value: x is not in the list of choices: []"))
    assert reason == "choice_not_offered" and "刷新" in message
    assert chinese_refusal(gr.Error("Invalid file type. Please upload ..."))[0] == "file_type"
    reason, message = chinese_refusal(AttributeError("'NoneType' object has no attribute 'x'"))
    assert reason == "internal_error" and "联系维护人员" in message


def test_sliding_window_limits_and_recovers() -> None:
    window = SlidingWindow(2, window_s=10)
    assert window.hit("a", 0) == 0 and window.hit("a", 1) == 0
    assert window.hit("a", 2) == 8 and window.hit("b", 2) == 0
    assert window.hit("a", 10.5) == 0


def test_unknown_names_cost_a_real_bcrypt_check_and_are_not_logged(tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    save_user(users, "admin", "maintainer", "maintainer-pass")
    seen = []
    check = Authenticator(users, on_attempt=seen.append)
    bcrypt.checkpw(b"x", check._dummy_hash.encode())  # a valid hash: no "Invalid salt"
    started = time.perf_counter()
    assert not check("admin", "wrong-password")
    known = time.perf_counter() - started
    started = time.perf_counter()
    assert not check("maintainer-pass\nFORGED", "wrong-password")
    unknown = time.perf_counter() - started
    assert unknown > 0.5 * known  # both pay for bcrypt (the old dummy refused in ~3 ms)
    assert [r.reason for r in seen] == ["wrong_password", "unknown_name"]
    assert seen[0].logged_name == "admin" and "maintainer-pass" not in seen[1].logged_name
    assert "\n" not in seen[1].logged_name and seen[1].logged_name.startswith("（未知用户名")
