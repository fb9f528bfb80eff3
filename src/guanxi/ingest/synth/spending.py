"""Customer-driven flows: pay, card spending, bills, cash, person-to-person transfers, business.

Each flow draws a count per customer and month (Poisson, scaled by the customer's activity
and the month's seasonality), expands the counts into rows and draws day, time, amount,
channel and counterparty for all rows at once. Amounts are drawn in CNY and converted to the
account's currency, then rounded to integer cents.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from guanxi.ingest.synth import arrays as ar
from guanxi.ingest.synth.catalogue import AREA_INCOME, FX
from guanxi.ingest.synth.context import Batch
from guanxi.ingest.synth.history import CHINESE_NEW_YEAR, DAY, epoch_day
from guanxi.ingest.synth.ledger import CH, TT, alive
from guanxi.ingest.synth.pools import AREA_CN, DESC, MCC
from guanxi.ingest.synth.population import EMPLOYED, HOMEMAKER, RETIRED, SELF_EMPLOYED, STUDENT, UNEMPLOYED

# Card purchases per month by age group (18-29, 30-44, 45-59, 60-74, 75+).
_CARD_RATE = np.array([7.5, 6.5, 5.2, 3.2, 1.5])
_BAND_SPEND = np.array([0.6, 0.75, 0.9, 1.0, 1.1, 1.2, 1.3])
_BAND_AMOUNT = np.array([0.55, 0.7, 0.85, 1.0, 1.35, 1.9, 2.8])
_CATEGORY_MIX = np.array(
    [
        # groc  rest  trans fuel  util  tele  retail elec  travel health educ  ent   ins   cash  other
        [0.20, 0.24, 0.14, 0.03, 0.0, 0.0, 0.16, 0.04, 0.03, 0.02, 0.03, 0.08, 0.0, 0.0, 0.03],
        [0.26, 0.20, 0.10, 0.07, 0.0, 0.0, 0.15, 0.03, 0.04, 0.04, 0.04, 0.05, 0.0, 0.0, 0.02],
        [0.30, 0.18, 0.08, 0.08, 0.0, 0.0, 0.14, 0.02, 0.05, 0.07, 0.02, 0.04, 0.0, 0.0, 0.02],
        [0.38, 0.16, 0.06, 0.04, 0.0, 0.0, 0.12, 0.01, 0.05, 0.12, 0.00, 0.03, 0.0, 0.0, 0.03],
        [0.45, 0.12, 0.04, 0.01, 0.0, 0.0, 0.10, 0.01, 0.02, 0.22, 0.00, 0.01, 0.0, 0.0, 0.02],
    ]
)
# Median purchase (CNY) and spread per merchant category.
_MEDIAN = np.array([85, 95, 28, 320, 220, 90, 230, 1500, 1900, 180, 900, 120, 500, 500, 70], dtype=np.float64)
_SIGMA = np.array([0.8, 0.7, 0.7, 0.4, 0.4, 0.4, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.5, 0.5, 0.8])
# Card channel (POS, online, mobile, WeChat Pay) by age group: the young pay by phone, the old at the till.
_CHANNEL_MIX = np.array(
    [
        [0.15, 0.22, 0.23, 0.40],
        [0.25, 0.20, 0.20, 0.35],
        [0.40, 0.15, 0.15, 0.30],
        [0.60, 0.10, 0.10, 0.20],
        [0.80, 0.05, 0.05, 0.10],
    ]
)
_CARD_CHANNELS = np.array([CH["pos"], CH["online"], CH["mobile"], CH["wechat_pay"]])
_CARD_DESC = np.array([DESC["POS purchase"], DESC["Online purchase"], DESC["Mobile payment"], DESC["WeChat Pay"]])
_PRICE = AREA_INCOME**0.8


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Turn per (customer, month) counts into one (customer, month) pair per event."""
    months = counts.shape[1]
    flat = np.repeat(np.arange(counts.size), counts.ravel())
    return flat // months, flat % months


def _convert(cny_cents: np.ndarray, currency: np.ndarray) -> np.ndarray:
    return np.round(cny_cents * FX[currency]).astype(np.int64)


def _age_band(b: Batch) -> tuple[np.ndarray, np.ndarray]:
    return b.cust.age_group, np.where(b.cust.band < 0, 3, b.cust.band)


def card_spending(b: Batch) -> np.ndarray:
    """Card purchases by merchant category; returns purchases per (credit card account, month)."""
    rng, cust, hist = b.rng("cards"), b.cust, b.hist
    group, band = _age_band(b)
    cur, cc = b.ptr["current"], b.ptr["cc"]
    person = (cur >= 0) & ~cust.is_org
    rate = _CARD_RATE[group] * _BAND_SPEND[band] * person
    counts = rng.poisson(rate[:, None] * b.activity * hist.season["spend"][None, :])
    c, m = expand(counts)
    n = len(c)
    mcc = ar.choice_by(rng, _CATEGORY_MIX, group[c])
    table = _CHANNEL_MIX.copy()
    table = np.stack([table, _shift_wechat(table, 0.1), _shift_wechat(table, 0.05), _shift_wechat(table, 0.03)])
    chan = ar.choice_by(rng, table.reshape(-1, 4), cust.area[c] * 5 + group[c])
    online = chan > 0
    day = np.where(online, hist.sample_days(rng, m, "online"), hist.sample_days(rng, m, "spend"))
    t = np.where(chan == 0, hist.seconds(rng, day, "retail"), hist.seconds(rng, day, "online"))
    amount = rng.lognormal(np.log(_MEDIAN[mcc]), _SIGMA[mcc]) * _BAND_AMOUNT[band[c]] * _PRICE[cust.area[c]]
    use_cc = (cc[c] >= 0) & (rng.random(n) < 0.3 + 0.07 * band[c])
    acct = np.where(use_cc & alive(b.acc, b.first, b.last, np.maximum(cc[c], 0), t), cc[c], cur[c])
    cents = _convert(amount * 100, b.acc.currency[acct])
    whole = rng.random(n) < 0.5
    cents = np.where(whole, np.maximum(np.round(cents, -2), 100), cents)
    b.buf.add(
        acct,
        t,
        cents,
        False,
        _CARD_CHANNELS[chan],
        TT["card_purchase"],
        _CARD_DESC[chan],
        mcc,
        b.pools.merchant(rng, cust.area[c], mcc),
    )
    on_card = (acct == cc[c]) & alive(b.acc, b.first, b.last, acct, t)
    totals = np.bincount(
        acct[on_card] * hist.months + m[on_card], weights=cents[on_card], minlength=b.acc.m * hist.months
    )
    return totals.reshape(b.acc.m, hist.months).astype(np.int64)


def _shift_wechat(table: np.ndarray, keep: float) -> np.ndarray:
    """Outside the mainland most phone payments go through other wallets (mobile)."""
    out = table.copy()
    out[:, 2] += out[:, 3] * (1 - keep)
    out[:, 3] *= keep
    return out


def pay(b: Batch) -> None:
    """Salaries (with raises and year-end bonuses), pensions, business income and allowances."""
    rng, cust, hist = b.rng("pay"), b.cust, b.hist
    cur = b.ptr["current"]
    months = np.arange(hist.months)
    has = (cur >= 0) & ~cust.is_org
    # Salary: monthly around the customer's pay day, moved off weekends, until pay stops.
    rows = np.flatnonzero(has & (cust.kind == EMPLOYED) & (cust.income > 0))
    c, m = np.repeat(rows, hist.months), np.tile(months, len(rows))
    day = hist.day_of_month(m, cust.pay_dom[c], business=True)
    raise_month = rng.integers(0, 24, cust.n)
    factor = np.where(m >= raise_month[c], 1 + rng.uniform(0.03, 0.12, cust.n)[c], 1.0)
    amount = np.round(cust.income[c] * factor * FX[b.acc.currency[cur[c]]], -3)
    t = hist.seconds(rng, day, "morning")
    ok = day + hist.start_day < cust.salary_stop_day[c]
    b.buf.add(cur[c][ok], t[ok], amount[ok], True, CH["system"], TT["salary"], DESC["Salary"], cp=cust.employer[c][ok])
    # Year-end bonus in the month of Chinese New Year (December outside Greater China).
    bonus_month = _bonus_months(b)
    gets = rng.random(len(c)) < 0.6
    sel = ok & gets & bonus_month[m, (cust.area[c] == 3).astype(np.int64)]
    bonus = np.round(amount[sel] * rng.uniform(1, 3, sel.sum()), -3)
    b.buf.add(
        cur[c][sel],
        t[sel] + 600,
        bonus,
        True,
        CH["system"],
        TT["salary"],
        DESC["Year-end bonus"],
        cp=cust.employer[c][sel],
    )
    # Pensions on a fixed day.
    rows = np.flatnonzero(has & (cust.kind == RETIRED) & (cust.income > 0))
    c, m = np.repeat(rows, hist.months), np.tile(months, len(rows))
    day = hist.day_of_month(m, np.full(len(c), 15), business=True)
    amount = np.round(cust.income[c] * FX[b.acc.currency[cur[c]]], -2)
    ok = day + hist.start_day < cust.salary_stop_day[c]  # churners have their pension paid elsewhere
    b.buf.add(
        cur[c][ok],
        hist.seconds(rng, day, "morning")[ok],
        amount[ok],
        True,
        CH["system"],
        TT["transfer_in"],
        DESC["Pension"],
        cp=b.pools.pick(rng, "pension", cust.area[c][ok]),
    )
    # The self-employed draw irregular business income.
    rows = np.flatnonzero(has & (cust.kind == SELF_EMPLOYED))
    counts = rng.integers(1, 4, (len(rows), hist.months)) * (b.activity[rows] > 0.2)
    ci, m = expand(counts)
    c = rows[ci]
    day = hist.sample_days(rng, m, "business")
    amount = cust.income[c] * rng.uniform(0.6, 1.4, len(c)) / counts[ci, m].clip(1)
    ok = day + hist.start_day < cust.salary_stop_day[c]
    b.buf.add(
        cur[c][ok],
        hist.seconds(rng, day, "office")[ok],
        _convert(amount[ok], b.acc.currency[cur[c][ok]]),
        True,
        CH["online"],
        TT["transfer_in"],
        DESC["Business income"],
        cp=b.pools.organisation(rng, cust.branch[c][ok]),
    )
    _household_support(b, rng)


def _bonus_months(b: Batch) -> np.ndarray:
    """(months, 2) flags: the month holding Chinese New Year; December (for English-speaking areas)."""
    hist = b.hist
    flags = np.zeros((hist.months, 2), dtype=bool)
    for m in range(hist.months):
        lo, hi = hist.start_day + hist.month_start[m], hist.start_day + hist.month_start[m + 1]
        for year, (mm, dd) in CHINESE_NEW_YEAR.items():
            flags[m, 0] |= lo <= epoch_day(dt.date(year, mm, dd)) < hi
        flags[m, 1] = hist.calendar_month[m] == 12
    return flags


def _household_support(b: Batch, rng: np.random.Generator) -> None:
    """Non-earners get money from their spouse (a transfer between customers) or family."""
    cust, hist, cur = b.cust, b.hist, b.ptr["current"]
    spouse = b.fam.spouse
    needs = (cur >= 0) & ~cust.is_org & np.isin(cust.kind, [HOMEMAKER, UNEMPLOYED, STUDENT])
    backed = needs & (spouse >= 0) & (cur[np.maximum(spouse, 0)] >= 0)
    rows = np.flatnonzero(backed)
    c, m = np.repeat(rows, hist.months), np.tile(np.arange(hist.months), len(rows))
    src = cur[spouse[c]]
    day = hist.day_of_month(m, rng.integers(1, 29, len(c)))
    amount = np.round(
        np.maximum(cust.income[spouse[c]], 300_000) * rng.uniform(0.15, 0.35, len(c)) * FX[b.acc.currency[src]], -2
    )
    b.buf.pair(
        src,
        cur[c],
        hist.seconds(rng, day, "evening"),
        amount,
        b.acc.currency,
        (TT["transfer_out"], TT["transfer_in"]),
        CH["mobile"],
        (DESC["Family support"], DESC["Family support"]),
    )
    rows = np.flatnonzero(needs & ~backed)
    counts = rng.poisson(np.where(cust.kind[rows] == STUDENT, 1.2, 0.8)[:, None] * np.ones((1, hist.months)))
    ci, m = expand(counts)
    c = rows[ci]
    day = hist.sample_days(rng, m, "flat")
    amount = _convert(rng.uniform(500, 3000, len(c)).round(-2) * 100, b.acc.currency[cur[c]])
    ok = day + hist.start_day < cust.salary_stop_day[c]
    b.buf.add(
        cur[c][ok],
        hist.seconds(rng, day, "evening")[ok],
        amount[ok],
        True,
        CH["mobile"],
        TT["transfer_in"],
        DESC["Allowance from family"],
        cp=b.pools.people(rng, cust.area[c][ok]),
    )


def bills(b: Batch) -> None:
    """Monthly utility and phone bills, paid by app when young and by auto-debit or at the branch when old."""
    rng, cust, hist = b.rng("bills"), b.cust, b.hist
    cur = b.ptr["current"]
    group, band = _age_band(b)
    household = (b.fam.role < 0) | (b.fam.role == 0)  # one utility bill per household: the head pays
    for category, share, median in (("utilities", 0.85, 220.0), ("telecom", 0.95, 90.0)):
        payer = (cur >= 0) & ~cust.is_org & (rng.random(cust.n) < share)
        if category == "utilities":
            payer &= household & (cust.age >= 25)
        rows = np.flatnonzero(payer)
        c, m = np.repeat(rows, hist.months), np.tile(np.arange(hist.months), len(rows))
        dom = rng.integers(1, 29, cust.n)[c]
        day = hist.day_of_month(m, np.clip(dom + rng.integers(-2, 3, len(c)), 1, 28))
        season = 1 + 0.4 * np.isin(hist.calendar_month[m], [1, 2, 7, 8, 12]) * (category == "utilities")
        amount = rng.lognormal(np.log(median), 0.4, len(c)) * season * _PRICE[cust.area[c]] * (0.8 + 0.1 * band[c])
        chan = ar.choice_by(
            rng,
            np.array(
                [
                    [0.05, 0.45, 0.3, 0.2],
                    [0.1, 0.4, 0.3, 0.2],
                    [0.2, 0.5, 0.2, 0.1],
                    [0.5, 0.4, 0.1, 0.0],
                    [0.7, 0.3, 0.0, 0.0],
                ]
            ),
            group[c],
        )
        channel = np.array([CH["branch"], CH["system"], CH["mobile"], CH["wechat_pay"]])[chan]
        channel = np.where((channel == CH["wechat_pay"]) & (cust.area[c] != AREA_CN), CH["mobile"], channel)
        mcc = np.full(len(c), MCC[category])
        desc = DESC["Utility bill"] if category == "utilities" else DESC["Mobile phone bill"]
        b.buf.add(
            cur[c],
            hist.seconds(rng, day, "office"),
            _convert(amount * 100, b.acc.currency[cur[c]]),
            False,
            channel,
            TT["bill_payment"],
            desc,
            mcc,
            b.pools.merchant(rng, cust.area[c], mcc),
        )


def cash(b: Batch) -> None:
    """ATM and branch withdrawals (more with age and before the New Year), and cash deposits."""
    rng, cust, hist = b.rng("cash"), b.cust, b.hist
    cur = b.ptr["current"]
    group, band = _age_band(b)
    person = (cur >= 0) & ~cust.is_org
    rate = np.array([0.4, 0.7, 1.0, 1.4, 1.3])[group] * person
    counts = rng.poisson(rate[:, None] * b.activity * hist.season["cash"][None, :])
    c, m = expand(counts)
    day = hist.sample_days(rng, m, "cash")
    branch = (group[c] >= 3) & (rng.random(len(c)) < 0.4)
    notes = rng.choice(np.array([1, 2, 3, 5, 10, 20, 30]), len(c), p=[0.15, 0.25, 0.15, 0.2, 0.15, 0.07, 0.03])
    yuan = np.where(branch, rng.integers(10, 101, len(c)) * 100, notes * 100) * np.where(band[c] >= 5, 2, 1)
    acct = cur[c]
    ccy = b.acc.currency[acct]
    cents = np.maximum(np.round(yuan * FX[ccy], -2), 1) * 100
    b.buf.add(
        acct,
        np.where(branch, hist.seconds(rng, day, "branch"), hist.seconds(rng, day, "retail")),
        cents,
        False,
        np.where(branch, CH["branch"], CH["atm"]),
        TT["cash_withdrawal"],
        np.where(branch, DESC["Branch cash withdrawal"], DESC["ATM cash withdrawal"]),
        MCC["cash"],
        np.where(branch, -1, b.pools.merchant(rng, cust.area[c], np.full(len(c), MCC["cash"]))),
    )
    counts = rng.poisson(np.where(group >= 3, 0.2, 0.1)[:, None] * person[:, None] * np.ones((1, hist.months)))
    c, m = expand(counts)
    day = hist.sample_days(rng, m, "flat")
    acct = cur[c]
    cents = np.round(rng.integers(5, 200, len(c)) * 100 * FX[b.acc.currency[acct]]) * 100
    atm = rng.random(len(c)) < 0.5
    b.buf.add(
        acct,
        hist.seconds(rng, day, "branch"),
        cents,
        True,
        np.where(atm, CH["atm"], CH["branch"]),
        TT["cash_deposit"],
        DESC["Cash deposit"],
    )


def transfers(b: Batch) -> None:
    """Transfers to and from friends and family, with red packets (红包) around the New Year."""
    rng, cust, hist = b.rng("transfers"), b.cust, b.hist
    cur = b.ptr["current"]
    group, band = _age_band(b)
    person = (cur >= 0) & ~cust.is_org
    for credit, rates in ((False, [1.4, 1.1, 0.9, 0.5, 0.2]), (True, [0.8, 0.6, 0.5, 0.4, 0.2])):
        counts = rng.poisson((np.array(rates)[group] * person)[:, None] * b.activity)
        c, m = expand(counts)
        day = hist.sample_days(rng, m, "flat")
        amount = rng.lognormal(np.log(400), 1.1, len(c)) * _BAND_AMOUNT[band[c]] * _PRICE[cust.area[c]]
        amount = np.where(rng.random(len(c)) < 0.5, np.round(amount, -2), np.round(amount)).clip(10)
        chan = ar.choice_by(
            rng,
            np.array(
                [
                    [0.02, 0.1, 0.38, 0.5],
                    [0.05, 0.2, 0.4, 0.35],
                    [0.15, 0.3, 0.35, 0.2],
                    [0.4, 0.3, 0.2, 0.1],
                    [0.7, 0.2, 0.1, 0.0],
                ]
            ),
            group[c],
        )
        channel = np.array([CH["branch"], CH["online"], CH["mobile"], CH["wechat_pay"]])[chan]
        channel = np.where((channel == CH["wechat_pay"]) & (cust.area[c] != AREA_CN), CH["mobile"], channel)
        acct = cur[c]
        b.buf.add(
            acct,
            hist.seconds(rng, day, "evening"),
            _convert(amount * 100, b.acc.currency[acct]),
            credit,
            channel,
            TT["transfer_in"] if credit else TT["transfer_out"],
            DESC["Transfer from"] if credit else DESC["Transfer to"],
            cp=b.pools.people(rng, cust.area[c]),
        )
    _red_packets(b, rng, person)


def _red_packets(b: Batch, rng: np.random.Generator, person: np.ndarray) -> None:
    cust, hist, cur = b.cust, b.hist, b.ptr["current"]
    sizes = np.array([66, 88, 100, 168, 188, 200, 288, 500, 666, 888, 1000], dtype=np.float64)
    for year, (mm, dd) in CHINESE_NEW_YEAR.items():
        cny = epoch_day(dt.date(year, mm, dd)) - hist.start_day
        if cny - 7 < 0 or cny + 5 >= hist.days:
            continue
        rows = np.flatnonzero(person & (cust.area != 3) & (rng.random(cust.n) < 0.6))
        for credit in (True, False):
            k = rng.integers(1, 5, len(rows))
            c = np.repeat(rows, k)
            day = cny + rng.integers(-7, 6, len(c))
            acct = cur[c]
            cents = np.round(sizes[rng.integers(0, len(sizes), len(c))] * FX[b.acc.currency[acct]]) * 100
            channel = np.where(cust.area[c] == AREA_CN, CH["wechat_pay"], CH["mobile"])
            t = (day + hist.start_day) * DAY + rng.integers(8 * 3600, 23 * 3600, len(c))
            b.buf.add(
                acct,
                t,
                cents,
                credit,
                channel,
                TT["transfer_in"] if credit else TT["transfer_out"],
                DESC["Red packet 红包"],
                cp=b.pools.people(rng, cust.area[c]),
            )


def business(b: Batch) -> None:
    """Organisations: customer receipts, supplier payments, payroll and tax."""
    rng, cust, hist = b.rng("business"), b.cust, b.hist
    cur = b.ptr["current"]
    orgs = np.flatnonzero(cust.is_org & (cur >= 0))
    size = rng.lognormal(0, 0.8, len(orgs))
    for credit, rate, median in ((True, 10.0, 9000.0), (False, 5.0, 12000.0)):
        counts = rng.poisson((rate * size)[:, None] * b.activity[orgs] * hist.season["business"][None, :])
        ci, m = expand(counts)
        c = orgs[ci]
        day = hist.sample_days(rng, m, "business")
        amount = rng.lognormal(np.log(median), 1.1, len(c)) * _PRICE[cust.area[c]]
        channel = ar.choice(rng, [0.1, 0.7, 0.2], len(c))
        acct = cur[c]
        b.buf.add(
            acct,
            hist.seconds(rng, day, "office"),
            _convert(np.round(amount) * 100, b.acc.currency[acct]),
            credit,
            np.array([CH["branch"], CH["online"], CH["system"]])[channel],
            TT["transfer_in"] if credit else TT["transfer_out"],
            DESC["Customer receipt"] if credit else DESC["Supplier payment"],
            cp=b.pools.organisation(rng, cust.branch[c]),
        )
    expected = 10 * 9000 * np.exp(1.1**2 / 2) * size
    c, m = np.repeat(np.arange(len(orgs)), hist.months), np.tile(np.arange(hist.months), len(orgs))
    acct = cur[orgs[c]]
    for share, dom, ttype, desc, kind in (
        (0.25, 10, TT["transfer_out"], DESC["Payroll"], None),
        (0.05, 15, TT["bill_payment"], DESC["Tax payment"], "tax"),
    ):
        day = hist.day_of_month(m, np.full(len(c), dom), business=True)
        amount = expected[c] * share * b.activity[orgs[c], m] * _PRICE[cust.area[orgs[c]]]
        cp = -1 if kind is None else b.pools.pick(rng, kind, cust.area[orgs[c]])
        b.buf.add(
            acct,
            hist.seconds(rng, day, "office"),
            _convert(np.round(amount) * 100, b.acc.currency[acct]),
            False,
            CH["online"],
            ttype,
            desc,
            cp=cp,
        )
    day = hist.day_of_month(m, np.full(len(c), 28))
    b.buf.add(
        acct,
        hist.seconds(rng, day, "batch"),
        _convert(np.full(len(c), 5000.0), b.acc.currency[acct]),
        False,
        CH["system"],
        TT["fee"],
        DESC["Account maintenance fee"],
    )
