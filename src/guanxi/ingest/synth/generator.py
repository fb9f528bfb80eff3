"""Generate a whole synthetic bank, batch by batch, streaming every file to disk.

Customers are processed in fixed-size batches with their own random streams, so memory stays
bounded whatever the bank's size and the output depends only on (customers, months, seed, end,
format). Each batch appends rows to the db entity files and writes one part of each lake entity.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.ingest.synth import arrays as ar
from guanxi.ingest.synth import banking, insights, patterns, spending
from guanxi.ingest.synth.catalogue import BRANCHES, LOCALE_MIX, Catalogue
from guanxi.ingest.synth.contacts import contact_columns
from guanxi.ingest.synth.context import Batch, stream
from guanxi.ingest.synth.digital import digital_columns
from guanxi.ingest.synth.documents import consent_columns, identity_columns
from guanxi.ingest.synth.families import household_columns, make_families
from guanxi.ingest.synth.history import History, first_of_current_month
from guanxi.ingest.synth.holdings import DORMANT, T_DORMANT, T_MORTGAGE, T_REPAID, T_SME, make_accounts
from guanxi.ingest.synth.ledger import TxnBuffer, open_window, settle, transaction_columns
from guanxi.ingest.synth.lending import Lending
from guanxi.ingest.synth.names import NamePools
from guanxi.ingest.synth.orders import make_orders, order_columns
from guanxi.ingest.synth.pools import Pools
from guanxi.ingest.synth.population import YEAR, Customers, make_customers, party_columns
from guanxi.ingest.synth.records import (
    account_columns,
    account_keys,
    account_numbers,
    card_columns,
    loan_columns,
    make_cards,
    role_columns,
)
from guanxi.ingest.synth.writer import LABEL_COLUMNS, ExtractWriter, Format


@dataclass(frozen=True)
class GenerateReport:
    """What a generation run wrote."""

    out: Path
    counts: dict[str, int]  # rows written per entity
    labels: dict[str, int]  # ground-truth rows per label
    start: dt.date  # first day of the history
    end: dt.date  # exclusive end of the history


def batch_size(months: int) -> int:
    """Customers per batch: about 3-4 million transactions, whatever the history's length."""
    return max(1_000, min(20_000, 240_000 // max(months, 1)))


def generate_bank(
    *,
    customers: int,
    months: int,
    seed: int,
    out: Path,
    fmt: Format = "parquet",
    end: dt.date | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> GenerateReport:
    """Write a synthetic bank's extract in the canonical format, plus its ground-truth labels."""
    if customers < 1 or months < 1:
        raise ValueError("customers and months must be at least 1")
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown format {fmt!r}: use csv or parquet")
    hist = History.build(end or first_of_current_month(), months)
    names = NamePools()
    cat = Catalogue(stream(seed, "catalogue"), hist, names)
    pools = Pools([b.city_zh for b in BRANCHES], [b.city for b in BRANCHES], [b.area for b in BRANCHES])
    pools.add_people(_people(stream(seed, "people"), names))
    size = batch_size(months)
    batches = math.ceil(customers / size)
    planted = patterns.planted_total(customers)
    labels: list[pa.Table] = []
    truth: list[pa.Table] = []  # planted insights, per batch
    with _no_huge_pages(), ExtractWriter(Path(out), fmt) as writer:
        writer.write("branches", cat.branch_columns())
        writer.write("staff", cat.staff_columns)
        writer.write("products", cat.product_columns())
        for index in range(batches):
            first = index * size
            count = min(size, customers - first)
            share = patterns.share(planted, index, batches)
            labels.append(_batch(writer, seed, index, first, count, hist, cat, pools, names, share, truth))
            if on_progress is not None:
                on_progress(count)
        table = pa.concat_tables(labels)
        writer.write_labels(table)
        insights.write_truth(Path(out), truth)
    label_counts = table.column("label").value_counts().to_pylist()
    return GenerateReport(
        out=Path(out),
        counts=dict(writer.counts),
        labels={row["values"]: row["counts"] for row in sorted(label_counts, key=lambda r: r["values"])},
        start=hist.start,
        end=hist.end,
    )


@contextmanager
def _no_huge_pages() -> Iterator[None]:
    """Turn off NumPy's transparent-huge-page hint while generating, then restore it.

    Batches allocate and free many large temporary arrays; where the kernel compacts memory
    synchronously for huge pages (THP defrag = madvise) every fresh array stalls, costing
    about a fifth of the run time. NumPy documents the same switch as NUMPY_MADVISE_HUGEPAGE.
    """
    core = getattr(np, "_core", None) or np.core  # NumPy 2 renamed the module
    switch = getattr(core.multiarray, "_set_madvise_hugepage", None)
    if switch is None:
        yield
        return
    previous = switch(False)
    try:
        yield
    finally:
        switch(previous)


def _people(rng: np.random.Generator, names: NamePools) -> list[list[str]]:
    """Names of private persons who send and receive transfers, per area."""
    out = []
    for area in range(4):
        locale = ar.choice(rng, LOCALE_MIX[area], 400)
        female = rng.random(400) < 0.5
        given, latin = names.given(rng, locale, female)
        full, *_ = names.render(locale, names.surnames(rng, locale), given, latin)
        out.append(full.to_pylist())
    return out


def _activity(rng: np.random.Generator, hist: History, cust: Customers) -> np.ndarray:
    """Per customer and month: overall activity, month-to-month noise, and the churners' fade-out."""
    noise = rng.lognormal(0, 0.15, (cust.n, hist.months))
    mid = hist.start_day + (hist.month_start[:-1] + hist.month_start[1:]) // 2
    span = np.maximum(cust.churn_day - cust.decline_day, 1)[:, None]
    fade = np.clip((cust.churn_day[:, None] - mid[None, :]) / span, 0.1, 1.0)
    fade = np.where(cust.churn[:, None], fade, 1.0)
    return (cust.activity[:, None] * noise * fade).astype(np.float64)


def _guarantors(rng: np.random.Generator, b: Batch) -> None:
    """Spouses guarantee some personal loans and mortgages; directors guarantee their company's loans."""
    lending, acc, fam = b.lending, b.acc, b.fam
    owner = acc.owner[lending.account]
    tag = acc.tag[lending.account]
    director = np.full(b.cust.n, -1)
    if len(fam.directors):
        director[fam.directors[:, 0]] = fam.directors[:, 1]
    backer = np.where(tag == T_SME, director[owner], fam.spouse[owner])
    share = np.select([tag == T_SME, tag == T_MORTGAGE], [0.6, 0.1], 0.3)
    chosen = np.flatnonzero((backer >= 0) & (rng.random(len(owner)) < share))
    ended = np.where(tag[chosen] == T_REPAID, acc.close_day[lending.account[chosen]], -1)
    fam.relations.add(backer[chosen], owner[chosen], "guarantor", lending.cols["granted"][chosen], ended)


def _batch(
    writer: ExtractWriter,
    seed: int,
    index: int,
    first: int,
    count: int,
    hist: History,
    cat: Catalogue,
    pools: Pools,
    names: NamePools,
    planted: int,
    truth: list[pa.Table],
) -> pa.Table:
    """Generate and write one batch; return its ground-truth labels (planted insights go to ``truth``)."""

    def rng(name: str) -> np.random.Generator:
        return stream(seed, index, name)

    cust = make_customers(rng("customers"), hist, cat, pools, names, first, count)
    fam = make_families(rng("families"), hist, cust)
    old = ~cust.is_org & ~cust.prospect & ~cust.churn & (cust.since_day < hist.start_day - int(3 * YEAR))
    pool = np.flatnonzero(old)
    dormant = np.sort(rng("planted").choice(pool, min(planted, len(pool)), replace=False))
    lending = Lending()
    acc, ptr = make_accounts(rng("accounts"), hist, cat, cust, fam.spouse, dormant, lending)
    quiet = (acc.tag == T_DORMANT) | (acc.status == DORMANT)
    lending.finish(rng("loans"), hist, acc, cust)
    orders = make_orders(rng("orders"), hist, pools, cust, fam, acc, ptr, lending)
    first_sec, last_sec = open_window(acc, hist)
    b = Batch(
        index,
        seed,
        hist,
        cat,
        pools,
        names,
        cust,
        fam,
        acc,
        ptr,
        quiet,
        lending,
        orders,
        TxnBuffer(),
        first_sec,
        last_sec,
        _activity(rng("activity"), hist, cust),
    )
    _guarantors(rng("guarantors"), b)

    purchases = spending.card_spending(b)
    spending.pay(b)
    spending.bills(b)
    spending.cash(b)
    spending.transfers(b)
    spending.business(b)
    banking.openings(b)
    banking.interest(b)
    banking.card_repayments(b, purchases)
    banking.loans(b)
    banking.standing_orders(b)
    banking.fund_activity(b)
    patterns.churn(b)
    patterns.arrears(b)
    patterns.laundering(b, planted)
    patterns.dormant_reactivated(b)
    plants = insights.plant(b)
    ledger = settle(rng("ledger"), b.buf, acc, quiet, hist)
    truth.append(insights.truth(b, ledger, plants))

    keys = account_keys(acc, index)
    numbers = account_numbers(acc, cust, index)
    parties = party_columns(cust, names, pools, cat, np.where(cust.churn, cust.churn_day, -1))
    households, members = household_columns(fam, cust, names)
    cards = make_cards(rng("cards"), hist, acc, cust, fam)
    files = {
        "parties": parties,
        "contact_points": contact_columns(rng("contacts"), hist, cust, parties["latin_name"], pools),
        "identity_documents": identity_columns(rng("documents"), hist, cust),
        "households": households,
        "household_members": members,
        "party_relationships": fam.relations.columns(cust, index),
        "accounts": account_columns(rng("account-rows"), hist, acc, cust, ledger, keys, numbers),
        "account_roles": role_columns(acc, fam, cust, keys, index, cards),
        "cards": card_columns(cards, acc, cust, keys, index),
        "loans": loan_columns(lending, acc, keys),
        "standing_orders": order_columns(orders, acc, keys, numbers, pools, index, rng("order-rows")),
        "consents": consent_columns(rng("consents"), hist, cust, index),
    }
    parts = {"transactions": transaction_columns(ledger, acc, keys, pools, index), "digital_events": digital_columns(b)}
    # Only one batch waits to be written while the next is generated: memory stays bounded.
    writer.wait()
    for entity, columns in files.items():
        writer.write(entity, columns)
    for entity, columns in parts.items():
        writer.write_part(entity, index, columns)
    return _labels(b, keys)


def _labels(b: Batch, keys: pa.Array) -> pa.Table:
    parts = []
    party_keys = ar.keys("P", b.cust.number, 9)
    loan_keys = pc.utf8_replace_slice(keys, 0, 1, "L")
    for subject, pos, label, day, details in b.labels:
        if subject == "party":
            subject_keys = ar.take(party_keys, pos)
        elif subject == "loan":
            subject_keys = ar.take(loan_keys, b.lending.account[pos])
        else:
            subject_keys = ar.take(keys, pos)
        parts.append(
            pa.table(
                {
                    "subject_type": pa.array([subject] * len(pos), type=pa.string()),
                    "subject_key": subject_keys,
                    "label": pa.array([label] * len(pos), type=pa.string()),
                    "event_date": ar.dates(np.asarray(day)),
                    "detail": pa.array(details, type=pa.string()),
                }
            )
        )
    return pa.concat_tables(parts).select(list(LABEL_COLUMNS))
