"""App and web browsing: sessions with logins, page and product views, searches, logouts.

The young live in the app, the old barely log in. Interest runs ahead of take-up: in the weeks
before a customer opens a product they look at that product family's pages, which is what a
propensity model should pick up.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from guanxi.codes import DigitalChannel, DigitalEventType, ProductFamily
from guanxi.ingest.synth import arrays as ar
from guanxi.ingest.synth.context import Batch
from guanxi.ingest.synth.history import DAY
from guanxi.ingest.synth.pools import AREA_CN
from guanxi.ingest.synth.spending import expand

_FAMILIES = [f.value for f in ProductFamily]
_BROWSE = [
    "/home",
    "/accounts",
    "/accounts/transactions",
    "/transfer",
    "/cards",
    "/wealth",
    "/rewards",
    "/messages",
    "/profile",
    "/bills",
]
_BROWSE_P = np.array([0.25, 0.2, 0.15, 0.12, 0.06, 0.06, 0.04, 0.04, 0.04, 0.04])
# Fixed pages first, then browse pages, then one page per product family and its application page.
_PAGES = pa.array(
    ["/", "/login", "/search", "/logout", *_BROWSE]
    + [f"/products/{f}" for f in _FAMILIES]
    + [f"/products/{f}/apply" for f in _FAMILIES]
)
_P_START, _P_LOGIN, _P_SEARCH, _P_LOGOUT, _P_BROWSE = 0, 1, 2, 3, 4
_P_PRODUCT = _P_BROWSE + len(_BROWSE)
_P_APPLY = _P_PRODUCT + len(_FAMILIES)
_EVENT_PAGE = np.array([_P_START, _P_LOGIN, _P_BROWSE, _P_PRODUCT, _P_SEARCH, _P_LOGOUT])
_DEVICES = pa.array(
    ["iPhone", "Android", "HarmonyOS", "Chrome/Windows", "Safari/macOS", "Edge/Windows", "Chrome/Android"]
)
_TERMS = (
    "mortgage rate|credit card|exchange rate|wealth management|time deposit rate|lost card|transfer limit|"
    "branch opening hours|insurance|personal loan|annual fee|reward points",
    "房贷利率|信用卡申请|汇率|理财产品|定期存款利率|挂失|转账限额|网点营业时间|保险|消费贷|年费|积分兑换",
    "房貸利率|信用卡申請|匯率|理財產品|定期存款利率|掛失|轉帳限額|分行營業時間|保險|個人貸款|年費|積分兌換",
)
_TERM_POOL = pa.array([t for row in _TERMS for t in row.split("|")])
_FAMILY_POOL = pa.array(_FAMILIES)
_CHANNELS = pa.array([x.value for x in DigitalChannel])
_EVENTS = pa.array([x.value for x in DigitalEventType])
# Product families people browse, by life stage (student, young, family, mature, retired, not working, org).
_INTEREST = np.array(
    [
        [0.20, 0.20, 0.00, 0.30, 0.00, 0.10, 0.10, 0.10],
        [0.05, 0.10, 0.05, 0.25, 0.15, 0.20, 0.15, 0.05],
        [0.00, 0.05, 0.10, 0.15, 0.25, 0.10, 0.15, 0.20],
        [0.00, 0.15, 0.25, 0.05, 0.05, 0.05, 0.25, 0.20],
        [0.00, 0.20, 0.40, 0.00, 0.00, 0.00, 0.30, 0.10],
        [0.05, 0.30, 0.05, 0.20, 0.00, 0.05, 0.25, 0.10],
        [0.20, 0.00, 0.30, 0.00, 0.00, 0.50, 0.00, 0.00],
    ]
)


def digital_columns(b: Batch) -> dict[str, pa.Array]:
    """Columns of one digital_events part for the batch."""
    rng, cust, hist, acc = b.rng("digital"), b.cust, b.hist, b.acc
    group = cust.age_group
    user = rng.random(cust.n) < np.where(cust.is_org, 0.8, np.array([0.95, 0.88, 0.7, 0.4, 0.12])[group])
    app_share = np.where(cust.is_org, 0.2, np.array([0.85, 0.75, 0.6, 0.5, 0.4])[group])
    app_device = np.where(
        cust.area == AREA_CN, ar.choice(rng, [0.4, 0.35, 0.25], cust.n), ar.choice(rng, [0.55, 0.45, 0], cust.n)
    )
    web_device = 3 + ar.choice(rng, [0.45, 0.25, 0.2, 0.1], cust.n)
    rate = np.where(cust.is_org, 1.5, np.array([3.0, 2.5, 1.8, 1.0, 0.6])[group]) * rng.lognormal(0, 0.5, cust.n)

    # Everyday sessions, from the month the customer joined (prospects: the last two months).
    month_end = hist.start_day + hist.month_start[1:]
    joined = np.where(cust.prospect, hist.end_day - 60, cust.since_day)
    live = month_end[None, :] > joined[:, None]
    counts = rng.poisson((rate * user)[:, None] * b.activity * live * hist.season["digital"][None, :])
    c, m = expand(counts)
    day = hist.sample_days(rng, m, "digital")
    start = hist.seconds(rng, day, "evening")
    fam = ar.choice_by(rng, _INTEREST, cust.stage[c])
    browse_pv = np.where(rng.random(len(c)) < 0.12, fam, -1)

    # Sessions in the weeks before a product is opened, looking at that product family.
    opened = np.flatnonzero((acc.open_day >= hist.start_day + 3) & (acc.open_day < hist.end_day))
    looks = rng.random(len(opened)) < np.where(user[acc.owner[opened]], 0.85, 0.25)
    opened = opened[looks]
    k = rng.integers(1, 5, len(opened))
    a = np.repeat(opened, k)
    lead = rng.integers(1, 43, len(a))
    first = np.r_[0, np.cumsum(k)[:-1]] if len(k) else np.zeros(0, dtype=np.int64)
    lead[first] = rng.integers(1, 4, len(first))  # the last look, with the application page, is just before opening
    pre_day = np.maximum(acc.open_day[a] - lead, hist.start_day) - hist.start_day
    apply = np.zeros(len(a), dtype=bool)
    apply[first] = True
    pre_c = acc.owner[a]

    c = np.concatenate([c, pre_c])
    start = np.concatenate([start, hist.seconds(rng, pre_day, "evening")])
    product = np.concatenate([browse_pv, acc.family[a]])
    apply = np.concatenate([np.zeros(len(browse_pv), bool), apply])
    churned = cust.churn[c] & (start >= cust.churn_day[c] * DAY)
    keep = ~churned & (start < hist.end_day * DAY)
    c, start, product, apply = c[keep], start[keep], product[keep], apply[keep]
    order = np.lexsort((start, c))
    c, start, product, apply = c[order], start[order], product[order], apply[order]

    s = len(c)
    app = rng.random(s) < app_share[c]
    login = app | (rng.random(s) < 0.9)
    views = 1 + rng.poisson(0.6, s)
    has_pv = product >= 0
    search = rng.random(s) < 0.06
    logout = rng.random(s) < 0.45
    size = 1 + login + views + has_pv + apply + search + logout
    sess = np.repeat(np.arange(s), size)
    pos = np.arange(len(sess)) - np.repeat(np.cumsum(size) - size, size)
    # Position within the session decides the event: start, login, page views, product view,
    # application page, search, logout (each step present or not per session).
    t1 = (1 + login)[sess]
    t2 = t1 + views[sess]
    t3 = t2 + has_pv[sess]
    t4 = t3 + apply[sess]
    t5 = t4 + search[sess]
    event = (pos > 0).astype(np.int8) + (pos >= t1) + (pos >= t2) + (pos >= t4) + (pos >= t5)
    page = _EVENT_PAGE[event]
    page += np.where(event == 2, ar.choice(rng, _BROWSE_P, len(sess)), 0)
    viewing = event == 3
    page[viewing] += product[sess[viewing]] + (pos[viewing] >= t3[viewing]) * len(_FAMILIES)
    gaps = np.where(pos == 0, 0, rng.exponential(35, len(sess)).astype(np.int64) + 2)
    cum = np.cumsum(gaps)
    when = start[sess] + cum - np.repeat(cum[np.cumsum(size) - size], size)
    lang = np.array([0, 1, 2])[cust.language[c]]
    term = np.where(event == 4, lang[sess] * 12 + rng.integers(0, 12, len(sess)), -1)
    device = np.where(app, app_device[c], web_device[c])
    channel = np.where(app, 0, 1)
    party = ar.keys("P", cust.number, 9)
    return {
        "key": ar.batch_keys("E", b.index, len(sess), 9),
        "party_key": ar.codes(party, c[sess]),
        "occurred_at": ar.timestamps(when),
        "channel": ar.codes(_CHANNELS, channel[sess]),
        "event_type": ar.codes(_EVENTS, event),
        "session_id": ar.codes(ar.batch_keys("S", b.index, s, 8), sess),
        "page": ar.codes(_PAGES, page),
        "product_family": ar.codes(_FAMILY_POOL, np.where(event == 3, product[sess], -1)),
        "search_term": ar.codes(_TERM_POOL, term),
        "device": ar.codes(_DEVICES, device[sess]),
    }
