"""Loans: mortgages, personal, car and SME loans, their amortisation schedules and arrears.

A loan account's balance is minus the outstanding principal. Each month the bank debits the
interest and the standing order credits the instalment, so the running balance follows the
annuity schedule exactly; a borrower in arrears stops paying and is charged late fees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from guanxi.ingest.synth.catalogue import FX, PRODUCT, Catalogue
from guanxi.ingest.synth.history import History
from guanxi.ingest.synth.holdings import CLOSED, T_MORTGAGE, T_PL, T_REPAID, T_SME, AccountBook, Accounts
from guanxi.ingest.synth.population import Customers

CURRENT, IN_ARREARS, REPAID, DEFAULTED = 0, 1, 2, 3  # LoanStatus positions


def due_days(granted: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Epoch day of the ``k``-th monthly instalment of loans granted on ``granted``."""
    d = np.asarray(granted).astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    dom = np.minimum((d - month.astype("datetime64[D]")).astype(np.int64), 27)
    return ((month + np.asarray(k)).astype("datetime64[D]") + dom).astype(np.int64)


def annuity(principal: np.ndarray, monthly_rate: np.ndarray, term: np.ndarray) -> np.ndarray:
    """Monthly instalment in cents of an annuity loan."""
    return np.round(principal * monthly_rate / (1 - (1 + monthly_rate) ** -term.astype(np.float64))).astype(np.int64)


@dataclass
class Schedule:
    """One row per instalment due inside the history."""

    loan: np.ndarray
    due_day: np.ndarray
    interest: np.ndarray  # cents debited to the loan account
    payment: np.ndarray  # cents credited (0 when missed)
    missed: np.ndarray


class Lending:
    """Collects the loans opened for a batch and works out their schedules."""

    def __init__(self) -> None:
        self._parts: list[dict[str, np.ndarray]] = []

    def _add(
        self,
        book: AccountBook,
        rows: np.ndarray,
        product: np.ndarray,
        tag: int | np.ndarray,
        granted: np.ndarray,
        principal: np.ndarray,
        term: np.ndarray,
        rate: np.ndarray,
        hist: History,
        cat: Catalogue,
        repaid: bool = False,
    ) -> None:
        ccy = cat.product_currency[product]
        principal = np.round(principal * FX[ccy], -5).astype(np.int64).clip(min=500_000)
        payment = annuity(principal, rate / 12, term)
        k0 = _paid_before(granted, hist.start_day, term)
        outstanding = _outstanding(principal, rate / 12, payment, k0)
        opening = np.where(granted >= hist.start_day, 0, -outstanding)
        maturity = due_days(granted, term)
        extra = {"close_day": maturity, "status": np.full(len(rows), CLOSED)} if repaid else {}
        seq = book.add(rows, product, tag, granted, np.where(repaid, 0, opening), principal, **extra)
        self._parts.append(
            {
                "seq": seq,
                "principal": principal,
                "term": term,
                "rate": np.round(rate * 1e6).astype(np.int64),
                "payment": payment,
                "granted": granted,
                "repaid": np.full(len(rows), repaid),
                "k0": k0,
                "outstanding": np.where(repaid, 0, outstanding),
                "mortgage": np.broadcast_to(np.asarray(tag) == T_MORTGAGE, (len(rows),)),
            }
        )

    def open_loans(
        self,
        rng: np.random.Generator,
        hist: History,
        cat: Catalogue,
        cust: Customers,
        book: AccountBook,
        has_pl: np.ndarray,
        has_mtg: np.ndarray,
        latest: np.ndarray,
    ) -> None:
        """Draw mortgages, personal, car and SME loans (running and already repaid)."""
        income = np.maximum(cust.income, 300_000).astype(np.float64)
        end, start = hist.end_day, hist.start_day
        rows = np.flatnonzero(has_mtg)
        product = cat.product_of(rng, "mortgage", cust.currency[rows])
        term = rng.choice(np.array([240, 300, 360]), len(rows), p=[0.3, 0.3, 0.4])
        principal = np.maximum(income[rows] * rng.uniform(60, 150, len(rows)), 30_000_000)
        granted = self._granted(rng, cust, rows, term, end, latest, cat.product_launch_day[product])
        rate = cat.product_rate[product] + rng.uniform(-0.004, 0.004, len(rows)).round(4)
        self._add(book, rows, product, T_MORTGAGE, granted, principal, term, rate, hist, cat)

        rows = np.flatnonzero(has_pl)
        org = cust.is_org[rows]
        car = ~org & (rng.random(len(rows)) < 0.4)
        product = np.where(
            org, PRODUCT["PL-SME"], np.where(car, PRODUCT["PL-CAR"], cat.product_of(rng, "pl", cust.currency[rows]))
        )
        term = np.where(
            org,
            rng.choice(np.array([12, 24, 36]), len(rows)),
            np.where(car, rng.choice(np.array([36, 60]), len(rows)), rng.choice(np.array([12, 24, 36, 60]), len(rows))),
        )
        principal = np.where(
            org,
            rng.uniform(20_000_000, 300_000_000, len(rows)),
            np.where(car, rng.uniform(8_000_000, 30_000_000, len(rows)), income[rows] * rng.uniform(2, 10, len(rows))),
        )
        granted = self._granted(rng, cust, rows, term, end, latest, cat.product_launch_day[product])
        rate = cat.product_rate[product] + rng.uniform(-0.01, 0.02, len(rows)).round(4)
        tag = np.where(org, T_SME, T_PL)
        self._add(book, rows, product, tag, granted, principal, term, rate, hist, cat)

        # Loans already repaid before the history began: closed accounts without transactions.
        old = cust.since_day < start - 4 * 365
        rows = np.flatnonzero(old & ~cust.prospect & ~cust.is_org & (cust.stage >= 1) & (rng.random(cust.n) < 0.12))
        product = cat.product_of(rng, "pl", cust.currency[rows])
        term = rng.choice(np.array([12, 24, 36]), len(rows))
        lo = np.maximum(cust.since_day[rows] + 30, cat.product_launch_day[product])
        hi = start - (term * 30.44).astype(np.int64) - 30
        ok = hi > lo
        rows, product, term, lo, hi = rows[ok], product[ok], term[ok], lo[ok], hi[ok]
        granted = lo + (rng.random(len(rows)) * (hi - lo)).astype(np.int64)
        principal = income[rows] * rng.uniform(2, 8, len(rows))
        rate = cat.product_rate[product]
        self._add(book, rows, product, T_REPAID, granted, principal, term, rate, hist, cat, repaid=True)

    @staticmethod
    def _granted(
        rng: np.random.Generator,
        cust: Customers,
        rows: np.ndarray,
        term: np.ndarray,
        end: int,
        latest: np.ndarray,
        launch: np.ndarray,
    ) -> np.ndarray:
        # Running loans mature after the history ends.
        lo = np.maximum.reduce([cust.since_day[rows] + 30, end - (term * 30.44).astype(np.int64) + 45, launch])
        hi = np.maximum(latest[rows], lo)
        return np.minimum(lo + (rng.random(len(rows)) * (hi - lo)).astype(np.int64), end - 1)

    def finish(self, rng: np.random.Generator, hist: History, acc: Accounts, cust: Customers) -> None:
        """Map loans to account positions, lay out the in-history schedule and plant arrears."""
        cols = {k: np.concatenate([p[k] for p in self._parts]) for k in self._parts[0]}
        position = np.empty(acc.m, dtype=np.int64)
        position[acc.seq] = np.arange(acc.m)
        order = np.argsort(position[cols["seq"]], kind="stable")
        self.cols = {k: v[order] for k, v in cols.items()}
        self.account = position[self.cols["seq"]]
        n = len(self.account)
        c = self.cols
        running = ~c["repaid"]
        # Instalments inside the history, in due order.
        k_first = c["k0"] + 1
        count = np.zeros(n, dtype=np.int64)
        early = np.zeros(n, dtype=np.int64)  # instalments due at least a fortnight before the end
        while True:
            due = due_days(c["granted"], k_first + count)
            more = running & (due < hist.end_day) & (k_first + count <= c["term"])
            if not more.any():
                break
            early += more & (due <= hist.end_day - 15)
            count += more
        # Some borrowers fall behind: after paying at least once in the history they stop paying
        # and are charged late fees. Even a small bank has one such loan where any qualifies.
        candidates = running & (early >= 2)
        bad = candidates & (rng.random(n) < 0.06)
        if candidates.any() and not bad.any():
            bad[rng.choice(np.flatnonzero(candidates))] = True
        first_missed = np.full(n, 10**6)
        first_missed[bad] = 2 + (rng.random(bad.sum()) * (early[bad] - 1)).astype(np.int64)
        missed_day = due_days(c["granted"], c["k0"] + first_missed.clip(max=10**4))
        self.first_missed_day = np.where(bad, missed_day, -1)
        self.status = np.where(c["repaid"], REPAID, CURRENT)
        self.dpd = np.where(bad, hist.end_day - 1 - missed_day, 0)
        self.status = np.where(bad, np.where(self.dpd >= 90, DEFAULTED, IN_ARREARS), self.status)
        # Falling behind usually follows losing one's income.
        owners = acc.owner[self.account[bad]]
        stop = missed_day[bad] - rng.integers(15, 46, bad.sum())
        np.minimum.at(cust.salary_stop_day, owners, stop)

        loan_i, step = np.repeat(np.arange(n), count), _ranks(count)
        k = c["k0"][loan_i] + 1 + step
        due = due_days(c["granted"][loan_i], k)
        missed = step + 1 >= first_missed[loan_i]
        interest = np.zeros(len(loan_i), dtype=np.int64)
        balance = c["outstanding"].astype(np.float64)
        balance[c["granted"] >= hist.start_day] = c["principal"][c["granted"] >= hist.start_day]
        monthly = c["rate"] / 1e6 / 12
        for s in range(int(count.max()) if n else 0):
            rows = np.flatnonzero(step == s)
            li = loan_i[rows]
            charge = np.round(balance[li] * monthly[li])
            interest[rows] = charge
            paid = np.where(missed[rows], 0, c["payment"][li])
            balance[li] += charge - paid
        self.schedule = Schedule(loan_i, due, interest, np.where(missed, 0, c["payment"][loan_i]), missed)


def _paid_before(granted: np.ndarray, start_day: int, term: np.ndarray) -> np.ndarray:
    """Number of instalments due before ``start_day``."""
    g = granted.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    s = np.int64(np.datetime64(start_day, "D").astype("datetime64[M]").astype(np.int64))
    k = s - g
    k = np.where(due_days(granted, k) < start_day, k, k - 1)
    return k.clip(0, term)


def _outstanding(principal: np.ndarray, i: np.ndarray, payment: np.ndarray, k: np.ndarray) -> np.ndarray:
    growth = (1 + i) ** k
    return np.round(principal * growth - payment * (growth - 1) / i).astype(np.int64).clip(min=0)


def _ranks(count: np.ndarray) -> np.ndarray:
    """0, 1, ..., count-1 for each element, concatenated."""
    total = int(count.sum())
    starts = np.repeat(np.cumsum(count) - count, count)
    return np.arange(total) - starts
