"""Run the assistant's command line with a query adapter applied, to measure it against the same code without.

Usage: .venv/bin/python eval/measure_query_adapter.py ADAPTER.npz --home H eval run Q --out R.jsonl [options]
       (then score R.jsonl with `assistant eval score` as usual; without this wrapper the same command is the base)

The adapter wraps the embedder's question side exactly where the product would (the embedder that
wiring.build_embedder returns; passages, the embedding cache and Chroma stay the base model's), and dense hits'
similarities are mapped back to the base model's scale (the line in the adapter's sidecar), since retrieval's
evidence is a logistic calibrated on base similarities: without the map every adapted question's evidence is ~0.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from query_adapter import QueryAdaptedEmbedder, load_adapter  # noqa: E402

from assistant import wiring  # noqa: E402
from assistant.indexing.indexer import Indexer  # noqa: E402


def install(path: Path) -> None:
    """Make wiring.build_embedder wrap its embedder's questions with the adapter, and Indexer.search_dense report
    similarities on the base scale."""
    build_embedder, search_dense = wiring.build_embedder, Indexer.search_dense
    to_base = {"line": (1.0, 0.0)}

    def build_adapted(settings, *, cache: bool = True):  # type: ignore[no-untyped-def]
        embedder = build_embedder(settings, cache=cache)
        adapter = load_adapter(path, embedder.inner.name, embedder.inner.dimension)
        embedder.inner = QueryAdaptedEmbedder(embedder.inner, adapter)
        to_base["line"] = adapter.similarity_to_base
        return embedder

    def search_on_base_scale(self, query, n, version_ids=None):  # type: ignore[no-untyped-def]
        slope, intercept = to_base["line"]
        hits = search_dense(self, query, n, version_ids)
        return [replace(h, similarity=slope * h.similarity + intercept) for h in hits]

    wiring.build_embedder = build_adapted
    Indexer.search_dense = search_on_base_scale


def main() -> None:
    if len(sys.argv) < 3 or not sys.argv[1].endswith(".npz"):
        sys.exit(__doc__)
    install(Path(sys.argv[1]))
    from assistant.cli import main as cli

    cli(args=sys.argv[2:], prog_name="assistant")


if __name__ == "__main__":
    main()
