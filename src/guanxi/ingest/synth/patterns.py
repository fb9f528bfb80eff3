"""Behaviour worth detecting, planted and labelled: churn, arrears and money-laundering patterns.

Labels go to the ground-truth file only; nothing in the extract itself marks these customers.
"""

from __future__ import annotations

import numpy as np

from guanxi.ingest.synth.catalogue import FX
from guanxi.ingest.synth.context import Batch
from guanxi.ingest.synth.history import DAY
from guanxi.ingest.synth.holdings import T_CURRENT, T_DORMANT, T_EXTRA_SAVINGS, T_FUND, T_SAVINGS, T_TD
from guanxi.ingest.synth.ledger import CH, DRAIN, FORCED, TT
from guanxi.ingest.synth.lending import DEFAULTED, IN_ARREARS
from guanxi.ingest.synth.pools import DESC

THRESHOLD_CNY = 50_000  # large-cash reporting threshold that structuring stays under


def share(total: int, batch: int, batches: int) -> int:
    """This batch's part of ``total`` planted cases, spread evenly over the batches."""
    return (batch + 1) * total // batches - batch * total // batches


def planted_total(customers: int) -> int:
    """How many cases of each laundering pattern a bank of this size gets (at least one)."""
    return max(1, round(customers * 0.0005))


def churn(b: Batch) -> None:
    """Churners move their money to another bank over the months before they close everything."""
    acc, cust, hist, rng = b.acc, b.cust, b.hist, b.rng("churn")
    rows = np.flatnonzero(
        cust.churn[acc.owner] & np.isin(acc.tag, (T_CURRENT, T_SAVINGS, T_EXTRA_SAVINGS, T_TD, T_FUND))
    )
    r = np.repeat(rows, rng.integers(2, 5, len(rows)))
    owner = acc.owner[r]
    # Money leaves once the income has moved: from the pay switch until a few days before closing.
    lo = np.maximum(cust.salary_stop_day[owner], hist.start_day)
    hi = cust.churn_day[owner] - 3
    ok = hi > lo
    r, owner, lo, hi = r[ok], owner[ok], lo[ok], hi[ok]
    day = lo + (rng.random(len(r)) * (hi - lo)).astype(np.int64)
    t = day * DAY + rng.integers(9 * 3600, 22 * 3600, len(r))
    channel = np.where(cust.age[owner] < 55, CH["mobile"], CH["online"])
    # Amounts are set when booking, as shares of the balance left (see ledger.settle).
    b.buf.add(
        r,
        t,
        0,
        False,
        channel,
        TT["transfer_out"],
        DESC["Transfer to other bank"],
        cp=b.pools.pick(rng, "bank", cust.area[owner]),
        flag=DRAIN,
    )
    who = np.flatnonzero(cust.churn)
    accounts = np.bincount(acc.owner[acc.close_day >= 0], minlength=cust.n)
    months = np.round((cust.churn_day[who] - cust.decline_day[who]) / 30.44).astype(np.int64)
    details = [
        f"activity and balances fell over {m} months, then {k} account{'s' if k != 1 else ''} closed"
        for m, k in zip(months, accounts[who], strict=True)
    ]
    b.labels.append(("party", who, "churner", cust.churn_day[who], details))


def arrears(b: Batch) -> None:
    """Label the loans that fell behind."""
    lending = b.lending
    bad = np.flatnonzero(np.isin(lending.status, (IN_ARREARS, DEFAULTED)))
    names = {IN_ARREARS: "in_arrears", DEFAULTED: "defaulted"}
    details = [
        f"{names[int(s)]}, {int(d)} days past due" for s, d in zip(lending.status[bad], lending.dpd[bad], strict=True)
    ]
    b.labels.append(("loan", bad, "defaulter", lending.first_missed_day[bad], details))


def _pick(rng: np.random.Generator, eligible: np.ndarray, count: int) -> np.ndarray:
    pool = np.flatnonzero(eligible)
    return np.sort(rng.choice(pool, min(count, len(pool)), replace=False)) if len(pool) else pool


def laundering(b: Batch, count: int) -> None:
    """Plant ``count`` cases each of structuring and rapid in-and-out on ordinary current accounts."""
    acc, cust, hist, rng = b.acc, b.cust, b.hist, b.rng("laundering")
    cur = b.ptr["current"]
    usable = (cur >= 0) & ~cust.churn & ~cust.is_org
    usable &= acc.open_day[np.maximum(cur, 0)] < hist.start_day
    # Structuring: several cash deposits just under the reporting threshold within a few days.
    who = _pick(rng, usable & (acc.currency[np.maximum(cur, 0)] == 0), count)
    a = cur[who]
    first_day = hist.start_day + rng.integers(3, max(hist.days - 12, 4), len(who))
    deposits = rng.integers(3, 7, len(who))
    rows = np.repeat(np.arange(len(who)), deposits)
    day = first_day[rows] + rng.integers(0, 5, len(rows))
    cents = rng.integers(450, 500, len(rows)) * 100 * 100
    b.buf.add(
        a[rows],
        day * DAY + rng.integers(9 * 3600, 16 * 3600, len(rows)),
        cents,
        True,
        CH["branch"],
        TT["cash_deposit"],
        DESC["Cash deposit"],
    )
    total = np.bincount(rows, weights=cents, minlength=len(who))
    last = np.zeros(len(who), dtype=np.int64)
    np.maximum.at(last, rows, day)
    out_day = last + rng.integers(1, 4, len(who))
    b.buf.add(
        a,
        out_day * DAY + 11 * 3600,
        np.round(total * rng.uniform(0.9, 1.0, len(who)), -2).astype(np.int64),
        False,
        CH["online"],
        TT["transfer_out"],
        DESC["Outward remittance"],
        cp=b.pools.offshore_company(rng, len(who)),
    )
    details = [
        f"{k} cash deposits of 45,000-49,900 CNY (under {THRESHOLD_CNY:,}) within {int(d)} days, then wired out"
        for k, d in zip(np.bincount(rows, minlength=len(who)), last - first_day + 1, strict=True)
    ]
    b.labels.append(("account", a, "structuring", first_day, details))

    # Rapid in-and-out: a large inbound transfer leaves again within two days.
    who = _pick(rng, usable & ~np.isin(np.arange(cust.n), who), count)
    a = cur[who]
    day = hist.start_day + rng.integers(2, max(hist.days - 4, 3), len(who))
    t_in = day * DAY + rng.integers(9 * 3600, 15 * 3600, len(who))
    cny = rng.uniform(300_000, 3_000_000, len(who)).round(-3)
    inbound = np.round(cny * 100 * FX[acc.currency[a]]).astype(np.int64)
    hours = rng.uniform(2, 40, len(who))
    b.buf.add(
        a,
        t_in,
        inbound,
        True,
        CH["online"],
        TT["transfer_in"],
        DESC["Inward remittance"],
        cp=b.pools.offshore_company(rng, len(who)),
    )
    b.buf.add(
        a,
        t_in + (hours * 3600).astype(np.int64),
        np.round(inbound * rng.uniform(0.92, 0.99, len(who)), -2).astype(np.int64),
        False,
        CH["online"],
        TT["transfer_out"],
        DESC["Outward remittance"],
        cp=b.pools.offshore_company(rng, len(who)),
    )
    details = [f"{v:,.0f} CNY in and out again after {h:.0f} hours" for v, h in zip(cny, hours, strict=True)]
    b.labels.append(("account", a, "rapid_in_out", day, details))


def dormant_reactivated(b: Batch) -> None:
    """Long-silent accounts that suddenly see large transfers in and out."""
    acc, hist, rng = b.acc, b.hist, b.rng("dormant")
    a = np.flatnonzero(acc.tag == T_DORMANT)
    lo = hist.start_day + max(int(hist.days * 0.4), 1)
    wake = lo + (rng.random(len(a)) * max(hist.end_day - 10 - lo, 1)).astype(np.int64)
    k_in = rng.integers(1, 4, len(a))
    rows = np.repeat(np.arange(len(a)), k_in)
    day = wake[rows] + rng.integers(0, 3, len(rows))
    day[np.r_[0, np.cumsum(k_in)[:-1]] if len(a) else []] = wake
    cents = np.round(rng.uniform(50_000, 500_000, len(rows)) * 100 * FX[acc.currency[a[rows]]], -2).astype(np.int64)
    b.buf.add(
        a[rows],
        day * DAY + rng.integers(9 * 3600, 18 * 3600, len(rows)),
        cents,
        True,
        CH["online"],
        TT["transfer_in"],
        DESC["Inward remittance"],
        cp=b.pools.offshore_company(rng, len(rows)),
        flag=FORCED,
    )
    total = np.bincount(rows, weights=cents, minlength=len(a))
    k_out = rng.integers(2, 7, len(a))
    rows = np.repeat(np.arange(len(a)), k_out)
    part = total[rows] * rng.uniform(0.8, 0.98, len(rows)) / k_out[rows]
    day = wake[rows] + 3 + rng.integers(0, 12, len(rows))
    cash = rng.random(len(rows)) < 0.3
    b.buf.add(
        a[rows],
        day * DAY + rng.integers(9 * 3600, 18 * 3600, len(rows)),
        np.round(part, -2).astype(np.int64),
        False,
        np.where(cash, CH["branch"], CH["online"]),
        np.where(cash, TT["cash_withdrawal"], TT["transfer_out"]),
        np.where(cash, DESC["Branch cash withdrawal"], DESC["Outward remittance"]),
        cp=np.where(cash, -1, b.pools.offshore_company(rng, len(rows))),
        flag=FORCED,
    )
    silent = np.round((wake - acc.open_day[a]) / 30.44).astype(np.int64)
    details = [
        f"no activity for {m} months, then {i + o} large transactions within two weeks"
        for m, i, o in zip(silent, k_in, k_out, strict=True)
    ]
    b.labels.append(("account", a, "dormant_reactivated", wake, details))
