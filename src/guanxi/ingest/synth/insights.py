"""Proactive insights planted with ground truth, for ``guanxi eval insights``.

Each batch plants five kinds, each on its own small random share of customers, on personal
current accounts open through the whole history, all in the last weeks before its end:

- ``duplicate_charge``: one card purchase booked twice at the same merchant minutes apart;
- ``recurring_increase``: a monthly insurance premium, the same for at least three months, then
  12-40 % dearer;
- ``refund_posted``: an online purchase, then the merchant's refund (a card credit);
- ``low_balance_forecast``: a monthly lease debit due in the first days after the end, and a
  transfer out just before the end that leaves less than the lease on the account;
- ``large_purchase``: one card purchase of 30,000-90,000 CNY.

``salary_received`` is not planted: the bank already pays salaries. Its ground truth is every
salary booked in the last 30 days to an account paid a salary in at least four of the six
calendar months before the end, so the rule is checked against all of them.

Planting runs after every other flow and before booking, so the low-balance plant can size its
transfer from the account's projected balance; the ground truth is taken after booking, when the
planted transactions have their keys. It goes to ``ground_truth/insights.csv``, never into the extract.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from guanxi.ingest.synth.catalogue import CURRENCIES, FX
from guanxi.ingest.synth.context import Batch
from guanxi.ingest.synth.history import DAY, add_months, epoch_day, to_date
from guanxi.ingest.synth.ledger import CH, TT, Ledger
from guanxi.ingest.synth.pools import DESC, MCC
from guanxi.ingest.synth.records import account_keys

SHARE = 0.004  # of a batch's customers per planted kind: 6 in a 1,500-customer bank, 20 in 5,000
LOOKBACK_DAYS = 30  # events are planted in the last 30 days, the window ``guanxi eval insights`` looks at
SALARY_MONTHS, SALARY_MIN_MONTHS = 6, 4  # a regular salary: paid in 4 of the 6 months before (salary.sql)
PRIOR_PREMIUMS = (3, 5)  # premiums at the old price before the rise: at least 3, at most 5
PRIOR_LEASES = (3, 4)  # lease debits before the one falling due after the end
TRUTH_COLUMNS = ("party_key", "kind", "event_date", "amount", "currency", "account_key", "references", "detail")


@dataclass
class Plant:
    """One planted insight: its account, date, amount and the transactions it points at."""

    kind: str
    account: int  # position in the batch's accounts
    day: int  # epoch day of the event (the history's end for a forecast)
    cents: int
    refs: list[tuple[int, int]] = field(default_factory=list)  # (epoch second, cents) on the account
    detail: str = ""


def plant(b: Batch) -> list[Plant]:
    """Plant every kind in this batch's buffer of transactions; return what was planted."""
    rng = b.rng("insights")
    accounts = rng.permutation(_eligible(b))
    count = min(math.ceil(b.cust.n * SHARE), len(accounts) // 8)
    parts = [accounts[k * count : (k + 1) * count] for k in range(4)]
    plants = _duplicates(b, rng, parts[0])
    plants += _increases(b, rng, parts[1])
    plants += _refunds(b, rng, parts[2])
    # The last two size their amounts from what the accounts booked so far (the others' plants included).
    booked = b.buf.concat()
    plants += _large_purchases(b, rng, parts[3], booked)
    # Not every account can be drawn down safely: take the first that can, from all that are left.
    plants += _low_balances(b, rng, accounts[4 * count :], count, booked)
    return plants


def _eligible(b: Batch) -> np.ndarray:
    """Personal current accounts open from before the history to past its end, in ordinary use."""
    acc, cust, hist = b.acc, b.cust, b.hist
    cur = b.ptr["current"]
    a = np.unique(cur[(cur >= 0) & ~cust.is_org & ~cust.churn])
    ok = (acc.open_day[a] < hist.start_day) & ((acc.close_day[a] < 0) | (acc.close_day[a] >= hist.end_day))
    return a[ok & ~b.quiet[a]]


def _recent(b: Batch, rng: np.random.Generator, n: int) -> np.ndarray:
    """Epoch days inside the last 30 days, a couple of days clear of either edge."""
    return b.hist.end_day - rng.integers(2, LOOKBACK_DAYS - 1, n)


def _at(b: Batch, rng: np.random.Generator, day: np.ndarray, hours: str) -> np.ndarray:
    """Epoch seconds on each epoch day, at a time drawn from an hour profile."""
    return b.hist.seconds(rng, np.asarray(day) - b.hist.start_day, hours)


def _cents(b: Batch, a: np.ndarray, cny: np.ndarray) -> np.ndarray:
    """Whole CNY amounts in the accounts' currencies, in cents."""
    return np.maximum(np.round(cny * 100 * FX[b.acc.currency[a]]), 1).astype(np.int64)


def _area(b: Batch, a: np.ndarray) -> np.ndarray:
    return b.cust.area[b.acc.owner[a]]


def _duplicates(b: Batch, rng: np.random.Generator, a: np.ndarray) -> list[Plant]:
    n = len(a)
    mcc = rng.choice(np.array([MCC["restaurants"], MCC["groceries"], MCC["retail"]]), n)
    cp = b.pools.merchant(rng, _area(b, a), mcc)
    first = _at(b, rng, _recent(b, rng, n), "retail")
    second = first + rng.integers(30, 8 * 60, n)  # the terminal retried within minutes
    cents = _cents(b, a, np.round(rng.lognormal(np.log(150), 0.6, n)))
    for t in (first, second):
        b.buf.add(a, t, cents, False, CH["pos"], TT["card_purchase"], DESC["POS purchase"], mcc, cp)
    return [
        Plant("duplicate_charge", int(x), int(t2 // DAY), int(c), [(int(t1), int(c)), (int(t2), int(c))])
        for x, t1, t2, c in zip(a, first, second, cents, strict=True)
    ]


def _monthly(day: int, months: range, start_day: int) -> list[int]:
    """Epoch days ``k`` calendar months before ``day`` for each k, keeping those inside the history."""
    date = to_date(day)
    return [d for d in (epoch_day(add_months(date, -k)) for k in months) if d >= start_day]


def _increases(b: Batch, rng: np.random.Generator, a: np.ndarray) -> list[Plant]:
    hist = b.hist
    latest = _recent(b, rng, len(a))
    old = _cents(b, a, np.round(rng.uniform(200, 1500, len(a))))
    rise = rng.uniform(1.12, 1.4, len(a))
    insurer = b.pools.merchant(rng, _area(b, a), np.full(len(a), MCC["insurance"]))
    plants = []
    for x, day, before, up, cp in zip(a, latest, old, rise, insurer, strict=True):
        prior = _monthly(int(day), range(1, PRIOR_PREMIUMS[1] + 1), hist.start_day)
        if len(prior) < PRIOR_PREMIUMS[0]:
            continue  # the history is too short to show a premium that was stable first
        new = int(np.ceil(before * up / 100)) * 100  # whole units, rounded up: the rise stays over 10 %
        days = np.array([*prior, day])
        t = _at(b, rng, days, "batch")
        cents = np.array([before] * len(prior) + [new])
        b.buf.add(
            np.full(len(days), x),
            t,
            cents,
            False,
            CH["system"],
            TT["insurance_premium"],
            DESC["Insurance premium"],
            MCC["insurance"],
            cp,
        )
        detail = f"premium up from {_money(int(before))} after {len(prior)} months"
        plants.append(Plant("recurring_increase", int(x), int(day), new, [(int(t[-1]), new)], detail))
    return plants


def _refunds(b: Batch, rng: np.random.Generator, a: np.ndarray) -> list[Plant]:
    n = len(a)
    refund_day = _recent(b, rng, n)
    bought_day = np.maximum(refund_day - rng.integers(2, 21, n), b.hist.start_day)
    mcc = rng.choice(np.array([MCC["retail"], MCC["electronics"], MCC["travel"]]), n)
    cp = b.pools.merchant(rng, _area(b, a), mcc)
    paid = _cents(b, a, np.round(rng.lognormal(np.log(800), 0.7, n)))
    partial = rng.random(n) < 0.3
    back = np.where(partial, np.maximum(np.round(paid * rng.uniform(0.3, 0.8, n)), 1), paid).astype(np.int64)
    t_paid = _at(b, rng, bought_day, "online")
    t_back = _at(b, rng, refund_day, "office")
    b.buf.add(a, t_paid, paid, False, CH["online"], TT["card_purchase"], DESC["Online purchase"], mcc, cp)
    b.buf.add(a, t_back, back, True, CH["online"], TT["card_purchase"], DESC["Online purchase"], mcc, cp)
    return [
        Plant("refund_posted", int(x), int(d), int(c), [(int(t2), int(c)), (int(t1), int(p))], f"of {_money(int(p))}")
        for x, d, c, p, t1, t2 in zip(a, refund_day, back, paid, t_paid, t_back, strict=True)
    ]


def _large_purchases(b: Batch, rng: np.random.Generator, a: np.ndarray, booked: dict[str, np.ndarray]) -> list[Plant]:
    """30,000-90,000 CNY, and at least five times the largest purchase any holder made before."""
    n, acc = len(a), b.acc
    largest = np.zeros(b.cust.n)
    bought = np.flatnonzero((booked["ttype"] == TT["card_purchase"]) & ~booked["credit"])
    acct = booked["acct"][bought]
    cny = booked["cents"][bought] / FX[acc.currency[acct]] / 100
    np.maximum.at(largest, acc.owner[acct], cny)
    joint = acc.joint[acct] >= 0
    np.maximum.at(largest, acc.joint[acct][joint], cny[joint])
    usual = np.maximum(largest[acc.owner[a]], np.where(acc.joint[a] >= 0, largest[np.maximum(acc.joint[a], 0)], 0))
    mcc = rng.choice(np.array([MCC["electronics"], MCC["travel"], MCC["retail"]]), n)
    cp = b.pools.merchant(rng, _area(b, a), mcc)
    cny_amount = np.maximum(np.round(rng.uniform(30_000, 90_000, n), -2), np.ceil(usual * 5 / 100) * 100)
    cents = _cents(b, a, cny_amount)
    t = _at(b, rng, _recent(b, rng, n), "retail")
    b.buf.add(a, t, cents, False, CH["pos"], TT["card_purchase"], DESC["POS purchase"], mcc, cp)
    return [
        Plant("large_purchase", int(x), int(s // DAY), int(c), [(int(s), int(c))])
        for x, s, c in zip(a, t, cents, strict=True)
    ]


def _low_balances(
    b: Batch, rng: np.random.Generator, candidates: np.ndarray, count: int, booked: dict[str, np.ndarray]
) -> list[Plant]:
    """A monthly lease due just after the end, and a balance left below it.

    Booking raises the opening balance of an account that would go overdrawn, which would undo
    the plant; so the account's running balance is projected from the buffer, and only accounts
    that stay in credit with the lease debits added are used.
    """
    hist, acc = b.hist, b.acc
    if count == 0 or len(candidates) == 0:
        return []
    cand = candidates[: 10 * count]
    due = hist.end_day + rng.integers(1, 6, len(cand))  # the next lease falls due 1-5 days after the end
    lease = _cents(b, cand, np.round(rng.uniform(2_500, 8_000, len(cand)), -2))
    left = np.round(lease * rng.uniform(0.05, 0.6, len(cand))).astype(np.int64)
    lessor = b.pools.organisation(rng, b.cust.branch[acc.owner[cand]])
    # What booking will keep of these accounts' rows (they are open all along, and not quiet).
    keep = np.isin(booked["acct"], cand) & (booked["cents"] > 0)
    keep &= (booked["t"] >= hist.start_day * DAY) & (booked["t"] < hist.end_day * DAY)
    acct, t = booked["acct"][keep], booked["t"][keep]
    signed = np.where(booked["credit"][keep], booked["cents"][keep], -booked["cents"][keep])
    plants: list[Plant] = []
    for k, x in enumerate(cand):
        if len(plants) == count:
            break
        days = _monthly(int(due[k]), range(PRIOR_LEASES[1], 0, -1), hist.start_day)
        if len(days) < PRIOR_LEASES[0]:
            continue
        when = _at(b, rng, np.array(days), "batch")
        mine = acct == x
        order = np.argsort(np.r_[t[mine], when], kind="stable")
        flow = np.r_[signed[mine], np.full(len(when), -lease[k])][order]
        path = acc.opening[x] + np.cumsum(flow)
        if len(path) and path.min() < 0:
            continue  # booking would lift the opening balance and undo the plant
        b.buf.add(
            np.full(len(when), x),
            when,
            lease[k],
            False,
            CH["system"],
            TT["bill_payment"],
            DESC["Lease payment"],
            cp=lessor[k],
        )
        balance = int(path[-1]) if len(path) else int(acc.opening[x])
        if balance > left[k]:
            last = max(int(np.r_[t[mine], when].max()) + 1, (hist.end_day - 1) * DAY + 20 * 3600)
            out_at = min(last, hist.end_day * DAY - 1)
            b.buf.add(
                np.array([x]),
                np.array([out_at]),
                balance - int(left[k]),
                False,
                CH["mobile"],
                TT["transfer_out"],
                DESC["Transfer to other bank"],
                cp=b.pools.pick(rng, "bank", _area(b, np.array([x]))),
            )
            balance = int(left[k])
        detail = f"balance {_money(balance)}, lease of {_money(int(lease[k]))} due {to_date(int(due[k])).isoformat()}"
        plants.append(
            Plant(
                "low_balance_forecast",
                int(x),
                hist.end_day,
                int(lease[k]) - balance,
                [(int(when[-1]), int(lease[k]))],
                detail,
            )
        )
    return plants


def truth(b: Batch, ledger: Ledger, plants: list[Plant]) -> pa.Table:
    """The batch's ground truth, once booking has given every transaction its key."""
    c = ledger.cols
    start = b.hist.start_day * DAY
    order = c["acct"].astype(np.int64) << 34 | (c["t"] - start)
    rows: list[tuple[str, int, int, int, list[int], str]] = []
    for p in plants:
        refs = [_find(c, order, p.account, t, cents, start) for t, cents in p.refs]
        rows.append((p.kind, p.account, p.day, p.cents, [r for r in refs if r >= 0], p.detail))
    rows += _salaries(b, ledger)
    keys = account_keys(b.acc, b.index)
    out: dict[str, list[str]] = {name: [] for name in TRUTH_COLUMNS}
    for kind, account, day, cents, refs, detail in rows:
        holders = [b.acc.owner[account]] + ([b.acc.joint[account]] if b.acc.joint[account] >= 0 else [])
        # Transaction keys as ledger.transaction_columns writes them: batch, then position.
        references = ";".join(f"T{b.index * 10**9 + r:014d}" for r in refs)
        for party in holders:
            out["party_key"].append(f"P{int(b.cust.number[party]):09d}")
            out["kind"].append(kind)
            out["event_date"].append(to_date(day).isoformat())
            out["amount"].append(_money(cents))
            out["currency"].append(CURRENCIES[b.acc.currency[account]])
            out["account_key"].append(keys[account].as_py())
            out["references"].append(references)
            out["detail"].append(detail)
    return pa.table({name: pa.array(values, pa.string()) for name, values in out.items()})


def _find(c: dict[str, np.ndarray], order: np.ndarray, account: int, t: int, cents: int, start: int) -> int:
    """Position in the booked ledger of the transaction on ``account`` at ``t`` for ``cents`` (-1 if dropped)."""
    key = np.int64(account) << 34 | (t - start)
    lo, hi = np.searchsorted(order, key, "left"), np.searchsorted(order, key, "right")
    hits = [i for i in range(lo, hi) if c["cents"][i] == cents]
    return int(hits[0]) if hits else -1


def _salaries(b: Batch, ledger: Ledger) -> list[tuple[str, int, int, int, list[int], str]]:
    """Salary days in the last 30 days on accounts with a regular salary, one per account and day."""
    c, end = ledger.cols, b.hist.end_day
    pos = np.flatnonzero((c["ttype"] == TT["salary"]) & c["credit"])
    a, day, cents = c["acct"][pos].astype(np.int64), c["t"][pos] // DAY, c["cents"][pos]
    months_ago = _month(np.array([end]))[0] - _month(day)
    counted = (months_ago >= 1) & (months_ago <= SALARY_MONTHS)
    paid = np.unique(a[counted] * 10_000 + months_ago[counted])
    regular = np.bincount(paid // 10_000, minlength=b.acc.m) >= SALARY_MIN_MONTHS
    recent = (day >= end - LOOKBACK_DAYS) & (day < end) & regular[a]
    rows = []
    groups: dict[tuple[int, int], list[int]] = {}
    for i in np.flatnonzero(recent):
        groups.setdefault((int(a[i]), int(day[i])), []).append(int(i))
    for (account, d), members in sorted(groups.items()):
        total = int(cents[members].sum())
        rows.append(("salary_received", account, d, total, [int(pos[i]) for i in members], "regular salary"))
    return rows


def _month(day: np.ndarray) -> np.ndarray:
    """Calendar month number (months since 1970-01) of each epoch day."""
    return np.asarray(day).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def write_truth(out: Path, tables: list[pa.Table]) -> Path:
    """Write every batch's ground truth to ``ground_truth/insights.csv`` (replacing an earlier one)."""
    folder = out / "ground_truth"
    folder.mkdir(parents=True, exist_ok=True)
    schema = pa.schema([(name, pa.string()) for name in TRUTH_COLUMNS])
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    path = folder / "insights.csv"
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return path
