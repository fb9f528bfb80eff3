"""Customers: who they are (age, occupation, income, risk appetite) and how they behave.

Everything is drawn for a whole batch at once with NumPy. Attributes are coherent rather than
independent: occupation follows age, income follows occupation and area, risk tolerance
follows age and income, the preferred language follows the naming culture.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.codes import Gender, IncomeBand, KycStatus, Language, PartyStatus, PartyType
from guanxi.ingest.synth import arrays as ar
from guanxi.ingest.synth.catalogue import AREA_CURRENCY, AREA_INCOME, BRANCHES, LOCALE_MIX, Catalogue
from guanxi.ingest.synth.history import History
from guanxi.ingest.synth.names import LOCALE_EN, NamePools
from guanxi.ingest.synth.pools import AREA_EN, Pools

STUDENT, EMPLOYED, SELF_EMPLOYED, RETIRED, HOMEMAKER, UNEMPLOYED = range(6)
# Life stages drive product take-up; ORG marks organisations.
ST_STUDENT, ST_YOUNG, ST_FAMILY, ST_MATURE, ST_RETIRED, ST_NOTWORK, ST_ORG = range(7)
YEAR = 365.25

# name, kind, lowest and highest income band (0 none .. 6 very high), weight within the kind
OCCUPATIONS = (
    ("Student", STUDENT, 0, 1, 1),
    ("Software Engineer", EMPLOYED, 3, 5, 6),
    ("Doctor", EMPLOYED, 4, 6, 2),
    ("Nurse", EMPLOYED, 2, 3, 3),
    ("Teacher", EMPLOYED, 2, 4, 5),
    ("Civil Servant", EMPLOYED, 3, 4, 5),
    ("Accountant", EMPLOYED, 3, 5, 4),
    ("Sales Manager", EMPLOYED, 3, 5, 4),
    ("Factory Worker", EMPLOYED, 1, 2, 7),
    ("Driver", EMPLOYED, 1, 3, 4),
    ("Shop Assistant", EMPLOYED, 1, 2, 5),
    ("Chef", EMPLOYED, 1, 3, 3),
    ("Lawyer", EMPLOYED, 4, 6, 1),
    ("Financial Analyst", EMPLOYED, 4, 6, 2),
    ("Engineer", EMPLOYED, 3, 5, 5),
    ("Designer", EMPLOYED, 2, 4, 3),
    ("Delivery Rider", EMPLOYED, 1, 2, 4),
    ("Construction Worker", EMPLOYED, 1, 2, 4),
    ("Researcher", EMPLOYED, 3, 5, 2),
    ("Executive", EMPLOYED, 5, 6, 1),
    ("Office Clerk", EMPLOYED, 2, 3, 7),
    ("Business Owner", SELF_EMPLOYED, 3, 6, 4),
    ("Freelancer", SELF_EMPLOYED, 1, 4, 2),
    ("Retired", RETIRED, 1, 4, 1),
    ("Homemaker", HOMEMAKER, 0, 0, 1),
    ("Unemployed", UNEMPLOYED, 0, 1, 1),
)
OCC_NAMES = pa.array([o[0] for o in OCCUPATIONS])
_OCC_KIND = np.array([o[1] for o in OCCUPATIONS])
_OCC_LO = np.array([o[2] for o in OCCUPATIONS])
_OCC_HI = np.array([o[3] for o in OCCUPATIONS])

_AGE_BRACKETS = np.array(
    [(18, 25, 0.11), (25, 35, 0.22), (35, 45, 0.20), (45, 55, 0.18), (55, 65, 0.14), (65, 75, 0.10), (75, 91, 0.05)]
)
# Probability of each kind of occupation (student, employed, self-employed, retired, homemaker,
# unemployed) for ages <22, 22-24, 25-54, 55-59, 60-64, 65+.
_KIND_BY_AGE = np.array(
    [
        [0.80, 0.17, 0.00, 0.00, 0.00, 0.03],
        [0.35, 0.57, 0.02, 0.00, 0.00, 0.06],
        [0.00, 0.82, 0.09, 0.00, 0.05, 0.04],
        [0.00, 0.65, 0.08, 0.17, 0.05, 0.05],
        [0.00, 0.30, 0.07, 0.60, 0.03, 0.00],
        [0.00, 0.00, 0.05, 0.95, 0.00, 0.00],
    ]
)
# Monthly net income range (CNY) of each income band.
BAND_INCOME = np.array(
    [(0, 0), (2_500, 5_000), (5_000, 9_000), (9_000, 16_000), (16_000, 30_000), (30_000, 60_000), (60_000, 200_000)],
    dtype=np.float64,
)
# Preferred language (en, zh-Hans, zh-Hant) per naming culture (mainland, Hong Kong, Taiwan, English).
_LANGUAGE = np.array([[0.03, 0.97, 0.0], [0.2, 0.0, 0.8], [0.02, 0.0, 0.98], [1.0, 0.0, 0.0]])
_LANG_VALUES = pa.array([Language.EN.value, Language.ZH_HANS.value, Language.ZH_HANT.value])


@dataclass
class Customers:
    """A batch of parties, one array element per party."""

    n: int
    number: np.ndarray  # global party number, 1-based; the key is derived from it
    is_org: np.ndarray
    branch: np.ndarray
    area: np.ndarray
    locale: np.ndarray
    currency: np.ndarray  # home currency
    female: np.ndarray
    gender: np.ndarray  # index into Gender, -1 = none
    age: np.ndarray  # years at the end of the history (organisations: years since incorporation)
    birth_day: np.ndarray  # epoch day
    stage: np.ndarray
    kind: np.ndarray
    occupation: np.ndarray  # index into OCCUPATIONS, -1 = none
    band: np.ndarray  # income band index, -1 = none
    income: np.ndarray  # monthly income in CNY cents
    risk: np.ndarray  # 1..5
    kyc: np.ndarray
    language: np.ndarray
    prospect: np.ndarray
    since_day: np.ndarray  # epoch day the relationship began
    churn: np.ndarray
    churn_day: np.ndarray  # epoch day all accounts close (churners)
    decline_day: np.ndarray  # epoch day the drift away begins
    activity: np.ndarray  # overall activity multiplier
    pay_dom: np.ndarray  # day of month salary arrives
    employer: np.ndarray  # counterparty position of the employer
    rm: np.ndarray  # staff index, -1 = none
    org_name: np.ndarray  # position in the organisation name pools, -1 for individuals
    surname: np.ndarray
    given: np.ndarray
    latin_given: np.ndarray
    salary_stop_day: np.ndarray  # epoch day pay stops (job loss, moving payroll away); large = never

    @property
    def age_group(self) -> np.ndarray:
        """0: 18-29, 1: 30-44, 2: 45-59, 3: 60-74, 4: 75+."""
        return np.searchsorted(np.array([30, 45, 60, 75]), self.age, side="right")


def make_customers(
    rng: np.random.Generator, hist: History, cat: Catalogue, pools: Pools, names: NamePools, first: int, n: int
) -> Customers:
    """Draw ``n`` parties numbered from ``first + 1``."""
    branch = rng.choice(len(BRANCHES), n, p=cat.branch_weight)
    area = cat.branch_area[branch]
    is_org = rng.random(n) < 0.05
    locale = ar.choice_by(rng, LOCALE_MIX, area)
    bracket = rng.choice(len(_AGE_BRACKETS), n, p=_AGE_BRACKETS[:, 2] / _AGE_BRACKETS[:, 2].sum())
    age = _AGE_BRACKETS[bracket, 0] + rng.random(n) * (_AGE_BRACKETS[bracket, 1] - _AGE_BRACKETS[bracket, 0])
    age = np.where(is_org, 1 + rng.random(n) * 24, age)
    birth_day = hist.end_day - np.round(age * YEAR).astype(np.int64) - rng.integers(0, 30, n)
    female = rng.random(n) < 0.51
    gender = np.where(female, 0, 1)
    odd = rng.random(n)
    gender = np.where(odd < 0.003, 3, np.where(odd < 0.005, 2, gender))
    gender = np.where(is_org, -1, gender)

    kind, occupation = _occupations(rng, age)
    band = _income_band(rng, age, occupation)
    income = _income(rng, band, area)
    stage = _stage(kind, age)
    stage = np.where(is_org, ST_ORG, stage)
    kind = np.where(is_org, -1, kind)
    occupation = np.where(is_org, -1, occupation)
    band = np.where(is_org, -1, band)
    income = np.where(is_org, 0, income)
    base_risk = 2.6 + 0.45 * (band - 3) - 0.03 * (age - 40) + rng.normal(0, 0.7, n)
    risk = np.where(is_org, rng.integers(2, 5, n), np.round(base_risk).clip(1, 5)).astype(np.int64)

    prospect = (rng.random(n) < 0.015) & ~is_org
    since = _since(rng, hist, cat, branch, birth_day, age, is_org)
    expired = (since < hist.end_day - 5 * YEAR) & (rng.random(n) < 0.04)
    kyc = np.where(expired, 2, 1)  # verified, with some reviews overdue
    kyc = np.where(prospect, np.where(rng.random(n) < 0.7, 0, 3), kyc)
    language = ar.choice_by(rng, _LANGUAGE, locale)
    language = np.where((area == AREA_EN) & (locale != LOCALE_EN) & (rng.random(n) < 0.35), 0, language)

    # About one customer in sixteen drifts away during the history and closes everything.
    churn_day = hist.start_day + 20 + (rng.random(n) * max(hist.days - 21, 1)).astype(np.int64)
    churn = (rng.random(n) < 0.065) & ~prospect & (since < churn_day - 150)
    decline_day = churn_day - rng.integers(90, 181, n)
    never = np.full(n, hist.end_day + 10_000)
    salary_stop = np.where(churn, decline_day + ((churn_day - decline_day) * rng.uniform(0.2, 0.6, n)), never)

    rm_pick = rng.random(n)
    wants_rm = np.where(is_org | (band >= 4), rm_pick < 0.85, rm_pick < 0.08) & ~prospect
    rm = np.full(n, -1, dtype=np.int64)
    for b in range(len(BRANCHES)):
        rows = np.flatnonzero(wants_rm & (branch == b))
        if len(cat.rm_index[b]):
            rm[rows] = cat.rm_index[b][rng.integers(0, len(cat.rm_index[b]), len(rows))]

    surname = names.surnames(rng, locale)
    given, latin_given = names.given(rng, locale, female)
    org_name = np.where(is_org, branch * pools.org_per_branch + rng.integers(0, pools.org_per_branch, n), -1).astype(
        np.int64
    )
    return Customers(
        n=n,
        number=np.arange(first + 1, first + n + 1, dtype=np.int64),
        is_org=is_org,
        branch=branch,
        area=area,
        locale=locale,
        currency=AREA_CURRENCY[area],
        female=female,
        gender=gender,
        age=age,
        birth_day=birth_day,
        stage=stage,
        kind=kind,
        occupation=occupation,
        band=band,
        income=income,
        risk=risk,
        kyc=kyc,
        language=language,
        prospect=prospect,
        since_day=since,
        churn=churn,
        churn_day=np.where(churn, churn_day, -1),
        decline_day=np.where(churn, decline_day, -1),
        activity=rng.lognormal(0, 0.45, n),
        pay_dom=rng.choice(np.array([5, 10, 15, 20, 25, 28]), n, p=[0.1, 0.3, 0.2, 0.1, 0.2, 0.1]),
        employer=pools.organisation(rng, branch),
        rm=rm,
        org_name=org_name,
        surname=surname,
        given=given,
        latin_given=latin_given,
        salary_stop_day=salary_stop.astype(np.int64),
    )


def _occupations(rng: np.random.Generator, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    bucket = np.searchsorted(np.array([22, 25, 55, 60, 65]), age, side="right")
    kind = ar.choice_by(rng, _KIND_BY_AGE, bucket)
    occupation = np.zeros(len(age), dtype=np.int64)
    for k in range(6):
        rows = np.flatnonzero(kind == k)
        options = np.flatnonzero(k == _OCC_KIND)
        weights = np.array([OCCUPATIONS[i][4] for i in options], dtype=np.float64)
        occupation[rows] = options[rng.choice(len(options), len(rows), p=weights / weights.sum())]
    return kind.astype(np.int64), occupation


def _income_band(rng: np.random.Generator, age: np.ndarray, occupation: np.ndarray) -> np.ndarray:
    lo, hi = _OCC_LO[occupation], _OCC_HI[occupation]
    band = lo + (rng.random(len(age)) * (hi - lo + 1)).astype(np.int64)
    # Pay rises with seniority: the young sit a band lower, the mid-career sometimes a band higher.
    band = (
        band - ((age < 28) & (rng.random(len(age)) < 0.6)) + ((age >= 40) & (age < 60) & (rng.random(len(age)) < 0.3))
    )
    return band.clip(np.maximum(lo - 1, 0), hi)


def _income(rng: np.random.Generator, band: np.ndarray, area: np.ndarray) -> np.ndarray:
    lo, hi = BAND_INCOME[band, 0], BAND_INCOME[band, 1]
    with np.errstate(divide="ignore"):
        log_amount = np.log(np.maximum(lo, 1)) + rng.random(len(band)) * (
            np.log(np.maximum(hi, 1)) - np.log(np.maximum(lo, 1))
        )
    yuan = np.where(band > 0, np.exp(log_amount), 0) * AREA_INCOME[area]
    return (np.round(yuan / 10) * 1000).astype(np.int64)  # whole tens of yuan, in cents


def _stage(kind: np.ndarray, age: np.ndarray) -> np.ndarray:
    working = np.where(age < 30, ST_YOUNG, np.where(age < 55, ST_FAMILY, ST_MATURE))
    stage = np.select(
        [kind == STUDENT, kind == RETIRED, (kind == HOMEMAKER) | (kind == UNEMPLOYED)],
        [ST_STUDENT, ST_RETIRED, ST_NOTWORK],
        working,
    )
    return stage.astype(np.int64)


def _since(
    rng: np.random.Generator,
    hist: History,
    cat: Catalogue,
    branch: np.ndarray,
    birth: np.ndarray,
    age: np.ndarray,
    is_org: np.ndarray,
) -> np.ndarray:
    n = len(branch)
    tenure = rng.exponential(6.5, n) * YEAR
    since = hist.end_day - 30 - tenure.astype(np.int64)
    adult = np.where(is_org, hist.end_day - np.round(age * YEAR).astype(np.int64), birth + int(18 * YEAR))
    since = np.maximum(since, np.maximum(adult, cat.branch_open_day[branch]))
    # New customers keep arriving: about 1.2% a month join during the history.
    new = rng.random(n) < min(0.25, 0.012 * hist.months)
    joined = hist.start_day + (rng.random(n) * max(hist.days - 14, 1)).astype(np.int64)
    since = np.where(new, np.maximum(joined, adult), since)
    return np.minimum(since, hist.end_day - 14)


def party_columns(cust: Customers, names: NamePools, pools: Pools, cat: Catalogue, closed_day: np.ndarray) -> dict:
    """Columns of the parties file for a batch (``closed_day`` -1 where still open)."""
    full, given, family, latin = names.render(cust.locale, cust.surname, cust.given, cust.latin_given)
    org = pa.array(cust.is_org)
    org_idx = np.where(cust.is_org, cust.org_name, 0)
    nulls = pa.nulls(cust.n, pa.string())
    individual = ~cust.is_org
    closed = closed_day >= 0
    status = np.where(cust.prospect, 0, np.where(closed, 2, 1))
    return {
        "key": ar.keys("P", cust.number, 9),
        "party_type": ar.take(
            pa.array([PartyType.INDIVIDUAL.value, PartyType.ORGANISATION.value]), cust.is_org.astype(np.int64)
        ),
        "full_name": pc.if_else(org, ar.take(pools.org_native, org_idx), full),
        "given_name": pc.if_else(org, nulls, given),
        "family_name": pc.if_else(org, nulls, family),
        "latin_name": pc.if_else(org, ar.take(pools.org_latin, org_idx), latin),
        "gender": ar.take(pa.array([g.value for g in Gender]), cust.gender),
        "birth_date": ar.dates(cust.birth_day, individual),
        "incorporated_on": ar.dates(cust.birth_day, cust.is_org),
        "occupation": ar.take(OCC_NAMES, cust.occupation),
        "income_band": ar.take(pa.array([b.value for b in IncomeBand]), cust.band),
        "risk_tolerance": ar.ints(cust.risk),
        "kyc_status": ar.take(pa.array([k.value for k in KycStatus]), cust.kyc),
        "preferred_language": ar.take(_LANG_VALUES, cust.language),
        "status": ar.take(pa.array([s.value for s in PartyStatus]), status),
        "customer_since": ar.dates(cust.since_day, ~cust.prospect),
        "closed_on": ar.dates(closed_day, closed),
        "home_branch_key": ar.take(pa.array([b.code for b in BRANCHES]), cust.branch),
        "relationship_manager_key": ar.take(cat.staff_columns["key"], cust.rm),
    }
