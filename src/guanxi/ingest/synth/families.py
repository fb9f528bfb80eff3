"""Households and party relationships: couples, their grown-up children, elderly dependants, directors.

Couples are formed inside a batch among customers of the same branch and naming culture, paired
by age rank so spouses are of similar age; children take the head's family name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from guanxi.codes import HouseholdRole, RelationshipKind
from guanxi.ingest.synth import arrays as ar
from guanxi.ingest.synth.history import History
from guanxi.ingest.synth.names import LOCALE_EN, NamePools
from guanxi.ingest.synth.population import STUDENT, YEAR, Customers

ROLE = {r.value: i for i, r in enumerate(HouseholdRole)}
KIND = {k.value: i for i, k in enumerate(RelationshipKind)}


@dataclass
class Relations:
    """Directed party relationships, as positions in the batch."""

    src: list[np.ndarray] = field(default_factory=list)
    dst: list[np.ndarray] = field(default_factory=list)
    kind: list[np.ndarray] = field(default_factory=list)
    started: list[np.ndarray] = field(default_factory=list)
    ended: list[np.ndarray] = field(default_factory=list)

    def add(
        self, src: np.ndarray, dst: np.ndarray, kind: str, started: np.ndarray, ended: np.ndarray | None = None
    ) -> None:
        """Append relationships of one kind."""
        self.src.append(np.asarray(src, dtype=np.int64))
        self.dst.append(np.asarray(dst, dtype=np.int64))
        self.kind.append(np.full(len(src), KIND[kind]))
        self.started.append(np.asarray(started, dtype=np.int64))
        self.ended.append(np.full(len(src), -1) if ended is None else np.asarray(ended, dtype=np.int64))

    def columns(self, cust: Customers, batch: int) -> dict[str, pa.Array]:
        """Columns of the party_relationships file."""
        src, dst = np.concatenate(self.src), np.concatenate(self.dst)
        started, ended = np.concatenate(self.started), np.concatenate(self.ended)
        party = ar.keys("P", cust.number, 9)
        return {
            "key": ar.batch_keys("R", batch, len(src), 7),
            "from_party_key": ar.take(party, src),
            "to_party_key": ar.take(party, dst),
            "kind": ar.take(pa.array([k.value for k in RelationshipKind]), np.concatenate(self.kind)),
            "started_on": ar.dates(started, started >= 0),
            "ended_on": ar.dates(ended, ended >= 0),
        }


@dataclass
class Families:
    """Who lives with whom, and the relationships between parties."""

    spouse: np.ndarray  # batch position of the spouse, -1 = none
    household: np.ndarray  # head's position for members, -1 = none
    role: np.ndarray  # index into HouseholdRole, -1 = none
    directors: np.ndarray  # (org position, director position) pairs
    relations: Relations

    def is_head(self) -> np.ndarray:
        """Customers who head a household."""
        return self.role == ROLE["head"]


def make_families(rng: np.random.Generator, hist: History, cust: Customers) -> Families:
    """Pair spouses, attach children and dependants, appoint company directors."""
    n = cust.n
    spouse = np.full(n, -1, dtype=np.int64)
    household = np.full(n, -1, dtype=np.int64)
    role = np.full(n, -1, dtype=np.int64)
    relations = Relations()
    person = ~cust.is_org & ~cust.prospect
    marry_p = np.where(cust.age < 24, 0.0, np.where(cust.age < 35, 0.45, np.where(cust.age < 65, 0.75, 0.65)))
    candidate = person & ~cust.churn & (cust.kind != STUDENT) & (rng.random(n) < marry_p)
    group = cust.branch * 4 + cust.locale
    heads, partners = [], []
    for g in np.unique(group[candidate]):
        men = np.flatnonzero(candidate & (group == g) & ~cust.female)
        women = np.flatnonzero(candidate & (group == g) & cust.female)
        k = min(len(men), len(women))
        if k == 0:
            continue
        men = rng.choice(men, k, replace=False)
        women = rng.choice(women, k, replace=False)
        heads.append(men[np.argsort(cust.age[men], kind="stable")])
        partners.append(women[np.argsort(cust.age[women], kind="stable")])
    head = np.concatenate(heads) if heads else np.zeros(0, dtype=np.int64)
    wife = np.concatenate(partners) if partners else np.zeros(0, dtype=np.int64)
    spouse[head], spouse[wife] = wife, head
    household[head], household[wife] = head, head
    role[head], role[wife] = ROLE["head"], ROLE["spouse"]
    younger = np.minimum(cust.age[head], cust.age[wife])
    married_years = 1 + rng.random(len(head)) * np.maximum(younger - 23, 0.5)
    relations.add(head, wife, "spouse", hist.end_day - (married_years * YEAR).astype(np.int64))
    # In English-speaking families most wives carry the husband's family name.
    takes = (cust.locale[wife] == LOCALE_EN) & (rng.random(len(wife)) < 0.7)
    cust.surname[wife[takes]] = cust.surname[head[takes]]

    _attach(rng, cust, head, household, role, relations, person & (cust.kind == STUDENT) & (cust.age < 25), "child")
    elderly = person & (cust.age >= 75) & (spouse < 0)
    _attach(rng, cust, head, household, role, relations, elderly, "dependant")

    org = np.flatnonzero(cust.is_org)
    pairs = _directors(rng, cust, org, person & (cust.age >= 28) & (cust.age < 72))
    started = np.maximum(cust.birth_day[pairs[:, 0]], cust.birth_day[pairs[:, 1]] + int(25 * YEAR))
    relations.add(pairs[:, 1], pairs[:, 0], "director_of", started)
    share = rng.random(len(pairs)) < 0.4
    relations.add(pairs[share, 1], pairs[share, 0], "shareholder_of", started[share])
    return Families(spouse, household, role, pairs, relations)


def _attach(
    rng: np.random.Generator,
    cust: Customers,
    heads: np.ndarray,
    household: np.ndarray,
    role: np.ndarray,
    relations: Relations,
    who: np.ndarray,
    as_role: str,
) -> None:
    """Attach some of ``who`` to a household of the same branch and culture with a fitting age gap."""
    if len(heads) == 0:
        return
    group = cust.branch * 4 + cust.locale
    members = np.flatnonzero(who & (rng.random(cust.n) < (0.55 if as_role == "child" else 0.3)))
    chosen_member, chosen_head = [], []
    order = np.argsort(group[heads], kind="stable")
    sorted_heads, sorted_groups = heads[order], group[heads][order]
    lo = np.searchsorted(sorted_groups, group[members], side="left")
    hi = np.searchsorted(sorted_groups, group[members], side="right")
    has = hi > lo
    for _attempt in range(3):
        pick = lo + (rng.random(len(members)) * np.maximum(hi - lo, 1)).astype(np.int64)
        h = sorted_heads[np.minimum(pick, len(sorted_heads) - 1)]
        gap = cust.age[h] - cust.age[members]
        fits = has & ((gap >= 20) & (gap <= 40) if as_role == "child" else (gap <= -20) & (gap >= -50))
        chosen_member.append(members[fits])
        chosen_head.append(h[fits])
        members, lo, hi, has = members[~fits], lo[~fits], hi[~fits], has[~fits]
    m, h = np.concatenate(chosen_member), np.concatenate(chosen_head)
    household[m] = h
    role[m] = ROLE[as_role]
    if as_role == "child":
        # Children carry the head's family name; both parents are recorded.
        same = cust.locale[m] == cust.locale[h]
        cust.surname[m[same]] = cust.surname[h[same]]
        relations.add(h, m, "parent_of", cust.birth_day[m])
        wife = np.flatnonzero(role == ROLE["spouse"])
        mother = np.full(cust.n, -1)
        mother[household[wife]] = wife
        has_mother = mother[h] >= 0
        relations.add(mother[h][has_mother], m[has_mother], "parent_of", cust.birth_day[m][has_mother])


def _directors(rng: np.random.Generator, cust: Customers, orgs: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """One or two directors per organisation, from customers of the same branch."""
    pool = np.flatnonzero(eligible)
    if len(pool) == 0 or len(orgs) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    order = np.argsort(cust.branch[pool], kind="stable")
    pool, branches = pool[order], cust.branch[pool][order]
    count = 1 + (rng.random(len(orgs)) < 0.45)
    org = np.repeat(orgs, count)
    lo = np.searchsorted(branches, cust.branch[org], side="left")
    hi = np.searchsorted(branches, cust.branch[org], side="right")
    ok = hi > lo
    pick = pool[np.minimum(lo + (rng.random(len(org)) * np.maximum(hi - lo, 1)).astype(np.int64), len(pool) - 1)]
    pairs = np.unique(np.stack([org[ok], pick[ok]], axis=1), axis=0)
    return pairs


def household_columns(fam: Families, cust: Customers, names: NamePools) -> tuple[dict, dict]:
    """Columns of the households and household_members files."""
    heads = np.flatnonzero(fam.is_head())
    surname = ar.take(names.surname_native, cust.surname[heads])
    english = pa.array(cust.locale[heads] == LOCALE_EN)
    name = pa.compute.if_else(english, ar.join(surname, " family", sep=""), ar.join(surname, "家", sep=""))
    members = np.flatnonzero(fam.household >= 0)
    members = members[np.lexsort((fam.role[members], fam.household[members]))]
    households = {"key": ar.keys("H", cust.number[heads], 9), "name": name}
    roster = {
        "key": ar.keys("HM", cust.number[members], 9),
        "household_key": ar.keys("H", cust.number[fam.household[members]], 9),
        "party_key": ar.keys("P", cust.number[members], 9),
        "role": ar.take(pa.array([r.value for r in HouseholdRole]), fam.role[members]),
    }
    return households, roster
