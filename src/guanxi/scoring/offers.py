"""Next-best offer: the products a customer may be offered, and the best three by expected value.

An offer must be **eligible** (the customer does not already hold the family, meets the product's
minimum age, has passed KYC; products without a minimum age are for organisations) and **suitable**:
a product with a risk class is never offered above the customer's risk tolerance, and never to a
customer whose tolerance is unknown. Suitability is a hard rule, applied before any ranking, so no
propensity can outweigh it. Among what is left the offer with the best expected value
(propensity of the family × the product's margin rate) comes first.

Vectorised over customers × products, so a million customers take seconds, not minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from guanxi.codes import KycStatus, PartyType

TOP_OFFERS = 3
KYC_PASSED = KycStatus.VERIFIED.value


def is_suitable(product_risk_class: int | None, risk_tolerance: int | None) -> bool:
    """The suitability rule: a product with a risk class needs a known tolerance at least as high."""
    if product_risk_class is None:
        return True
    return risk_tolerance is not None and product_risk_class <= risk_tolerance


@dataclass(frozen=True)
class Offer:
    """One offer to one customer: the product, its rank, propensity, expected value."""

    party_id: int
    rank: int
    product_id: int
    family: str
    propensity: float
    expected_value: float


def _suitable_mask(risk_class: np.ndarray, tolerance: np.ndarray) -> np.ndarray:
    """customers × products: the suitability rule, vectorised (NaN is an unknown class or tolerance)."""
    unrated = np.isnan(risk_class)[None, :]
    known = ~np.isnan(tolerance)[:, None]
    with np.errstate(invalid="ignore"):
        within = risk_class[None, :] <= tolerance[:, None]
    return unrated | (known & within)


def offer_mask(customers: pd.DataFrame, products: pd.DataFrame, held: pd.DataFrame) -> np.ndarray:
    """customers × products: True where the product may be offered (eligible and suitable).

    ``customers``: ``party_type``, ``age``, ``risk_tolerance``, ``kyc_status`` (one row per customer);
    ``products``: ``family``, ``min_age``, ``risk_class`` (active products only);
    ``held``: one 0/1 column per family, the customer's holdings, rows aligned with ``customers``.
    """
    person = (customers["party_type"].to_numpy() == PartyType.INDIVIDUAL.value)[:, None]
    age = customers["age"].to_numpy(dtype=float)[:, None]
    min_age = products["min_age"].to_numpy(dtype=float)[None, :]
    for_people = ~np.isnan(min_age)
    with np.errstate(invalid="ignore"):
        old_enough = age >= min_age  # an unknown age is never old enough
    by_age = np.where(person, for_people & old_enough, ~for_people)
    kyc = (customers["kyc_status"].to_numpy() == KYC_PASSED)[:, None]
    families = products["family"].to_numpy()
    holds = (
        np.column_stack(
            [held[f].to_numpy(dtype=float) > 0 if f in held else np.zeros(len(customers), bool) for f in families]
        )
        if len(families)
        else np.zeros((len(customers), 0), bool)
    )
    suitable = _suitable_mask(
        products["risk_class"].to_numpy(dtype=float), customers["risk_tolerance"].to_numpy(dtype=float)
    )
    return by_age & kyc & ~holds & suitable


OFFER_CHUNK = 100_000  # customers ranked at a time: the chunk's customers × products sort stays small


@dataclass(frozen=True)
class RankedOffers:
    """The best offers as arrays, customer by customer and best first: the customer's row, the rank
    (1 is the best), the product's column, the propensity and the expected value."""

    rows: np.ndarray
    ranks: np.ndarray
    columns: np.ndarray
    propensity: np.ndarray
    expected_value: np.ndarray


def rank_offers(propensity: np.ndarray, allowed: np.ndarray, margin_rate: np.ndarray, top: int) -> RankedOffers:
    """The top offers of every customer by expected value among allowed products.

    ``propensity`` and ``allowed`` are customers × products (the product's family's propensity; NaN
    where there is none), ``margin_rate`` one value per product.
    """
    parts = []
    k = min(top, propensity.shape[1])
    for start in range(0, len(propensity) if k > 0 else 0, OFFER_CHUNK):
        p = propensity[start : start + OFFER_CHUNK]
        value = p * margin_rate[None, :]
        value = np.where(allowed[start : start + OFFER_CHUNK] & ~np.isnan(value), value, -np.inf)
        # stable: equal expected values keep the catalogue's order, so the offers never depend on the run
        order = np.argsort(-value, axis=1, kind="stable")[:, :k]
        best = np.take_along_axis(value, order, axis=1)
        rows, ranks = np.nonzero(best != -np.inf)  # a customer's allowed products come before the rest
        columns = order[rows, ranks]
        parts.append((rows + start, ranks + 1, columns, p[rows, columns], value[rows, columns]))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return RankedOffers(empty, empty, empty, np.zeros(0), np.zeros(0))
    return RankedOffers(*(np.concatenate(column) for column in zip(*parts, strict=True)))


def offer_list(ranked: RankedOffers, party_ids: np.ndarray, products: pd.DataFrame) -> list[Offer]:
    """The ranked offers as :class:`Offer` objects (``products``: ``id`` and ``family`` per column)."""
    ids = products["id"].to_numpy()[ranked.columns]
    families = [str(f) for f in products["family"].to_numpy()[ranked.columns]]
    return list(
        map(
            Offer,
            np.asarray(party_ids)[ranked.rows].astype(np.int64).tolist(),
            ranked.ranks.tolist(),
            ids.astype(np.int64).tolist(),
            families,
            ranked.propensity.tolist(),
            ranked.expected_value.tolist(),
        )
    )


def family_propensity(propensity: pd.DataFrame, families: np.ndarray, rows: int) -> np.ndarray:
    """customers × products: each product's family's propensity (NaN for a family without a model)."""
    if not len(families):
        return np.zeros((rows, 0))
    return np.column_stack(
        [propensity[f].to_numpy(dtype=float) if f in propensity else np.full(rows, np.nan) for f in families]
    )


def best_offers(
    party_ids: np.ndarray,
    propensity: pd.DataFrame,
    customers: pd.DataFrame,
    products: pd.DataFrame,
    held: pd.DataFrame,
    top: int = TOP_OFFERS,
    allowed: np.ndarray | None = None,
) -> list[Offer]:
    """The top offers per customer by expected value among allowed products (rows aligned throughout).

    ``propensity`` has one column per family (a family without a model has no offers);
    ``products`` also has ``id`` and ``margin_rate``; ``allowed`` is :func:`offer_mask` when it is
    already known.
    """
    allowed = offer_mask(customers, products, held) if allowed is None else allowed
    p = family_propensity(propensity, products["family"].to_numpy(), len(customers))
    ranked = rank_offers(p, allowed, products["margin_rate"].to_numpy(dtype=float), top)
    return offer_list(ranked, party_ids, products)
