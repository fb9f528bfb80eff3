"""Needs-based behavioural clusters: k-means over standardised behaviour features, k chosen by the
silhouette score, each cluster described by an automatically written profile card.

The estimator follows scikit-learn's contract (parameters in ``__init__``, ``fit`` returns self,
learned attributes end in ``_``) but needs only NumPy, so it runs wherever Guanxi runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

# What customers do, not who they are: spending mix, channels, engagement, activity, holdings.
BEHAVIOUR = (
    "spend_share_groceries",
    "spend_share_restaurants",
    "spend_share_transport",
    "spend_share_travel",
    "spend_share_retail",
    "spend_share_electronics",
    "spend_share_entertainment",
    "spend_share_education",
    "spend_share_health",
    "spend_share_cash",
    "digital_share",
    "share_branch",
    "logins_30d",
    "product_views_90d",
    "txn_count_90d",
    "products_held",
    "holds_wealth_fund",
    "holds_mortgage",
    "holds_credit_card",
    "salary_detected",
)
PRODUCTS = ("holds_savings", "holds_time_deposit", "holds_credit_card", "holds_mortgage", "holds_personal_loan")
PRODUCTS += ("holds_wealth_fund", "holds_insurance")
CHANNELS = ("share_branch", "share_atm", "share_online", "share_mobile", "share_wechat_pay", "share_pos")


class NeedsClusters:
    """K-means with k chosen by the mean silhouette over a sample (a stated, reproducible criterion)."""

    def __init__(self, k_min: int = 3, k_max: int = 8, sample: int = 2000, iterations: int = 50, seed: int = 7) -> None:
        self.k_min = k_min
        self.k_max = k_max
        self.sample = sample
        self.iterations = iterations
        self.seed = seed

    def fit(self, x: np.ndarray) -> NeedsClusters:
        """Standardise ``x`` (missing values become the column mean), try each k, keep the best."""
        self.mean_ = np.nanmean(x, axis=0)
        self.scale_ = np.nanstd(x, axis=0)
        self.scale_[self.scale_ == 0] = 1.0
        z = self._standardise(x)
        rng = np.random.default_rng(self.seed)
        sample = z[rng.choice(len(z), size=min(self.sample, len(z)), replace=False)]
        self.silhouettes_: dict[int, float] = {}
        best: tuple[float, int, np.ndarray] | None = None
        for k in range(self.k_min, min(self.k_max, len(sample) - 1) + 1):
            centres = self._kmeans(sample, k, np.random.default_rng(self.seed + k))
            score = _silhouette(sample, _nearest(sample, centres))
            self.silhouettes_[k] = score
            if best is None or score > best[0]:
                best = (score, k, centres)
        assert best is not None, "too few customers to cluster"
        self.silhouette_, self.k_, centres = best
        # Refine the chosen centres on everyone, then order clusters by size (largest first).
        centres = self._kmeans(z, self.k_, np.random.default_rng(self.seed), start=centres)
        labels = _nearest(z, centres)
        order = np.argsort(-np.bincount(labels, minlength=self.k_), kind="stable")
        self.centers_ = centres[order]
        self.labels_ = _nearest(z, self.centers_)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The cluster of each row of ``x``."""
        return _nearest(self._standardise(x), self.centers_)

    def _standardise(self, x: np.ndarray) -> np.ndarray:
        z = (x - self.mean_) / self.scale_
        return np.where(np.isnan(z), 0.0, z)

    def _kmeans(self, z: np.ndarray, k: int, rng: np.random.Generator, start: np.ndarray | None = None) -> np.ndarray:
        centres = _plus_plus(z, k, rng) if start is None else start.copy()
        for _ in range(self.iterations):
            labels = _nearest(z, centres)
            moved = np.array([z[labels == c].mean(axis=0) if np.any(labels == c) else centres[c] for c in range(k)])
            if np.allclose(moved, centres):
                break
            centres = moved
        return centres


CHUNK = 100_000  # rows per block, so memory stays flat for millions of customers


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # |a - b|² = |a|² + |b|² - 2ab: a (rows × centres) matrix, never (rows × centres × features).
    d = (a * a).sum(axis=1)[:, None] + (b * b).sum(axis=1)[None, :] - 2.0 * a @ b.T
    return np.maximum(d, 0.0)


def _nearest(z: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return (
        np.concatenate(
            [np.argmin(_squared_distances(z[i : i + CHUNK], centres), axis=1) for i in range(0, len(z), CHUNK)]
        )
        if len(z)
        else np.zeros(0, dtype=int)
    )


def _plus_plus(z: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centres = [z[rng.integers(len(z))]]
    for _ in range(1, k):
        d = _squared_distances(z, np.array(centres)).min(axis=1)
        centres.append(z[rng.choice(len(z), p=d / d.sum())] if d.sum() > 0 else z[rng.integers(len(z))])
    return np.array(centres)


def _silhouette(z: np.ndarray, labels: np.ndarray) -> float:
    distances = np.sqrt(_squared_distances(z, z))
    clusters = np.unique(labels)
    if len(clusters) < 2:
        return -1.0
    own = np.zeros(len(z))
    other = np.full(len(z), np.inf)
    for c in clusters:
        members = labels == c
        mean_to_c = distances[:, members].sum(axis=1) / np.maximum(members.sum() - members.astype(int), 1)
        own = np.where(members, mean_to_c, own)
        mean_other = distances[:, members].mean(axis=1)
        other = np.where(members, other, np.minimum(other, mean_other))
    return float(np.mean((other - own) / np.maximum(own, other)))


@dataclass
class ProfileCard:
    """What sets a cluster apart, for a manager to read."""

    cluster: str
    size: int
    share: float
    distinctive: list[tuple[str, float]] = field(default_factory=list)  # (feature, z-score of the mean)
    products: list[tuple[str, float]] = field(default_factory=list)  # (holding, share of members)
    channels: list[tuple[str, float]] = field(default_factory=list)  # (channel, mean share)


def cluster_customers(features: pa.Table, model: NeedsClusters | None = None) -> tuple[pa.Table, list[ProfileCard]]:
    """Each customer's needs cluster (``party_id, segment``) and one profile card per cluster."""
    model = model or NeedsClusters()
    columns = {
        name: features.column(name).to_numpy(zero_copy_only=False).astype(float) for name in features.column_names
    }
    x = np.column_stack([columns[name] for name in BEHAVIOUR])
    model.fit(x)
    labels = model.labels_
    names = [f"cluster_{i + 1}" for i in range(model.k_)]
    cards = []
    for i, name in enumerate(names):
        members = labels == i
        centre = model.centers_[i]
        top = np.argsort(-np.abs(centre))[:3]
        cards.append(
            ProfileCard(
                cluster=name,
                size=int(members.sum()),
                share=float(members.mean()),
                distinctive=[(BEHAVIOUR[j], round(float(centre[j]), 3)) for j in top],
                products=sorted(
                    ((p, round(float(np.nanmean(columns[p][members])), 3)) for p in PRODUCTS),
                    key=lambda item: -item[1],
                )[:3],
                channels=sorted(
                    ((c, round(float(np.nanmean(np.nan_to_num(columns[c][members]))), 3)) for c in CHANNELS),
                    key=lambda item: -item[1],
                )[:2],
            )
        )
    assigned = pa.table(
        {"party_id": features.column("party_id"), "segment": pa.array([names[i] for i in labels], pa.string())}
    )
    return assigned, cards
