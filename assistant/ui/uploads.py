"""Checks on files maintainers upload: size, type and a safe file name, with Chinese refusals."""

from __future__ import annotations

import re
import shutil
import unicodedata
import uuid
from pathlib import Path, PurePosixPath, PureWindowsPath

from assistant.errors import CorpusError

MAX_NAME_CHARS = 120
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Characters that mean something to a shell or to Windows; a name keeps everything else (汉字 included).
_UNSAFE = re.compile(r'[<>:"|?*\\/]')


class UploadRefusedError(CorpusError):
    """An uploaded file was refused before it reached the library; the message is for the maintainer."""


def safe_filename(name: str) -> str:
    """Return name reduced to a plain file name, or raise UploadRefusedError for a path escape."""
    if not name or not name.strip():
        raise UploadRefusedError("文件名为空，请重新选择文件。")
    if "\x00" in name:
        raise UploadRefusedError("文件名含有空字符（NUL），已拒绝。请重命名后再上传。")
    if PurePosixPath(name).is_absolute() or PureWindowsPath(name).is_absolute() or name.startswith(("\\", "/")):
        raise UploadRefusedError(f"文件名不能是绝对路径：{name!r}。请只上传文件本身。")
    parts = re.split(r"[\\/]", name)
    if any(part == ".." for part in parts):
        raise UploadRefusedError(f"文件名含有上级目录“..”：{name!r}，已拒绝。")
    base = unicodedata.normalize("NFC", parts[-1])
    base = _UNSAFE.sub("_", _CONTROL.sub("", base)).strip().lstrip(".")
    if not base or base in {".", ".."}:
        raise UploadRefusedError(f"文件名无效：{name!r}。请重命名后再上传。")
    if len(base) > MAX_NAME_CHARS:
        stem, dot, suffix = base.rpartition(".")
        base = (stem[: MAX_NAME_CHARS - len(suffix) - 1] + dot + suffix) if dot else base[:MAX_NAME_CHARS]
    return base


def check_upload(path: Path, name: str, *, max_mb: float, allowed_suffixes: tuple[str, ...]) -> str:
    """Return the safe name of an uploaded file, or raise UploadRefusedError saying why it is refused."""
    safe = safe_filename(name)
    suffix = Path(safe).suffix.lower()
    allowed = tuple(s.lower() for s in allowed_suffixes)
    if suffix not in allowed:
        raise UploadRefusedError(
            f"不支持的文件类型“{suffix or '无扩展名'}”（{safe}）。支持的类型：{'、'.join(allowed)}。"
        )
    try:
        size = path.stat().st_size
    except OSError as err:
        raise UploadRefusedError(f"无法读取上传的文件 {safe}，请重新上传。") from err
    if size == 0:
        raise UploadRefusedError(f"文件 {safe} 是空文件，已拒绝。")
    if size > max_mb * 1024 * 1024:
        raise UploadRefusedError(
            f"文件 {safe} 大小为 {size / 1048576:.1f} MB，超过上限 {max_mb:g} MB。请拆分或压缩后再上传。"
        )
    return safe


def uploaded_path(file: object, upload_root: Path) -> Path:
    """Return file as a path inside upload_root, or raise UploadRefusedError (a URL, or any other path)."""
    text = str(file)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://", text):
        raise UploadRefusedError("不接受网址形式的文件。请先下载到本机，再通过页面上传。")
    resolved = Path(text).resolve()
    if not Path(text).is_absolute() or not resolved.is_relative_to(upload_root) or not resolved.is_file():
        raise UploadRefusedError(
            f"文件 {Path(text).name} 不是通过本页面上传的文件，已拒绝。请在页面上重新选择文件上传。"
        )
    return resolved


def discard_upload(path: Path, upload_root: Path) -> None:
    """Delete a handled upload and its per-upload folder from upload_root (never upload_root itself)."""
    folder = path.parent
    if folder != upload_root and folder.is_relative_to(upload_root):
        shutil.rmtree(folder, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def stage_upload(path: Path, safe_name: str, staging_root: Path) -> Path:
    """Copy an upload under its safe name into a fresh folder of staging_root and return the copy."""
    folder = staging_root / uuid.uuid4().hex
    folder.mkdir(parents=True)
    target = folder / safe_name
    # The resolved target must stay inside the fresh folder, whatever the name held.
    if target.resolve().parent != folder.resolve():
        raise UploadRefusedError(f"文件名无效：{safe_name!r}。")
    shutil.copyfile(path, target)
    return target


def discard_staged(path: Path) -> None:
    """Remove a staged upload and its folder."""
    shutil.rmtree(path.parent, ignore_errors=True)
