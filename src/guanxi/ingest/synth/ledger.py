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
# FORCED rows (planted patterns) may touch quiet accounts; CLOSING rows empty an account as it closes.
NORMAL, OPENING, FORCED, CLOSING = 0, 1, 2, 3
OPEN_HOUR = 9 * 3600  # new accounts open at 09:00 with their first transaction

_FIELDS = (
    ("acct", np.int32), ("t", np.int64), ("cents", np.int64), ("credit", np.bool_), ("channel", np.int8),
    ("ttype", np.int8), ("desc", np.int16), ("mcc", np.int8), ("cp", np.int32), ("flag", np.int8),
)  # fmt: skip


class TxnBuffer:
    """Column chunks of generated transactions, concatenated once at the end of a batch."""

    def __init__(self) -> None:
        self._chunks: dict[str, list[np.ndarray]] = {name: [] for name, _ in _FIELDS}

    def add(self, acct: np.ndarray, t: np.ndarray, cents: np.ndarray, credit: bool | np.ndarray,
            channel: int | np.ndarray, ttype: int | np.ndarray, desc: int | np.ndarray,
            mcc: int | np.ndarray = -1, cp: int | np.ndarray = -1, flag: int = NORMAL) -> None:  # fmt: skip
        """Append transactions; scalars apply to every row."""
        n = len(acct)
        values = {"acct": acct, "t": t, "cents": cents, "credit": credit, "channel": channel, "ttype": ttype,
                  "desc": desc, "mcc": mcc, "cp": cp, "flag": flag}  # fmt: skip
        for name, dtype in _FIELDS:
            self._chunks[name].append(np.broadcast_to(np.asarray(values[name], dtype=dtype), (n,)))

    def pair(self, src: np.ndarray, dst: np.ndarray, t: np.ndarray, cents: np.ndarray, currency: np.ndarray,
             ttype: tuple[int, int], channel: int | np.ndarray, desc: tuple[int, int], flag: int = NORMAL,
             cp: int | np.ndarray = -1) -> None:  # fmt: skip
        """Move money between two of the bank's accounts, converting between their currencies."""
        self.add(src, t, cents, False, channel, ttype[0], desc[0], cp=cp)
        converted = np.round(cents * FX[currency[dst]] / FX[currency[src]]).astype(np.int64)
        self.add(dst, t, converted, True, channel, ttype[1], desc[1], flag=flag)

    def concat(self) -> dict[str, np.ndarray]:
        """All rows as one array per field."""
        return {name: np.concatenate(chunks) if chunks else np.zeros(0, dtype=dtype)
                for (name, dtype), chunks in zip(_FIELDS, self._chunks.values(), strict=True)}  # fmt: skip


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
    keep |= flag == CLOSING
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
