"""The fitted models that score the learned order's candidates, read from the JSON eval/train_order.py writes.

Three kinds: a linear model over standardised features, boosted regression trees, and a weighted blend of the
two. The trees see what a weighted sum cannot: that a strong keyword match matters less once the vector search
agrees, or that the second regulation of a question is worth a place only when it comes close to the first. All
are plain arithmetic over arrays at answer time; the library that fitted the trees is not needed to apply them.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.errors import ConfigError
from assistant.retrieval.fusion import ArticleScore
from assistant.retrieval.learned_order import DEPTH, FEATURES, MODEL_FILE
from assistant.settings import EmbeddingSettings

logger = logging.getLogger(__name__)


class FittedOrder:
    """Orders candidates by a fitted score; subclasses say how the score is computed."""

    def __init__(self, model: dict[str, object]) -> None:
        names = tuple(model["features"])  # type: ignore[arg-type]
        if names != FEATURES:
            raise ValueError(f"learned order model was fitted on features {names}, the code computes {FEATURES}; "
                             "refit it with eval/train_order.py")
        self.depth = int(model.get("depth", DEPTH))  # type: ignore[call-overload]
        # The embedder whose similarities it was fitted on (embedder_identity), "" when the file does not say.
        self.embedder = str(model.get("embedder", ""))

    def scores(self, rows: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def order(self, candidates: Sequence[ArticleScore], rows: np.ndarray) -> list[ArticleScore]:
        """Return the candidates (one per row) by score; ties keep the fused order."""
        scored = self.scores(rows)
        head = [candidates[i] for i in sorted(range(len(rows)), key=lambda i: (-scored[i], i))]
        # The fused scores stay as they were, handed out in the new order: what reads them later (the composer's
        # cut-offs, the hits' scores) sees the same spread, now agreeing with the order.
        for entry, fused in zip(head, sorted((e.fused for e in head), reverse=True), strict=True):
            entry.fused = fused
        return head


class LinearOrder(FittedOrder):
    """Scores candidates with the fitted weights over standardised features."""

    def __init__(self, model: dict[str, object]) -> None:
        super().__init__(model)
        self.mean = np.asarray(model["mean"], dtype=np.float64)
        self.scale = np.asarray(model["scale"], dtype=np.float64)
        self.weights = np.asarray(model["weights"], dtype=np.float64)

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """Return each candidate's score (higher first)."""
        return ((rows - self.mean) / self.scale) @ self.weights


class TreeOrder(FittedOrder):
    """Scores candidates by the summed leaf values of boosted regression trees over the raw features.

    Each tree is given as parallel node lists: feature, threshold, left, right, value, and missing_left (where a
    NaN goes); a node whose left child is itself is a leaf. The trees' nodes are numbered in one sequence, every
    node's test is decided for every row in one comparison, and then every tree is walked for every row at once,
    one level per step: thirty candidates and a few hundred shallow trees cost a few tenths of a millisecond.
    """

    def __init__(self, model: dict[str, object]) -> None:
        super().__init__(model)
        trees: list[dict[str, list[float]]] = model["trees"]  # type: ignore[assignment]
        if not trees:
            raise ValueError("learned order model has no trees; refit it with eval/train_order.py")
        sizes = [len(tree["feature"]) for tree in trees]
        self.roots = np.cumsum([0, *sizes[:-1]])  # each tree's first node in the one sequence

        def joined(field: str, dtype: type, children: bool = False) -> np.ndarray:
            parts = [np.asarray(tree[field], dtype=dtype) for tree in trees]
            if children:  # a child's number within its tree, moved to the tree's place in the sequence
                parts = [part + root for part, root in zip(parts, self.roots, strict=True)]
            return np.concatenate(parts)

        self.feature, self.threshold = joined("feature", np.int64), joined("threshold", np.float64)
        self.left, self.right = joined("left", np.int64, True), joined("right", np.int64, True)
        self.value, self.missing_left = joined("value", np.float64), joined("missing_left", np.bool_)
        if (self.feature < 0).any() or (self.feature >= len(FEATURES)).any():
            raise ValueError("learned order trees name a feature the code does not compute; refit them")
        self.levels = int(model["max_depth"])  # type: ignore[call-overload]
        self.base = float(model.get("base", 0.0))  # type: ignore[arg-type]

    @property
    def tree_count(self) -> int:
        return len(self.roots)

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """Return each candidate's score (higher first): the trees' summed log-odds of being a gold article."""
        values = np.ascontiguousarray(rows.T)[self.feature]  # (node, row): each node's feature for every row
        go_left = values <= self.threshold[:, None]
        if np.isnan(rows).any():  # features are never missing as computed; a NaN goes where the fit sent it
            go_left |= np.isnan(values) & self.missing_left[:, None]
        column = np.arange(rows.shape[0])[None, :]
        node = np.repeat(self.roots[:, None], rows.shape[0], axis=1)  # (tree, row)
        for _ in range(self.levels):
            node = np.where(go_left[node, column], self.left[node], self.right[node])
        return self.base + self.value[node].sum(axis=0)


class BlendOrder(FittedOrder):
    """Scores candidates by a weighted sum of other models' scores, each standardised over the candidates.

    The linear model is fitted to put a gold article first, the trees to tell gold from not; eval/train_order.py
    scores blends of the two by cross-validation beside each alone and writes whichever does best.
    """

    def __init__(self, model: dict[str, object]) -> None:
        super().__init__(model)
        parts: list[dict[str, object]] = model["parts"]  # type: ignore[assignment]
        if not parts:
            raise ValueError("learned order blend has no parts; refit it with eval/train_order.py")
        self.parts = [(float(part["weight"]), order_from_dict(part["model"])) for part in parts]  # type: ignore[arg-type]

    def scores(self, rows: np.ndarray) -> np.ndarray:
        total = np.zeros(rows.shape[0])
        for weight, part in self.parts:
            total += weight * standardised(part.scores(rows))
        return total


def standardised(scores: np.ndarray) -> np.ndarray:
    """Return scores as deviations from their mean in standard deviations (all zero when they are all equal)."""
    spread = scores.std()
    return (scores - scores.mean()) / spread if spread > 1e-12 else np.zeros_like(scores)


MODEL_KINDS: dict[str, type[FittedOrder]] = {"linear": LinearOrder, "trees": TreeOrder, "blend": BlendOrder}


def order_from_dict(model: dict[str, object]) -> FittedOrder:
    """Return the model of the kind the file names (a file without a kind is linear, as the first ones were)."""
    kind = str(model.get("kind", "linear"))
    if kind not in MODEL_KINDS:
        raise ValueError(f"learned order model of unknown kind {kind!r}; expected one of {sorted(MODEL_KINDS)}")
    return MODEL_KINDS[kind](model)


def order_from_file(path: Path) -> FittedOrder:
    return order_from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


@functools.lru_cache(maxsize=4)
def load_order(path: str = str(MODEL_FILE)) -> FittedOrder:
    """Return the shipped model; a missing file is an installation fault, said with its fix."""
    if not Path(path).is_file():
        raise ConfigError(f"the learned order's model {path} is missing: reinstall the package (it ships the file), "
                          "refit it with eval/train_order.py, or set retrieval.learned_order = false")
    return order_from_file(Path(path))


def embedder_identity(embedding: EmbeddingSettings) -> str:
    """Return what names the embedder a model's vector features come from: its backend and model."""
    if embedding.backend == "openai":
        return f"openai:{embedding.model}"
    if embedding.backend == "sentence-transformers":
        return f"sentence-transformers:{Path(embedding.model_path or '').name}"
    return embedding.backend


def order_for(embedding: EmbeddingSettings, path: str = str(MODEL_FILE)) -> FittedOrder | None:
    """Return the shipped model when it was fitted on the configured embedder's similarities, else None.

    The vector features (similarity, its gap to the best, its rank) mean what the fitting embedder made them mean:
    another embedder's spread misleads the model, the trees most (they split on fixed thresholds), and the fused
    order serves better. A model that records no embedder is applied whatever the embedder.
    """
    model = load_order(path)
    configured = embedder_identity(embedding)
    if model.embedder and model.embedder != configured:
        logger.warning("learned order fitted on embedder %s, configured %s: keeping the fused order (refit it "
                       "with eval/train_order.py on a home of this embedder to use it)", model.embedder, configured)
        return None
    return model
