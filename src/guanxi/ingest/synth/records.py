"""Rows of the account-side files: accounts, account roles, cards and loans."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from guanxi.codes import AccountRoleType, AccountStatus, CardStatus, CardTier, CardType, LoanStatus, StatementFrequency
from guanxi.ingest.synth import arrays as ar
from guanxi.ingest.synth.catalogue import BRANCHES, CURRENCIES, PRODUCT, PRODUCTS
from guanxi.ingest.synth.families import Families
from guanxi.ingest.synth.history import DAY, History
from guanxi.ingest.synth.holdings import T_CC, T_CURRENT, Accounts
from guanxi.ingest.synth.ledger import Ledger
from guanxi.ingest.synth.lending import Lending
from guanxi.ingest.synth.population import ST_STUDENT, Customers

CARD_LIFE = 1826  # cards are valid five years
_PARTNER = {PRODUCT["CC-AIR"]: "China Eastern Airlines 东方航空", PRODUCT["CC-SHOP"]: "JD.com 京东"}


def account_keys(acc: Accounts, batch: int) -> pa.Array:
    """Keys of a batch's accounts."""
    return ar.batch_keys("A", batch, acc.m, 7)


def account_numbers(acc: Accounts, cust: Customers, batch: int) -> pa.Array:
    """19-digit account numbers: bank prefix, branch, product, then a unique serial."""
    m = acc.m
    parts = [
        np.broadcast_to(np.frombuffer(b"62", dtype=np.uint8), (m, 2)),
        ar.digit_matrix(cust.branch[acc.owner] + 1, 3),
        ar.digit_matrix(acc.product, 2),
        ar.digit_matrix(np.full(m, batch), 5),
        ar.digit_matrix(np.arange(m), 7),
    ]
    return ar.matrix_strings(np.hstack(parts))


def account_columns(
    rng: np.random.Generator,
    hist: History,
    acc: Accounts,
    cust: Customers,
    led: Ledger,
    keys: pa.Array,
    numbers: pa.Array,
) -> dict[str, pa.Array]:
    """Columns of the accounts file."""
    closed = acc.close_day >= 0
    freq = np.where(acc.tag == T_CURRENT, ar.choice(rng, [0.8, 0.05, 0.15], acc.m), 0)
    freq = np.where((acc.tag == T_CURRENT) & cust.is_org[acc.owner] & (rng.random(acc.m) < 0.3), 1, freq)
    return {
        "key": keys,
        "account_number": numbers,
        "product_key": ar.take(pa.array([p.key for p in PRODUCTS]), acc.product),
        "branch_key": ar.take(pa.array([b.code for b in BRANCHES]), cust.branch[acc.owner]),
        "currency": ar.take(pa.array(list(CURRENCIES)), acc.currency),
        "status": ar.take(pa.array([s.value for s in AccountStatus]), acc.status),
        "opened_on": ar.dates(acc.open_day),
        "closed_on": ar.dates(acc.close_day, closed),
        "balance": ar.money(led.balance),
        "balance_as_of": ar.timestamps(np.full(acc.m, hist.end_day * DAY)),
        "credit_limit": ar.money(led.limit, led.limit >= 0),
        "statement_frequency": ar.take(pa.array([f.value for f in StatementFrequency]), freq),
    }


def role_columns(
    acc: Accounts, fam: Families, cust: Customers, keys: pa.Array, batch: int, cards: dict[str, np.ndarray]
) -> dict[str, pa.Array]:
    """Columns of account_roles: owners, joint holders, authorised users (card holders, directors)."""
    rows = [np.arange(acc.m)]
    party = [acc.owner]
    role = [np.zeros(acc.m, dtype=np.int64)]
    joint = np.flatnonzero(acc.joint >= 0)
    rows.append(joint)
    party.append(acc.joint[joint])
    role.append(np.ones(len(joint), dtype=np.int64))
    extra = cards["authorised"]
    rows.append(cards["account"][extra])
    party.append(cards["party"][extra])
    role.append(np.full(extra.sum(), 2))
    # Directors may operate their company's current account.
    business = np.flatnonzero((acc.tag == T_CURRENT) & cust.is_org[acc.owner])
    by_org = np.full(cust.n, -1)
    by_org[acc.owner[business]] = business
    pairs = fam.directors
    ok = by_org[pairs[:, 0]] >= 0 if len(pairs) else np.zeros(0, dtype=bool)
    rows.append(by_org[pairs[ok, 0]])
    party.append(pairs[ok, 1])
    role.append(np.full(ok.sum(), 2))
    a, p, r = (np.concatenate(x).astype(np.int64) for x in (rows, party, role))
    table = np.unique(np.stack([a, p, r], axis=1), axis=0)
    return {
        "key": ar.batch_keys("AR", batch, len(table), 7),
        "account_key": ar.take(keys, table[:, 0]),
        "party_key": ar.keys("P", cust.number[table[:, 1]], 9),
        "role": ar.take(pa.array([x.value for x in AccountRoleType]), table[:, 2]),
    }


def make_cards(
    rng: np.random.Generator, hist: History, acc: Accounts, cust: Customers, fam: Families
) -> dict[str, np.ndarray]:
    """Debit cards on personal current accounts, credit cards with supplementary cards for spouses."""
    debit = np.flatnonzero((acc.tag == T_CURRENT) & ~cust.is_org[acc.owner] & (rng.random(acc.m) < 0.95))
    owner = acc.owner[debit]
    band = cust.band[owner]
    junior = (cust.stage[owner] == ST_STUDENT) & (cust.age[owner] < 22)
    tier = np.select([junior, band >= 6, band == 5], [0, 3, 2], 1)
    account, party, ctype, tiers, auth = [debit], [owner], [np.zeros(len(debit))], [tier], [np.zeros(len(debit), bool)]
    joint = np.flatnonzero((acc.tag == T_CURRENT) & (acc.joint >= 0))
    account += [joint]
    party += [acc.joint[joint]]
    ctype += [np.zeros(len(joint))]
    tiers += [np.ones(len(joint))]
    auth += [np.zeros(len(joint), bool)]
    credit = np.flatnonzero(acc.tag == T_CC)
    account += [credit]
    party += [acc.owner[credit]]
    ctype += [np.ones(len(credit))]
    tiers += [acc.tier[credit]]
    auth += [np.zeros(len(credit), bool)]
    spouse = fam.spouse[acc.owner[credit]]
    supp = credit[(spouse >= 0) & (rng.random(len(credit)) < 0.3)]
    account += [supp]
    party += [fam.spouse[acc.owner[supp]]]
    ctype += [np.ones(len(supp))]
    tiers += [acc.tier[supp]]
    auth += [np.ones(len(supp), bool)]
    a = np.concatenate(account).astype(np.int64)
    cols = {
        "account": a,
        "party": np.concatenate(party).astype(np.int64),
        "type": np.concatenate(ctype).astype(np.int64),
        "tier": np.concatenate(tiers).astype(np.int64),
        "authorised": np.concatenate(auth),
    }
    # Cards are reissued every five years: the current card and, where it exists, the expired one before it.
    open_day = np.maximum(acc.open_day[a], cust.since_day[cols["party"]])
    renewals = np.maximum((hist.end_day - 1 - open_day) // CARD_LIFE, 0)
    issued = open_day + renewals * CARD_LIFE
    status = np.where(acc.close_day[a] >= 0, 3, 0)
    lost = (status == 0) & (rng.random(len(a)) < 0.01)
    reissue = (renewals > 0) | lost
    old_issue = np.where(lost, issued, issued - CARD_LIFE)
    old_expiry = np.where(lost, issued + CARD_LIFE, issued)
    lost_day = np.maximum(issued, hist.start_day) + (
        rng.random(len(a)) * (hist.end_day - np.maximum(issued, hist.start_day))
    ).astype(np.int64)
    new_issue = np.where(lost, np.minimum(lost_day, hist.end_day - 1), issued)
    out = {k: np.concatenate([v, v[reissue]]) for k, v in cols.items()}
    out["issued"] = np.concatenate([new_issue, old_issue[reissue]])
    out["expires"] = np.concatenate([new_issue + CARD_LIFE, old_expiry[reissue]])
    out["status"] = np.concatenate([status, np.where(lost[reissue], 1, 2)])
    order = np.lexsort((out["issued"], out["account"]))
    return {k: v[order] for k, v in out.items()}


def card_columns(cards: dict[str, np.ndarray], acc: Accounts, cust: Customers, keys: pa.Array, batch: int) -> dict:
    """Columns of the cards file."""
    product = acc.product[cards["account"]]
    partner = np.array([_PARTNER.get(int(p), "") for p in range(len(PRODUCTS))], dtype=object)
    names = pa.array([p or None for p in partner], type=pa.string())
    return {
        "key": ar.batch_keys("C", batch, len(cards["account"]), 7),
        "account_key": ar.take(keys, cards["account"]),
        "party_key": ar.keys("P", cust.number[cards["party"]], 9),
        "card_type": ar.take(pa.array([t.value for t in CardType]), cards["type"]),
        "tier": ar.take(pa.array([t.value for t in CardTier]), cards["tier"]),
        "status": ar.take(pa.array([s.value for s in CardStatus]), cards["status"]),
        "issued_on": ar.dates(cards["issued"]),
        "expires_on": ar.dates(cards["expires"]),
        "co_brand_partner": ar.take(names, product),
    }


def loan_columns(lending: Lending, acc: Accounts, keys: pa.Array) -> dict[str, pa.Array]:
    """Columns of the loans file."""
    c = lending.cols
    a = lending.account
    return {
        "key": ar.take(pa.compute.utf8_replace_slice(keys, 0, 1, "L"), a),
        "account_key": ar.take(keys, a),
        "principal": ar.money(c["principal"]),
        "currency": ar.take(pa.array(list(CURRENCIES)), acc.currency[a]),
        "term_months": ar.ints(c["term"]),
        "monthly_payment": ar.money(c["payment"]),
        "interest_rate": ar.decimal6(c["rate"]),
        "granted_on": ar.dates(c["granted"]),
        "status": ar.take(pa.array([s.value for s in LoanStatus]), lending.status),
        "days_past_due": ar.ints(lending.dpd),
    }
