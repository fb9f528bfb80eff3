"""Needs-based clusters: k chosen by the silhouette, reproducible, and described by profile cards."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from guanxi.analytics.catalogue import features
from guanxi.analytics.clusters import BEHAVIOUR, NeedsClusters, cluster_customers


def _blobs(sizes: tuple[int, ...], seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = [np.full(len(BEHAVIOUR), 5.0 * i) for i in range(len(sizes))]
    return np.vstack([rng.normal(c, 0.3, size=(n, len(BEHAVIOUR))) for c, n in zip(centres, sizes, strict=True)])


def test_well_separated_groups_are_found_with_the_right_k():
    # given three well-separated groups of 120, 80 and 40 customers
    x = _blobs((120, 80, 40))
    # when clustered
    model = NeedsClusters(k_min=2, k_max=6).fit(x)
    # then the silhouette picks three, ordered largest first, each group in one cluster
    assert model.k_ == 3
    assert max(model.silhouettes_, key=model.silhouettes_.get) == 3
    assert np.bincount(model.labels_).tolist() == [120, 80, 40]
    assert len(set(model.labels_[:120])) == 1 and len(set(model.labels_[200:])) == 1


def test_clustering_is_reproducible_and_predicts_new_rows():
    x = _blobs((60, 60, 60), seed=4)
    first, second = NeedsClusters().fit(x), NeedsClusters().fit(x)
    assert np.array_equal(first.labels_, second.labels_)
    assert np.array_equal(first.predict(x), first.labels_)
    # missing values are treated as the average customer, not as zero
    with_gaps = x.copy()
    with_gaps[0, :] = np.nan
    assert NeedsClusters().fit(with_gaps).labels_.shape == (180,)


def test_profile_cards_describe_each_cluster():
    # given 200 customers: half digital card users with travel spending, half branch cash users
    names = [f.name for f in features()]
    rows = []
    for i in range(200):
        digital = i < 100
        row = dict.fromkeys(names, 0.0) | {
            "party_id": i + 1,
            "digital_share": 0.9 if digital else 0.1,
            "share_mobile": 0.8 if digital else 0.05,
            "share_branch": 0.05 if digital else 0.7,
            "spend_share_travel": 0.5 if digital else 0.0,
            "spend_share_cash": 0.05 if digital else 0.8,
            "holds_credit_card": 1.0 if digital else 0.0,
            "holds_savings": 0.0 if digital else 1.0,
            "txn_count_90d": 40.0 + i % 7,
        }
        rows.append(row)
    table = pa.table({k: [r[k] for r in rows] for k in ["party_id", *names]})
    assigned, cards = cluster_customers(table, NeedsClusters(k_min=2, k_max=4))
    # then each customer has a cluster and the cards add up
    assert assigned.num_rows == 200 and sum(c.size for c in cards) == 200
    assert {c.size for c in cards} == {100}
    digital = next(c for c in cards if dict(c.channels).get("share_mobile", 0) > 0.5)
    assert digital.products[0] == ("holds_credit_card", 1.0)
    assert {name for name, _ in digital.distinctive} & {"digital_share", "spend_share_travel", "spend_share_cash"}
