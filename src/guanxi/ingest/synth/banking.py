"""Bank-driven flows: account openings, interest, fees, card and loan repayments, standing orders."""

from __future__ import annotations

import numpy as np

from guanxi.ingest.synth.catalogue import FX
from guanxi.ingest.synth.context import Batch
from guanxi.ingest.synth.history import DAY
from guanxi.ingest.synth.holdings import (
    ACTIVE,
    T_CC,
    T_CURRENT,
    T_EXTRA_SAVINGS,
    T_FUND,
    T_MORTGAGE,
    T_PL,
    T_SAVINGS,
    T_SME,
    T_TD,
)
from guanxi.ingest.synth.ledger import CH, OPEN_HOUR, OPENING, TT, alive
from guanxi.ingest.synth.orders import PURPOSE
from guanxi.ingest.synth.pools import DESC, MCC


def openings(b: Batch) -> None:
    """First transactions of accounts opened during the history, funded from the current account."""
    acc, hist, rng = b.acc, b.hist, b.rng("openings")
    new = (acc.open_day >= hist.start_day) & (acc.open_day < hist.end_day)
    at = acc.open_day * DAY + OPEN_HOUR
    rows = np.flatnonzero(new & (acc.tag == T_CURRENT))
    b.buf.add(
        rows, at[rows], acc.base[rows], True, CH["branch"], TT["cash_deposit"], DESC["Opening deposit"], flag=OPENING
    )
    cur = b.ptr["current"][acc.owner]
    for tags, ttype, desc in (
        ((T_SAVINGS, T_EXTRA_SAVINGS), (TT["transfer_out"], TT["transfer_in"]), DESC["Savings transfer"]),
        ((T_TD,), (TT["transfer_out"], TT["transfer_in"]), DESC["Time deposit placement"]),
        ((T_FUND,), (TT["investment"], TT["investment"]), DESC["Fund subscription"]),
    ):
        rows = np.flatnonzero(new & np.isin(acc.tag, tags) & (cur >= 0))
        src = cur[rows]
        cents = np.round(acc.base[rows] * FX[acc.currency[src]] / FX[acc.currency[rows]]).astype(np.int64)
        channel = np.where(rng.random(len(rows)) < 0.6, CH["mobile"], CH["branch"])
        b.buf.pair(src, rows, at[rows], cents, acc.currency, ttype, channel, (desc, desc), flag=OPENING)
    # Loans: the drawdown debits the loan account; personal and SME loans are paid into the current account.
    rows = np.flatnonzero(new & np.isin(acc.tag, (T_MORTGAGE, T_PL, T_SME)))
    b.buf.add(rows, at[rows], acc.base[rows], False, CH["system"], TT["other"], DESC["Loan drawdown"], flag=OPENING)
    paid_out = rows[(acc.tag[rows] != T_MORTGAGE) & (cur[rows] >= 0)]
    dst = cur[paid_out]
    cents = np.round(acc.base[paid_out] * FX[acc.currency[dst]] / FX[acc.currency[paid_out]]).astype(np.int64)
    b.buf.add(dst, at[paid_out] + 60, cents, True, CH["system"], TT["transfer_in"], DESC["Loan disbursement"])


def interest(b: Batch) -> None:
    """Deposit interest: quarterly on the 21st for CNY demand deposits (as mainland banks do), else monthly."""
    acc, hist, rng = b.acc, b.hist, b.rng("interest")
    rate = b.cat.product_rate[acc.product]
    earning = np.isin(acc.tag, (T_CURRENT, T_SAVINGS, T_EXTRA_SAVINGS, T_TD)) & (acc.status == ACTIVE) & ~b.quiet
    earning |= np.isin(acc.tag, (T_CURRENT, T_SAVINGS, T_TD)) & (acc.close_day >= 0)
    rows = np.flatnonzero(earning & (rate > 0))
    principal = np.maximum(acc.opening[rows], acc.base[rows]).astype(np.float64)
    quarterly = (acc.currency[rows] == 0) & (acc.tag[rows] != T_TD)
    m = np.arange(hist.months)
    r, mm = np.repeat(np.arange(len(rows)), hist.months), np.tile(m, len(rows))
    quarter_end = np.isin(hist.calendar_month[mm], [3, 6, 9, 12])
    posts = np.where(quarterly[r], quarter_end, True)
    r, mm = r[posts], mm[posts]
    day = np.where(quarterly[r], hist.day_of_month(mm, np.full(len(r), 21)), hist.month_start[mm + 1] - 1)
    months = np.where(quarterly[r], 3, 1)
    cents = np.round(principal[r] * rate[rows][r] * months / 12 * rng.uniform(0.9, 1.1, len(r))).astype(np.int64)
    b.buf.add(
        rows[r], hist.seconds(rng, day, "batch"), cents, True, CH["system"], TT["interest"], DESC["Deposit interest"]
    )


def card_repayments(b: Batch, purchases: np.ndarray) -> None:
    """Monthly credit card statements: most pay in full from the current account, some revolve and pay interest."""
    acc, hist, rng = b.acc, b.hist, b.rng("card-repayments")
    cards = np.flatnonzero(acc.tag == T_CC)
    if len(cards) == 0:
        return
    cur = b.ptr["current"][acc.owner[cards]]
    revolver = rng.random(len(cards)) < 0.25
    share = np.where(revolver, rng.uniform(0.2, 0.6, len(cards)), 1.0)
    due_dom = rng.integers(18, 29, len(cards))
    carry = np.maximum(-acc.opening[cards], 0).astype(np.float64)
    for m in range(hist.months):
        stmt_day = hist.day_of_month(np.full(len(cards), m), np.full(len(cards), 5))
        stmt_t = (stmt_day + hist.start_day) * DAY + 3 * 3600
        live = alive(acc, b.first, b.last, cards, stmt_t)
        charge = np.where(revolver & live & (m > 0), np.round(carry * 0.015), 0)
        owed = carry + (purchases[cards, m - 1] if m > 0 else 0) + charge
        pay = np.where(share >= 1, owed, np.maximum(np.round(owed * share), np.minimum(owed, 10_000)))
        pay_day = hist.day_of_month(np.full(len(cards), m), due_dom)
        pay_t = hist.seconds(rng, pay_day, "evening")
        ok = live & (cur >= 0) & (pay > 0) & alive(acc, b.first, b.last, cards, pay_t)
        carry = np.where(ok, owed - pay, owed)
        sel = np.flatnonzero(charge > 0)
        b.buf.add(
            cards[sel],
            stmt_t[sel],
            charge[sel].astype(np.int64),
            False,
            CH["system"],
            TT["interest"],
            DESC["Card interest"],
        )
        sel = np.flatnonzero(ok)
        src = cur[sel]
        cents = np.round(pay[sel] * FX[acc.currency[src]] / FX[acc.currency[cards[sel]]]).astype(np.int64)
        channel = np.where(rng.random(len(sel)) < 0.6, CH["mobile"], CH["system"])
        b.buf.add(src, pay_t[sel], cents, False, channel, TT["card_repayment"], DESC["Card repayment"])
        b.buf.add(
            cards[sel],
            pay_t[sel],
            pay[sel].astype(np.int64),
            True,
            channel,
            TT["card_repayment"],
            DESC["Card repayment"],
        )
    # Annual fee on gold and platinum cards, in the month the card was opened, unless waived.
    tier = acc.tier[cards]
    fee = np.where(tier == 3, 200_000, np.where(tier == 2, 30_000, 0)) * (rng.random(len(cards)) < 0.3)
    month_of_open = (acc.open_day[cards].astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12) + 1
    for m in range(hist.months):
        sel = np.flatnonzero((fee > 0) & (month_of_open == hist.calendar_month[m]))
        day = hist.day_of_month(np.full(len(sel), m), np.full(len(sel), 5))
        cents = np.round(fee[sel] * FX[acc.currency[cards[sel]]]).astype(np.int64)
        b.buf.add(
            cards[sel], hist.seconds(rng, day, "batch"), cents, False, CH["system"], TT["fee"], DESC["Annual card fee"]
        )


def loans(b: Batch) -> None:
    """Instalments: interest debited and the instalment credited to the loan; missed ones draw late fees."""
    acc, rng = b.acc, b.rng("loans")
    sched, lending = b.lending.schedule, b.lending
    acct = lending.account[sched.loan]
    owner_cur = b.ptr["current"][acc.owner[acct]]
    t = (sched.due_day * DAY) + 2 * 3600 + rng.integers(0, 3600, len(acct))
    b.buf.add(acct, t, sched.interest, False, CH["system"], TT["interest"], DESC["Loan interest"])
    paid = np.flatnonzero(~sched.missed & (owner_cur >= 0))
    src, dst = owner_cur[paid], acct[paid]
    pay = sched.payment[paid]
    cents = np.round(pay * FX[acc.currency[src]] / FX[acc.currency[dst]]).astype(np.int64)
    b.buf.add(src, t[paid] + 1800, cents, False, CH["system"], TT["loan_repayment"], DESC["Loan repayment"])
    b.buf.add(dst, t[paid] + 1800, pay, True, CH["system"], TT["loan_repayment"], DESC["Loan repayment"])
    late = np.flatnonzero(sched.missed)
    fee = np.maximum(
        np.round(lending.cols["payment"][sched.loan[late]] * 0.01), np.round(5_000 * FX[acc.currency[acct[late]]])
    )
    b.buf.add(
        acct[late], t[late] + 10 * DAY, fee.astype(np.int64), False, CH["system"], TT["fee"], DESC["Late payment fee"]
    )


def standing_orders(b: Batch) -> None:
    """Run every standing order (other than loan instalments) each month from its start."""
    o, acc, hist, rng = b.orders, b.acc, b.hist, b.rng("standing-orders")
    rows = np.flatnonzero(o.purpose != PURPOSE["loan_payment"])
    r, m = np.repeat(rows, hist.months), np.tile(np.arange(hist.months), len(rows))
    day = hist.day_of_month(m, o.dom[r])
    t = hist.seconds(rng, day, "batch")
    r, t = r[t >= o.start_day[r] * DAY], t[t >= o.start_day[r] * DAY]
    internal = o.target[r] >= 0
    purpose = o.purpose[r]
    premium = purpose == PURPOSE["insurance"]
    i = r[internal]
    types = np.where(premium[internal], TT["insurance_premium"], TT["transfer_out"])
    b.buf.add(
        o.account[i],
        t[internal],
        o.cents[i],
        False,
        CH["system"],
        types,
        np.where(premium[internal], DESC["Insurance premium"], DESC["Savings transfer"]),
        np.where(premium[internal], MCC["insurance"], -1),
    )
    converted = np.round(o.cents[i] * FX[acc.currency[o.target[i]]] / FX[acc.currency[o.account[i]]]).astype(np.int64)
    b.buf.add(
        o.target[i],
        t[internal],
        converted,
        True,
        CH["system"],
        np.where(premium[internal], TT["insurance_premium"], TT["transfer_in"]),
        np.where(premium[internal], DESC["Insurance premium"], DESC["Savings transfer"]),
    )
    e = r[~internal]
    kind = o.purpose[e]
    desc = np.select(
        [kind == PURPOSE["household"], kind == PURPOSE["leasing"]],
        [DESC["Rent"], DESC["Lease payment"]],
        DESC["Family support"],
    )
    ttype = np.where(kind == PURPOSE["other"], TT["transfer_out"], TT["bill_payment"])
    b.buf.add(o.account[e], t[~internal], o.cents[e], False, CH["system"], ttype, desc, cp=o.counterparty[e])


def fund_activity(b: Batch) -> None:
    """Occasional top-ups and redemptions of wealth funds, against the current account."""
    acc, hist, rng = b.acc, b.hist, b.rng("funds")
    funds = np.flatnonzero((acc.tag == T_FUND) & (b.ptr["current"][acc.owner] >= 0))
    counts = rng.poisson(0.1, (len(funds), hist.months))
    f = np.repeat(np.repeat(funds, hist.months), counts.ravel())
    m = np.repeat(np.tile(np.arange(hist.months), len(funds)), counts.ravel())
    cur = b.ptr["current"][acc.owner[f]]
    day = hist.sample_days(rng, m, "business")
    t = hist.seconds(rng, day, "office")
    cents = np.round(acc.base[f] * rng.uniform(0.05, 0.3, len(f)), -4).astype(np.int64)
    redeem = rng.random(len(f)) < 0.35
    channel = np.where(rng.random(len(f)) < 0.7, CH["mobile"], CH["branch"])
    sel = ~redeem
    top = np.round(cents[sel] * FX[acc.currency[cur[sel]]] / FX[acc.currency[f[sel]]]).astype(np.int64)
    b.buf.pair(
        cur[sel],
        f[sel],
        t[sel],
        top,
        acc.currency,
        (TT["investment"], TT["investment"]),
        channel[sel],
        (DESC["Fund subscription"], DESC["Fund subscription"]),
    )
    b.buf.pair(
        f[redeem],
        cur[redeem],
        t[redeem],
        cents[redeem],
        acc.currency,
        (TT["investment"], TT["investment"]),
        channel[redeem],
        (DESC["Fund redemption"], DESC["Fund redemption"]),
    )
