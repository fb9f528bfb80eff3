"""Which products each customer holds: accounts, their roles and cards.

Take-up follows life stage and income: students hold a current account and a debit card,
young professionals add credit cards and personal loans, families mortgages and insurance,
the affluent and older time deposits and wealth funds within their risk tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from guanxi.ingest.synth.catalogue import FX, PRODUCT, PRODUCTS, Catalogue
from guanxi.ingest.synth.history import History
from guanxi.ingest.synth.population import (
    ST_FAMILY,
    ST_MATURE,
    ST_RETIRED,
    ST_STUDENT,
    ST_YOUNG,
    Customers,
)

if TYPE_CHECKING:
    from guanxi.ingest.synth.lending import Lending

# Role of an account in the customer's book; drives which flows touch it.
T_CURRENT, T_SAVINGS, T_EXTRA_SAVINGS, T_TD, T_CC, T_MORTGAGE, T_PL, T_SME, T_FUND, T_INS, T_DORMANT = range(11)
T_REPAID = 11
ACTIVE, DORMANT, CLOSED = 0, 1, 2  # AccountStatus positions

# Take-up probability per life stage (student, young, family, mature, retired, not working, org)
# for savings, time deposit, credit card, personal loan, mortgage, wealth fund, insurance.
_TAKE_UP = np.array(
    [
        [0.35, 0.02, 0.08, 0.01, 0.00, 0.03, 0.02],
        [0.50, 0.08, 0.50, 0.15, 0.07, 0.15, 0.15],
        [0.55, 0.18, 0.58, 0.14, 0.35, 0.25, 0.40],
        [0.60, 0.35, 0.45, 0.07, 0.18, 0.30, 0.30],
        [0.70, 0.45, 0.18, 0.01, 0.02, 0.22, 0.12],
        [0.40, 0.10, 0.15, 0.03, 0.05, 0.08, 0.10],
        [0.00, 0.30, 0.00, 0.30, 0.00, 0.00, 0.00],
    ]
)
# Multiplier of take-up by income band (none .. very high), same columns.
_BY_INCOME = np.array(
    [
        [0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.2],
        [0.3, 0.5, 0.8, 1.0, 1.4, 1.8, 2.2],
        [0.2, 0.5, 0.8, 1.0, 1.2, 1.3, 1.3],
        [0.0, 0.6, 1.1, 1.0, 0.8, 0.5, 0.3],
        [0.0, 0.2, 0.6, 1.0, 1.4, 1.5, 1.5],
        [0.1, 0.2, 0.5, 1.0, 1.8, 2.5, 3.0],
        [0.3, 0.5, 0.8, 1.0, 1.3, 1.5, 1.6],
    ]
).T
SAV, TD, CC, PL, MTG, WF, INS = range(7)
_FUNDS = [i for i, p in enumerate(PRODUCTS) if p.family == "wealth_fund"]


@dataclass
class Accounts:
    """All accounts of a batch, one array element per account, grouped by owner."""

    owner: np.ndarray
    product: np.ndarray
    family: np.ndarray
    currency: np.ndarray
    tag: np.ndarray  # T_* role
    open_day: np.ndarray
    close_day: np.ndarray  # -1 while open
    status: np.ndarray
    opening: np.ndarray  # balance in cents when the history (or the account) starts
    base: np.ndarray  # reference amount in cents: deposit size, premium, opening deposit
    limit: np.ndarray  # credit limit in cents, -1 = none
    joint: np.ndarray  # joint holder's position, -1 = none
    tier: np.ndarray  # card tier for card accounts, -1 = none
    seq: np.ndarray  # creation order, to look up loans

    @property
    def m(self) -> int:
        """Number of accounts."""
        return len(self.owner)


def _take_up(rng: np.random.Generator, cust: Customers) -> np.ndarray:
    band = np.where(cust.band < 0, 3, cust.band)
    p = _TAKE_UP[cust.stage] * _BY_INCOME[band]
    p[:, [PL, MTG]] *= ~cust.churn[:, None]  # borrowers rarely leave; churners hold no loans
    has = rng.random(p.shape) < p.clip(0, 0.95)
    return has & ~cust.prospect[:, None]


def _between(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return lo + (rng.random(len(lo)) * np.maximum(hi - lo, 0)).astype(np.int64)


class AccountBook:
    """Collects blocks of accounts as they are drawn, then lays them out grouped by owner."""

    def __init__(self) -> None:
        self.cols: dict[str, list[np.ndarray]] = {}
        self.count = 0

    def add(
        self,
        owner: np.ndarray,
        product: np.ndarray,
        tag: int | np.ndarray,
        open_day: np.ndarray,
        opening: np.ndarray,
        base: np.ndarray | None = None,
        **extra: np.ndarray,
    ) -> np.ndarray:
        """Add accounts (one per owner position); return their creation sequence numbers."""
        k = len(owner)
        seq = np.arange(self.count, self.count + k)
        self.count += k
        row = {
            "owner": owner,
            "product": product,
            "tag": np.broadcast_to(tag, (k,)),
            "open_day": open_day,
            "opening": opening,
            "base": opening if base is None else base,
            "seq": seq,
            "close_day": extra.get("close_day", np.full(k, -1)),
            "limit": extra.get("limit", np.full(k, -1)),
            "joint": extra.get("joint", np.full(k, -1)),
            "tier": extra.get("tier", np.full(k, -1)),
            "status": extra.get("status", np.zeros(k, dtype=np.int64)),
        }
        for name, values in row.items():
            self.cols.setdefault(name, []).append(np.asarray(values, dtype=np.int64))
        return seq

    def build(self, cat: Catalogue) -> Accounts:
        """All accounts, grouped by owner, in a stable order."""
        cols = {k: np.concatenate(v) for k, v in self.cols.items()}
        order = np.lexsort((cols["open_day"], cols["tag"], cols["owner"]))
        cols = {k: v[order] for k, v in cols.items()}
        return Accounts(
            family=cat.product_family[cols["product"]], currency=cat.product_currency[cols["product"]], **cols
        )


def _cents(cny: np.ndarray, currency: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(cny, dtype=np.float64) * FX[currency]).astype(np.int64)


def make_accounts(
    rng: np.random.Generator,
    hist: History,
    cat: Catalogue,
    cust: Customers,
    spouse: np.ndarray,
    dormant_planted: np.ndarray,
    lending: Lending,
) -> tuple[Accounts, dict[str, np.ndarray]]:
    """Open every customer's accounts; ``lending`` adds loan accounts through the same book.

    Returns the accounts and, per customer, the position of their main accounts by role.
    """
    n = cust.n
    has = _take_up(rng, cust)
    book = AccountBook()
    active = ~cust.prospect
    start, end = hist.start_day, hist.end_day
    # Churners open nothing once they start drifting away.
    latest = np.where(cust.churn, np.maximum(cust.decline_day - 1, cust.since_day + 1), end - 1)
    income = np.maximum(cust.income, 100_000).astype(np.float64)

    # Current accounts: everyone who is a customer has one; it carries the day-to-day flows.
    who = np.flatnonzero(active)
    role = np.where(cust.is_org[who], "business", "current")
    product = np.where(
        role == "business",
        cat.product_of(rng, "business", cust.currency[who]),
        cat.product_of(rng, "current", cust.currency[who]),
    )
    student = (cust.stage[who] == ST_STUDENT) & (cust.currency[who] == 0) & (rng.random(len(who)) < 0.7)
    product = np.where(student, PRODUCT["CUR-STU"], product)
    cur_ccy = cat.product_currency[product]
    balance = np.where(
        cust.is_org[who],
        rng.lognormal(np.log(30_000_000), 1.0, len(who)),
        income[who] * rng.uniform(0.3, 2.5, len(who)),
    )
    new = cust.since_day[who] >= start
    deposit = np.where(cust.is_org[who], 5_000_000, np.maximum(income[who] * rng.uniform(0.2, 1.0, len(who)), 50_000))
    couple_head = (spouse[who] >= 0) & ~cust.female[who] & (rng.random(len(who)) < 0.4)
    book.add(
        who,
        product,
        T_CURRENT,
        cust.since_day[who],
        np.where(new, 0, _cents(balance, cur_ccy)),
        _cents(deposit, cur_ccy),
        joint=np.where(couple_head, spouse[who], -1),
    )

    def opened(rows: np.ndarray, launch: np.ndarray, lo_extra: int = 1) -> np.ndarray:
        lo = np.maximum(cust.since_day[rows] + lo_extra, launch)
        return np.minimum(_between(rng, lo, latest[rows]), end - 1)

    # Savings; the affluent on the mainland also keep US dollars.
    rows = np.flatnonzero(has[:, SAV])
    product = cat.product_of(rng, "savings", cust.currency[rows])
    day = opened(rows, cat.product_launch_day[product])
    amount = income[rows] * rng.lognormal(np.log(6), 0.8, len(rows)) * np.where(cust.stage[rows] == ST_RETIRED, 3, 1)
    quiet = (day < start - 3 * 365) & (rng.random(len(rows)) < 0.05)
    amount = np.where(quiet, rng.uniform(5_000, 300_000, len(rows)), amount)
    ccy = cat.product_currency[product]
    book.add(
        rows,
        product,
        T_SAVINGS,
        day,
        np.where(day >= start, 0, _cents(amount, ccy)),
        _cents(amount, ccy),
        status=np.where(quiet, DORMANT, ACTIVE),
    )
    rows = np.flatnonzero(has[:, SAV] & (cust.band >= 5) & (cust.currency == 0) & (rng.random(n) < 0.2))
    product = np.full(len(rows), PRODUCT["SAV-USD"])
    day = opened(rows, cat.product_launch_day[product])
    amount = income[rows] * rng.lognormal(np.log(8), 0.6, len(rows))
    book.add(rows, product, T_EXTRA_SAVINGS, day, np.where(day >= start, 0, _cents(amount, 2)), _cents(amount, 2))

    # Time deposits roll over, so the opening date is the latest placement (within three years).
    rows = np.flatnonzero(has[:, TD])
    product = cat.product_of(rng, "td", cust.currency[rows])
    lo = np.maximum(cust.since_day[rows] + 1, end - 3 * 365)
    day = np.minimum(np.maximum(_between(rng, lo, latest[rows]), cat.product_launch_day[product]), end - 1)
    scale = np.where(cust.is_org[rows], 6.0, 1.0) * np.exp(0.45 * np.maximum(cust.band[rows] - 3, 0))
    amount = np.round(rng.lognormal(np.log(50_000), 0.7, len(rows)) * scale, -3) * 100
    ccy = cat.product_currency[product]
    book.add(rows, product, T_TD, day, np.where(day >= start, 0, _cents(amount, ccy)), _cents(amount, ccy))

    # Credit cards: the tier follows income; some carry a partner brand.
    rows = np.flatnonzero(has[:, CC])
    band = cust.band[rows]
    tier = np.where(
        band >= 6,
        3,
        np.where(
            band == 5, 2 + (rng.random(len(rows)) < 0.4), np.where(band == 4, 1 + (rng.random(len(rows)) < 0.6), 1)
        ),
    )
    product = np.select([tier == 3, tier == 2], [PRODUCT["CC-PLAT"], PRODUCT["CC-GOLD"]], PRODUCT["CC-CLASSIC"])
    partner = rng.random(len(rows))
    product = np.where(partner < 0.08, PRODUCT["CC-AIR"], np.where(partner < 0.15, PRODUCT["CC-SHOP"], product))
    product = np.where(
        cust.currency[rows] == 1, PRODUCT["CC-HKD"], np.where(cust.currency[rows] == 2, PRODUCT["CC-USD"], product)
    )
    day = opened(rows, cat.product_launch_day[product])
    ccy = cat.product_currency[product]
    owed = income[rows] * rng.uniform(0.05, 0.3, len(rows))
    base_limit = np.array([0, 20_000, 50_000, 150_000])[tier] * rng.uniform(0.5, 1.5, len(rows))
    limit = np.round(_cents(base_limit, ccy), -5)
    book.add(
        rows,
        product,
        T_CC,
        day,
        np.where(day >= start, 0, -_cents(owed, ccy)),
        _cents(owed, ccy),
        limit=limit,
        tier=tier,
    )

    # Wealth funds within the customer's risk tolerance.
    rows = np.flatnonzero(has[:, WF])
    count = 1 + (cust.band[rows] >= 5) * rng.integers(0, 3, len(rows))
    rows = np.repeat(rows, count)
    fund = np.array(_FUNDS)[rng.integers(0, len(_FUNDS), len(rows))]
    fund = np.where(cat.product_risk[fund] > cust.risk[rows], PRODUCT["WF-MMF"], fund)
    fund = np.where((fund == PRODUCT["WF-HSI"]) & (cust.currency[rows] == 0), PRODUCT["WF-BOND"], fund)
    pairs = np.unique(np.stack([rows, fund], axis=1), axis=0)
    rows, fund = pairs[:, 0], pairs[:, 1]
    day = opened(rows, cat.product_launch_day[fund])
    ccy = cat.product_currency[fund]
    amount = (
        np.round(rng.lognormal(np.log(50_000), 0.8, len(rows)) * np.exp(0.5 * np.maximum(cust.band[rows] - 3, 0)), -2)
        * 100
    )
    book.add(rows, fund, T_FUND, day, np.where(day >= start, 0, _cents(amount, ccy)), _cents(amount, ccy))

    # Insurance: the policy's cash value grows by the monthly premium.
    rows = np.flatnonzero(has[:, INS])
    stage = cust.stage[rows]
    pick = rng.random(len(rows))
    product = np.select(
        [stage == ST_RETIRED, stage == ST_MATURE, stage == ST_FAMILY, stage == ST_YOUNG],
        [
            np.full(len(rows), PRODUCT["INS-ANN"]),
            np.where(pick < 0.5, PRODUCT["INS-CI"], PRODUCT["INS-ANN"]),
            np.where(pick < 0.4, PRODUCT["INS-EDU"], np.where(pick < 0.75, PRODUCT["INS-CI"], PRODUCT["INS-TERM"])),
            np.where(pick < 0.5, PRODUCT["INS-CI"], PRODUCT["INS-TERM"]),
        ],
        PRODUCT["INS-TERM"],
    )
    product = np.where((product == PRODUCT["INS-ANN"]) & (cust.age[rows] < 40), PRODUCT["INS-CI"], product)
    day = opened(rows, cat.product_launch_day[product])
    premium = np.round(np.maximum(income[rows] * rng.uniform(0.03, 0.08, len(rows)), 20_000), -3)
    paid_months = np.maximum((start - day) / 30.44, 0).astype(np.int64)
    book.add(rows, product, T_INS, day, np.where(day >= start, 0, premium * paid_months), premium)

    # Planted: long-dormant savings accounts that suddenly wake up (labelled later).
    rows = dormant_planted
    product = cat.product_of(rng, "savings", cust.currency[rows])
    lo = np.maximum(cust.since_day[rows] + 1, cat.product_launch_day[product])
    day = _between(rng, lo, np.maximum(lo, start - 3 * 365))
    amount = _cents(rng.uniform(20_000, 300_000, len(rows)), cat.product_currency[product])
    book.add(rows, product, T_DORMANT, day, amount, amount)

    lending.open_loans(rng, hist, cat, cust, book, has[:, PL], has[:, MTG], latest)
    accounts = book.build(cat)
    _close_churned(accounts, cust)
    pointers = {}
    for name, tag in (("current", T_CURRENT), ("savings", T_SAVINGS), ("cc", T_CC)):
        ptr = np.full(n, -1, dtype=np.int64)
        rows = np.flatnonzero(accounts.tag == tag)
        ptr[accounts.owner[rows[::-1]]] = rows[::-1]  # the first account of the role wins
        pointers[name] = ptr
    return accounts, pointers


def _close_churned(acc: Accounts, cust: Customers) -> None:
    churned = cust.churn[acc.owner] & (acc.close_day < 0)
    acc.close_day[churned] = cust.churn_day[acc.owner[churned]]
    acc.status[churned] = CLOSED
    acc.status[acc.close_day >= 0] = CLOSED
