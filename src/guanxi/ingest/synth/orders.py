"""Standing orders: loan instalments, insurance premiums, savings sweeps, rent, leases, family support."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from guanxi.codes import OrderPurpose
from guanxi.ingest.synth import arrays as ar
from guanxi.ingest.synth.catalogue import BANK_NAME, CURRENCIES, FX
from guanxi.ingest.synth.families import Families
from guanxi.ingest.synth.history import History
from guanxi.ingest.synth.holdings import T_INS, T_MORTGAGE, Accounts
from guanxi.ingest.synth.lending import REPAID, Lending
from guanxi.ingest.synth.pools import Pools
from guanxi.ingest.synth.population import ST_FAMILY, ST_YOUNG, Customers

PURPOSE = {p.value: i for i, p in enumerate(OrderPurpose)}


@dataclass
class Orders:
    """Standing orders of a batch."""

    account: np.ndarray  # paying account
    target: np.ndarray  # receiving account at this bank, -1 = another bank
    cents: np.ndarray  # in the paying account's currency
    purpose: np.ndarray
    dom: np.ndarray  # day of month it runs
    start_day: np.ndarray
    counterparty: np.ndarray  # pool position for external payees, -1 = none
    bank: np.ndarray  # pool position of the beneficiary bank, -1 = this bank

    @property
    def count(self) -> int:
        """Number of standing orders."""
        return len(self.account)


def make_orders(
    rng: np.random.Generator,
    hist: History,
    pools: Pools,
    cust: Customers,
    fam: Families,
    acc: Accounts,
    ptr: dict[str, np.ndarray],
    lending: Lending,
) -> Orders:
    """Set up each customer's standing orders."""
    cur, sav = ptr["current"], ptr["savings"]
    parts: list[tuple[np.ndarray, ...]] = []

    def add(
        src: np.ndarray,
        target: np.ndarray,
        cents: np.ndarray,
        purpose: str,
        dom: np.ndarray,
        start: np.ndarray,
        cp: np.ndarray | int = -1,
        bank: np.ndarray | int = -1,
    ) -> None:
        k = len(src)
        parts.append(
            (
                src,
                target,
                cents,
                np.full(k, PURPOSE[purpose]),
                dom,
                start,
                np.broadcast_to(cp, (k,)),
                np.broadcast_to(bank, (k,)),
            )
        )

    loan_acct = lending.account
    owner = acc.owner[loan_acct]
    ok = (lending.status != REPAID) & (cur[owner] >= 0)
    src, dst = cur[owner[ok]], loan_acct[ok]
    cents = np.round(lending.cols["payment"][ok] * FX[acc.currency[src]] / FX[acc.currency[dst]]).astype(np.int64)
    dom = (
        lending.cols["granted"][ok].astype("datetime64[D]")
        - lending.cols["granted"][ok].astype("datetime64[D]").astype("datetime64[M]")
    ).astype(np.int64) + 1
    add(src, dst, cents, "loan_payment", dom.clip(max=28), acc.open_day[dst])

    ins = np.flatnonzero((acc.tag == T_INS) & (cur[acc.owner] >= 0))
    src = cur[acc.owner[ins]]
    cents = np.round(acc.base[ins] * FX[acc.currency[src]] / FX[acc.currency[ins]]).astype(np.int64)
    add(src, ins, cents, "insurance", rng.integers(1, 29, len(ins)), acc.open_day[ins] + 20)

    rows = np.flatnonzero((sav >= 0) & (cur >= 0) & (rng.random(cust.n) < 0.3))
    src = cur[rows]
    cents = np.round(
        np.maximum(cust.income[rows], 200_000) * rng.uniform(0.05, 0.2, len(rows)) * FX[acc.currency[src]], -4
    )
    start = np.maximum(acc.open_day[src], acc.open_day[sav[rows]]) + rng.integers(1, 200, len(rows))
    add(src, sav[rows], cents.astype(np.int64), "savings", rng.integers(1, 29, len(rows)), start)

    mortgaged = np.zeros(cust.n, dtype=bool)
    mortgaged[acc.owner[acc.tag == T_MORTGAGE]] = True
    renter_p = np.where(cust.stage == ST_YOUNG, 0.35, np.where(cust.stage == ST_FAMILY, 0.2, 0.0))
    rows = np.flatnonzero((cur >= 0) & ~mortgaged & (fam.role <= 0) & (rng.random(cust.n) < renter_p))
    src = cur[rows]
    cents = np.round(
        np.maximum(cust.income[rows], 300_000) * rng.uniform(0.2, 0.35, len(rows)) * FX[acc.currency[src]], -4
    )
    add(
        src,
        np.full(len(rows), -1),
        cents.astype(np.int64),
        "household",
        rng.integers(1, 6, len(rows)),
        acc.open_day[src] + rng.integers(1, 400, len(rows)),
        pools.pick(rng, "landlord", cust.area[rows]),
        pools.pick(rng, "bank", cust.area[rows]),
    )

    rows = np.flatnonzero((cur >= 0) & cust.is_org & (rng.random(cust.n) < 0.1))
    src = cur[rows]
    cents = np.round(rng.uniform(3_000, 30_000, len(rows)) * 100 * FX[acc.currency[src]], -2)
    add(
        src,
        np.full(len(rows), -1),
        cents.astype(np.int64),
        "leasing",
        rng.integers(1, 29, len(rows)),
        acc.open_day[src] + 30,
        pools.organisation(rng, cust.branch[rows]),
        pools.pick(rng, "bank", cust.area[rows]),
    )

    rows = np.flatnonzero((cur >= 0) & ~cust.is_org & (rng.random(cust.n) < 0.05))
    src = cur[rows]
    cents = np.round(rng.uniform(500, 3_000, len(rows)) * 100 * FX[acc.currency[src]], -4)
    add(
        src,
        np.full(len(rows), -1),
        cents.astype(np.int64),
        "other",
        rng.integers(1, 29, len(rows)),
        acc.open_day[src] + 30,
        pools.people(rng, cust.area[rows]),
        pools.pick(rng, "bank", cust.area[rows]),
    )

    cols = [np.concatenate([np.asarray(p[i], dtype=np.int64) for p in parts]) for i in range(8)]
    order = np.lexsort((cols[3], cols[0]))
    return Orders(*(c[order] for c in cols))


def order_columns(
    orders: Orders,
    acc: Accounts,
    account_keys: pa.Array,
    numbers: pa.Array,
    pools: Pools,
    batch: int,
    rng: np.random.Generator,
) -> dict[str, pa.Array]:
    """Columns of the standing_orders file."""
    internal = orders.target >= 0
    external_number = ar.keys("", rng.integers(10**15, 10**16 - 1, orders.count), 16)
    bank = pa.compute.if_else(pa.array(internal), pa.scalar(BANK_NAME), ar.take(pools.text, np.maximum(orders.bank, 0)))
    return {
        "key": ar.batch_keys("SO", batch, orders.count, 7),
        "account_key": ar.take(account_keys, orders.account),
        "beneficiary_bank": bank,
        "beneficiary_account": pa.compute.if_else(
            pa.array(internal), ar.take(numbers, np.maximum(orders.target, 0)), external_number
        ),
        "amount": ar.money(orders.cents),
        "currency": ar.take(pa.array(list(CURRENCIES)), acc.currency[orders.account]),
        "purpose": ar.take(pa.array([p.value for p in OrderPurpose]), orders.purpose),
    }
