"""Booking: collect generated transactions, order them per account and run the balances.

Flows are generated independently and appended to a :class:`TxnBuffer`. :func:`settle` then
drops what falls outside an account's life, sorts by account and time, and computes each
``balance_after`` as the opening balance plus a running sum. Deposit accounts never go
overdrawn: where spending would push one below zero, the opening balance (or the opening
deposit of a new account) is raised just enough. Closing accounts get a last transaction that
moves the remaining balance out, so a closed account ends at exactly zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from guanxi.codes import MERCHANT_CATEGORIES, Direction, TxnChannel, TxnType
from guanxi.ingest.synth import arrays as ar
from guanxi.ingest.synth.catalogue import CURRENCIES, FAMILY, FX, LIABILITY
from guanxi.ingest.synth.history import DAY, History
from guanxi.ingest.synth.holdings import Accounts
from guanxi.ingest.synth.pools import DESC, Pools

CH = {c.value: i for i, c in enumerate(TxnChannel)}
TT = {t.value: i for i, t in enumerate(TxnType)}
# FORCED rows (planted patterns) may touch quiet accounts; CLOSING rows empty an account as it
# closes; DRAIN rows move part of the balance away before that (their amount is set when booking).
NORMAL, OPENING, FORCED, CLOSING, DRAIN = 0, 1, 2, 3, 4
OPEN_HOUR = 9 * 3600  # new accounts open at 09:00 with their first transaction

_FIELDS = (
    ("acct", np.int32),
    ("t", np.int64),
    ("cents", np.int64),
    ("credit", np.bool_),
    ("channel", np.int8),
    ("ttype", np.int8),
    ("desc", np.int16),
    ("mcc", np.int8),
    ("cp", np.int32),
    ("flag", np.int8),
)


class TxnBuffer:
    """Column chunks of generated transactions, concatenated once at the end of a batch."""

    def __init__(self) -> None:
        self._chunks: dict[str, list[np.ndarray]] = {name: [] for name, _ in _FIELDS}

    def add(
        self,
        acct: np.ndarray,
        t: np.ndarray,
        cents: np.ndarray,
        credit: bool | np.ndarray,
        channel: int | np.ndarray,
        ttype: int | np.ndarray,
        desc: int | np.ndarray,
        mcc: int | np.ndarray = -1,
        cp: int | np.ndarray = -1,
        flag: int = NORMAL,
    ) -> None:
        """Append transactions; scalars apply to every row."""
        n = len(acct)
        values = {
            "acct": acct,
            "t": t,
            "cents": cents,
            "credit": credit,
            "channel": channel,
            "ttype": ttype,
            "desc": desc,
            "mcc": mcc,
            "cp": cp,
            "flag": flag,
        }
        for name, dtype in _FIELDS:
            self._chunks[name].append(np.broadcast_to(np.asarray(values[name], dtype=dtype), (n,)))

    def pair(
        self,
        src: np.ndarray,
        dst: np.ndarray,
        t: np.ndarray,
        cents: np.ndarray,
        currency: np.ndarray,
        ttype: tuple[int, int],
        channel: int | np.ndarray,
        desc: tuple[int, int],
        flag: int = NORMAL,
        cp: int | np.ndarray = -1,
    ) -> None:
        """Move money between two of the bank's accounts, converting between their currencies."""
        self.add(src, t, cents, False, channel, ttype[0], desc[0], cp=cp)
        converted = np.round(cents * FX[currency[dst]] / FX[currency[src]]).astype(np.int64)
        self.add(dst, t, converted, True, channel, ttype[1], desc[1], flag=flag)

    def concat(self) -> dict[str, np.ndarray]:
        """All rows as one array per field."""
        return {
            name: np.concatenate(chunks) if chunks else np.zeros(0, dtype=dtype)
            for (name, dtype), chunks in zip(_FIELDS, self._chunks.values(), strict=True)
        }


def open_window(acc: Accounts, hist: History) -> tuple[np.ndarray, np.ndarray]:
    """Per account, the first and last epoch second at which ordinary transactions may book."""
    new = acc.open_day >= hist.start_day
    first = np.where(new, acc.open_day * DAY + OPEN_HOUR, hist.start_day * DAY - 1)
    last = np.where(acc.close_day >= 0, acc.close_day * DAY, hist.end_day * DAY)
    return first, np.minimum(last, hist.end_day * DAY)


def alive(acc: Accounts, first: np.ndarray, last: np.ndarray, acct: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Whether each (account, time) falls inside the account's open window."""
    return (t > first[acct]) & (t < last[acct])


@dataclass
class Ledger:
    """Booked transactions of a batch, sorted by account and time, with balances."""

    cols: dict[str, np.ndarray]
    balance_after: np.ndarray
    balance: np.ndarray  # final balance per account
    limit: np.ndarray  # credit limit per account after covering the deepest use


def settle(rng: np.random.Generator, buf: TxnBuffer, acc: Accounts, quiet: np.ndarray, hist: History) -> Ledger:
    """Filter, order and balance the batch's transactions; close accounts that close."""
    # Closing transactions: booked after everything else on the closing day; amounts come later.
    closing = np.flatnonzero((acc.close_day >= hist.start_day) & (acc.close_day < hist.end_day))
    t_close = acc.close_day[closing] * DAY + 10 * 3600 + rng.integers(0, 3600, len(closing))
    buf.add(closing, t_close, 0, False, CH["branch"], TT["transfer_out"], DESC["Account closure"], flag=CLOSING)
    c = buf.concat()
    first, last = open_window(acc, hist)
    a, t, flag = c["acct"], c["t"], c["flag"]
    keep = (c["cents"] > 0) & (t >= hist.start_day * DAY) & (t < last[a])
    keep &= (t > first[a]) | ((flag == OPENING) & (t == first[a]))
    keep &= ~quiet[a] | (flag == FORCED)
    keep |= (flag == CLOSING) | ((flag == DRAIN) & (t >= hist.start_day * DAY) & (t < last[a]))
    # One gather per column: the kept rows, ordered by account then time (stable for ties).
    rows = np.flatnonzero(keep)
    key = a[rows].astype(np.int64) << 34 | (t[rows] - hist.start_day * DAY)
    rows = rows[np.argsort(key, kind="stable")]
    c = {name: v[rows] for name, v in c.items()}
    is_close = c["flag"] == CLOSING
    a = c["acct"]
    signed = np.where(c["credit"], c["cents"], -c["cents"])
    signed[is_close] = 0
    n = len(a)
    starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]]) if n else np.zeros(0, dtype=np.int64)
    lengths = np.diff(np.r_[starts, n])
    cum = np.cumsum(signed)
    base = np.repeat(cum[starts] - signed[starts], lengths)
    bal = acc.opening[a] + cum - base

    # Raise the opening balance (or the opening deposit) of deposit accounts that would go overdrawn.
    group_acct = a[starts]
    lowest = np.minimum.reduceat(bal, starts) if n else np.zeros(0, dtype=np.int64)
    deposit = ~LIABILITY[acc.family[group_acct]]
    cushion = np.round(rng.uniform(10_000, 300_000, len(starts)) * FX[acc.currency[group_acct]]).astype(np.int64)
    need = np.where(deposit & (lowest < 0), cushion - lowest, 0)
    first_credit = c["credit"][starts] & (c["flag"][starts] == OPENING)
    bump_first = first_credit & (need > 0)
    c["cents"][starts[bump_first]] += need[bump_first]
    acc.opening[group_acct[~bump_first]] += need[~bump_first]
    bal += np.repeat(need, lengths)

    _drain(rng, c, bal, starts, lengths)

    # Closing: move out whatever is left (or settle what is owed) so the account ends at zero.
    left = bal[is_close]
    close_acct = a[is_close]
    c["cents"][is_close] = np.abs(left)
    c["credit"][is_close] = left < 0
    owed = left < 0
    card = acc.family[close_acct] == FAMILY["credit_card"]
    c["ttype"][np.flatnonzero(is_close)[owed]] = np.where(card[owed], TT["card_repayment"], TT["transfer_in"])
    c["desc"][np.flatnonzero(is_close)[owed]] = DESC["Final settlement"]
    bal[is_close] = 0
    drop = np.zeros(len(bal), dtype=bool)
    drop[np.flatnonzero(is_close)[left == 0]] = True
    drop |= (c["flag"] == DRAIN) & (c["cents"] == 0)
    if drop.any():
        c = {name: v[~drop] for name, v in c.items()}
        bal = bal[~drop]
        a = c["acct"]

    balance = acc.opening.copy()
    if len(a):
        ends = np.flatnonzero(np.r_[a[1:] != a[:-1], True])
        balance[a[ends]] = bal[ends]
    balance[(acc.close_day >= 0) & (acc.close_day < hist.end_day)] = 0
    limit = acc.limit.copy()
    if len(a):
        starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
        deepest = np.minimum.reduceat(bal, starts)
        cards = acc.limit[a[starts]] >= 0
        need_limit = -np.floor_divide(deepest, 100_000) * 100_000  # whole thousands above the deepest use
        idx = a[starts][cards]
        limit[idx] = np.maximum(limit[idx], need_limit[cards])
    return Ledger(c, bal, balance, limit)


def _drain(
    rng: np.random.Generator, c: dict[str, np.ndarray], bal: np.ndarray, starts: np.ndarray, lengths: np.ndarray
) -> None:
    """Size the DRAIN rows: each moves a share of the lowest balance the account has from then on.

    Taking a share of that suffix minimum (less what earlier drains took) keeps every later
    balance non-negative while the balance falls step by step before the account closes.
    """
    is_drain = c["flag"] == DRAIN
    if not is_drain.any():
        return
    group = np.repeat(np.arange(len(starts)), lengths)
    touched = np.zeros(len(starts), dtype=bool)
    touched[group[is_drain]] = True
    rows = np.flatnonzero(touched[group])
    sub_group = np.unique(group[rows], return_inverse=True)[1]
    sub = bal[rows]
    span = int(sub.max() - sub.min()) + 1
    # A segmented suffix minimum: shift each account above the previous one, then accumulate backwards.
    shifted = sub + sub_group.astype(np.int64) * span
    suffix_min = np.minimum.accumulate(shifted[::-1])[::-1] - sub_group.astype(np.int64) * span
    local = np.flatnonzero(is_drain[rows])
    owner = sub_group[local]
    taken = np.zeros(sub_group.max() + 1, dtype=np.int64)
    amount = np.zeros(len(local), dtype=np.int64)
    rank = np.arange(len(local)) - np.searchsorted(owner, owner, side="left")
    share = rng.uniform(0.25, 0.5, len(local))
    for r in range(int(rank.max()) + 1):
        at = np.flatnonzero(rank == r)
        room = np.maximum(suffix_min[local[at]] - taken[owner[at]], 0)
        amount[at] = np.round(room * share[at], -2).astype(np.int64)
        taken[owner[at]] += amount[at]
    c["cents"][rows[local]] = amount
    # Every later balance of the account is lower by what the drains so far took.
    moved = np.zeros(len(rows), dtype=np.int64)
    moved[local] = amount
    cum = np.cumsum(moved)
    first = np.searchsorted(sub_group, sub_group, side="left")
    bal[rows] -= cum - (cum[first] - moved[first])


_CHANNELS = pa.array([x.value for x in TxnChannel])
_TYPES = pa.array([x.value for x in TxnType])
_DIRECTIONS = pa.array([Direction.CREDIT.value, Direction.DEBIT.value])
_MCC = pa.array(list(MERCHANT_CATEGORIES))
_CURRENCIES = pa.array(list(CURRENCIES))


def transaction_columns(led: Ledger, acc: Accounts, account_keys: pa.Array, pools: Pools, batch: int) -> dict:
    """Columns of one transactions part (text columns dictionary-encoded against their pools)."""
    c = led.cols
    n = len(c["acct"])
    return {
        "key": ar.batch_keys("T", batch, n, 9),
        "account_key": ar.codes(account_keys, c["acct"]),
        "booked_at": ar.timestamps(c["t"]),
        "amount": ar.money(c["cents"]),
        "currency": ar.codes(_CURRENCIES, acc.currency[c["acct"]]),
        "direction": ar.codes(_DIRECTIONS, (~c["credit"]).astype(np.int8)),
        "channel": ar.codes(_CHANNELS, c["channel"]),
        "txn_type": ar.codes(_TYPES, c["ttype"]),
        "merchant_category": ar.codes(_MCC, c["mcc"]),
        "counterparty": ar.codes(pools.text, c["cp"]),
        "description": ar.codes(pools.descriptions, c["desc"]),
        "balance_after": ar.money(led.balance_after),
    }
