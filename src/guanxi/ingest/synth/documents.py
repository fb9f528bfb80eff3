"""Identity documents (with valid check digits) and the history of consent records."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.codes import CaptureMethod, ConsentChannel, ConsentPurpose, ConsentStatus, DocumentType
from guanxi.ingest.synth import arrays as ar
from guanxi.ingest.synth.history import DAY, History, epoch_day
from guanxi.ingest.synth.names import LOCALE_CN, LOCALE_EN, LOCALE_HK, LOCALE_TW
from guanxi.ingest.synth.pools import AREA_CN, AREA_EN
from guanxi.ingest.synth.population import YEAR, Customers

_DISTRICTS = np.array([310115, 310106, 110102, 110105, 440304, 440305, 440106, 330106, 510104, 320104, 420103, 350203])
_CN_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_CN_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_TW_CODES = dict(zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36), strict=True))
_LONDON, _VANCOUVER = 18, 19
_DOC = {d.value: i for i, d in enumerate(DocumentType)}
_COUNTRIES = pa.array(["CN", "HK", "TW", "GB", "CA"])


def _digits(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    return (rng.integers(0, 10, (n, width)) + 48).astype(np.uint8)


def _lit(text: str, n: int) -> np.ndarray:
    return np.broadcast_to(np.frombuffer(text.encode(), dtype=np.uint8), (n, len(text)))


def _letters(rng: np.random.Generator, n: int, alphabet: bytes) -> np.ndarray:
    return rng.choice(np.frombuffer(alphabet, np.uint8), (n, 1))


def mainland_id(rng: np.random.Generator, branch: np.ndarray, birth_day: np.ndarray, male: np.ndarray) -> np.ndarray:
    """18-character resident identity numbers: district, birth date, sequence (odd for men), check."""
    n = len(branch)
    local = np.where(branch < len(_DISTRICTS), _DISTRICTS[np.minimum(branch, len(_DISTRICTS) - 1)], 0)
    district = np.where((local > 0) & (rng.random(n) < 0.7), local, _DISTRICTS[rng.integers(0, len(_DISTRICTS), n)])
    d = birth_day.astype("datetime64[D]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dom = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    seq = rng.integers(0, 500, n) * 2 + male
    body = np.hstack(
        [ar.digit_matrix(district, 6), ar.digit_matrix(year * 10_000 + month * 100 + dom, 8), ar.digit_matrix(seq, 3)]
    )
    check = _CN_CHECK[((body.astype(np.int64) - 48) * _CN_WEIGHTS).sum(axis=1) % 11]
    return np.hstack([body, check[:, None]])


def hong_kong_id(rng: np.random.Generator, n: int) -> np.ndarray:
    """Hong Kong identity card numbers such as A123456(7)."""
    letter = _letters(rng, n, b"ACDEGHKPRVYZ")
    digits = _digits(rng, n, 6)
    total = (
        36 * 9
        + (letter[:, 0].astype(np.int64) - 55) * 8
        + ((digits.astype(np.int64) - 48) * np.arange(7, 1, -1)).sum(axis=1)
    )
    check = (11 - total % 11) % 11
    char = np.where(check == 10, ord("A"), check + 48).astype(np.uint8)
    return np.hstack([letter, digits, _lit("(", n), char[:, None], _lit(")", n)])


def taiwan_id(rng: np.random.Generator, branch: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Taiwan national identification numbers: city letter, sex digit, seven digits, check digit."""
    n = len(branch)
    letter = np.select([branch == 15, branch == 16, branch == 17], [ord("A"), ord("B"), ord("E")], ord("F"))
    code = np.array([_TW_CODES.get(chr(c), 15) for c in range(256)])[letter]
    sex = np.where(male, 1, 2)
    digits = _digits(rng, n, 7)
    weights = np.arange(7, 0, -1)
    total = code // 10 + (code % 10) * 9 + sex * 8 + ((digits.astype(np.int64) - 48) * weights).sum(axis=1)
    check = (10 - total % 10) % 10
    return np.hstack(
        [
            letter[:, None].astype(np.uint8),
            (sex + 48)[:, None].astype(np.uint8),
            digits,
            (check + 48)[:, None].astype(np.uint8),
        ]
    )


def identity_columns(rng: np.random.Generator, hist: History, cust: Customers) -> dict[str, pa.Array]:
    """Columns of the identity_documents file."""
    person = ~cust.is_org
    male = (cust.gender == 1).astype(np.int64)
    end = hist.end_day
    country_of_area = np.array([0, 1, 2, 3])[cust.area] + (cust.branch == _VANCOUVER)
    country_of_locale = np.array([0, 1, 2, 3])[cust.locale]
    country_of_locale = np.where(cust.locale == LOCALE_EN, country_of_area, country_of_locale)
    pieces: list[tuple[np.ndarray, int, int, pa.Array, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(
        rows: np.ndarray,
        seq: int,
        doc: str,
        number: np.ndarray | pa.Array,
        country: np.ndarray,
        issued: np.ndarray,
        expires: np.ndarray,
    ) -> None:
        text = number if isinstance(number, pa.Array) else ar.matrix_strings(number)
        pieces.append((rows, seq, _DOC[doc], text, country, issued, expires))

    adult16 = cust.birth_day + int(16 * YEAR)
    issued = np.maximum(end - (rng.random(cust.n) * 10 * YEAR).astype(np.int64), adult16)
    age_at = (issued - cust.birth_day) / YEAR
    life = np.where(age_at < 26, 10, np.where(age_at < 46, 20, 0))
    cn_expiry = np.where(life > 0, issued + (life * YEAR).astype(np.int64), -1)
    rows = np.flatnonzero(person & (cust.locale == LOCALE_CN))
    add(
        rows,
        0,
        "national_id",
        mainland_id(rng, cust.branch[rows], cust.birth_day[rows], male[rows]),
        np.zeros(len(rows), int),
        issued[rows],
        cn_expiry[rows],
    )
    rows = np.flatnonzero(person & (cust.locale == LOCALE_HK))
    add(
        rows,
        0,
        "national_id",
        hong_kong_id(rng, len(rows)),
        np.ones(len(rows), int),
        issued[rows],
        np.full(len(rows), -1),
    )
    rows = np.flatnonzero(person & (cust.locale == LOCALE_TW))
    add(
        rows,
        0,
        "national_id",
        taiwan_id(rng, cust.branch[rows], male[rows]),
        np.full(len(rows), 2),
        issued[rows],
        np.full(len(rows), -1),
    )

    # Passports: everyone from abroad, and a fifth of the others.
    needs = person & ((cust.locale == LOCALE_EN) | (cust.area == AREA_EN) | (rng.random(cust.n) < 0.2))
    rows = np.flatnonzero(needs)
    country = country_of_locale[rows]
    n = len(rows)
    formats = [
        np.hstack([_lit("E", n), _digits(rng, n, 8)]),
        np.hstack([_lit("K", n), _digits(rng, n, 8)]),
        np.hstack([_lit("3", n), _digits(rng, n, 8)]),
        _digits(rng, n, 9),
        np.hstack([_letters(rng, n, b"ABCGHKLM"), _letters(rng, n, b"ABCDEFGHJK"), _digits(rng, n, 6)]),
    ]
    pp = ar.assemble(
        n, [(np.flatnonzero(country == k), ar.matrix_strings(f[country == k])) for k, f in enumerate(formats)]
    )
    start = np.maximum(end - (rng.random(n) * 9.5 * YEAR).astype(np.int64), adult16[rows])
    add(rows, 1, "passport", pp, country, start, start + int(10 * YEAR))

    # Chinese customers living abroad hold a residence permit.
    rows = np.flatnonzero(person & (cust.area == AREA_EN) & (cust.locale != LOCALE_EN))
    n = len(rows)
    permit = np.hstack([_lit("ZU", n), _digits(rng, n, 7)])
    start = np.maximum(end - (rng.random(n) * 4 * YEAR).astype(np.int64), adult16[rows])
    add(rows, 2, "resident_permit", permit, country_of_area[rows], start, start + int(5 * YEAR))

    rows = np.flatnonzero(
        person & (cust.area != AREA_CN) & (cust.age >= 25) & (cust.age < 70) & (rng.random(cust.n) < 0.12)
    )
    n = len(rows)
    start = end - (rng.random(n) * 9 * YEAR).astype(np.int64)
    add(
        rows,
        3,
        "driving_licence",
        np.hstack([_lit("DL", n), _digits(rng, n, 10)]),
        country_of_area[rows],
        start,
        start + int(10 * YEAR),
    )

    rows = np.flatnonzero(cust.is_org)
    n = len(rows)
    cn = cust.area[rows] == AREA_CN
    code = np.hstack(
        [
            _lit("91", n),
            ar.digit_matrix(_DISTRICTS[rng.integers(0, len(_DISTRICTS), n)], 6),
            rng.choice(np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRTUWXY", np.uint8), (n, 10)),
        ]
    )
    local = np.hstack([_digits(rng, n, 8), _lit("          ", n)])
    number = pc.utf8_trim_whitespace(ar.matrix_strings(np.where(cn[:, None], code, local)))
    add(rows, 0, "business_registration", number, country_of_area[rows], cust.birth_day[rows], np.full(n, -1))

    rows = np.concatenate([p[0] for p in pieces])
    seq = np.concatenate([np.full(len(p[0]), p[1]) for p in pieces])
    order = np.lexsort((seq, rows))
    rows, seq = rows[order], seq[order]
    issued = np.concatenate([p[5] for p in pieces])[order]
    expires = np.concatenate([p[6] for p in pieces])[order]
    verified = rng.random(len(rows)) < np.where(cust.prospect[rows], 0.4, 0.97)
    return {
        "key": ar.keys("ID", cust.number[rows] * 10 + seq, 10),
        "party_key": ar.keys("P", cust.number[rows], 9),
        "doc_type": ar.take(
            pa.array([d.value for d in DocumentType]), np.concatenate([np.full(len(p[0]), p[2]) for p in pieces])[order]
        ),
        "number": pa.concat_arrays([p[3].cast(pa.string()) for p in pieces]).take(pa.array(order)),
        "issuing_country": ar.take(_COUNTRIES, np.concatenate([p[4] for p in pieces])[order]),
        "issued_on": ar.dates(issued),
        "expires_on": ar.dates(expires, expires >= 0),
        "verified": ar.bools(verified),
    }


_PURPOSE = {p.value: i for i, p in enumerate(ConsentPurpose)}
_CHANNEL = {c.value: i for i, c in enumerate(ConsentChannel)}
_EVIDENCE = pa.array(
    [
        "signed form BF-",
        "web consent page v2.3",
        "app consent screen v3.1",
        "call recording CR",
        "scanned paper form PF-",
        "migrated from legacy CRM",
    ]
)
_NUMBERED = np.array([True, False, False, True, True, False])
# purpose, channel, share asked, share of those asked who agree
_ASKED = (
    ("service_messages", "any", 1.0, 1.0),
    ("marketing", "sms", 0.8, 0.6),
    ("marketing", "email", 0.7, 0.5),
    ("marketing", "app_push", 0.6, 0.55),
    ("marketing", "wechat", 0.5, 0.6),
    ("marketing", "phone", 0.5, 0.3),
    ("marketing", "post", 0.3, 0.2),
    ("profiling", "any", 0.9, 0.7),
    ("data_sharing", "any", 0.8, 0.35),
)


def consent_columns(rng: np.random.Generator, hist: History, cust: Customers, batch: int) -> dict[str, pa.Array]:
    """Consent history: choices made at onboarding, later withdrawals (many by customers drifting away)."""
    n = cust.n
    recorded = np.where(cust.prospect, hist.end_day - rng.integers(1, 90, n), cust.since_day)
    digital = cust.age < 50
    legacy = recorded < epoch_day(dt.date(2012, 1, 1))
    capture = np.where(
        legacy,
        ar.choice(rng, [0.4, 0, 0, 0, 0.2, 0.4], n),
        np.where(digital, ar.choice(rng, [0.2, 0.3, 0.5, 0, 0, 0], n), ar.choice(rng, [0.7, 0, 0, 0.15, 0.15, 0], n)),
    )
    party, purpose, channel, status, day, via = [], [], [], [], [], []
    for p, ch, asked, agree in _ASKED:
        wechat_ok = cust.locale != LOCALE_EN if ch == "wechat" else np.ones(n, bool)
        rows = np.flatnonzero((rng.random(n) < asked) & wechat_ok)
        party.append(rows)
        purpose.append(np.full(len(rows), _PURPOSE[p]))
        channel.append(np.full(len(rows), _CHANNEL[ch]))
        status.append((rng.random(len(rows)) >= agree).astype(np.int64))
        day.append(recorded[rows])
        via.append(capture[rows])
    party_a, purpose_a, channel_a, status_a = (np.concatenate(x) for x in (party, purpose, channel, status))
    day_a, via_a = np.concatenate(day), np.concatenate(via)
    # Some change their mind later; churners often opt out of marketing as they leave.
    given = np.flatnonzero((status_a == 0) & (purpose_a != _PURPOSE["service_messages"]))
    later = given[rng.random(len(given)) < np.where(cust.churn[party_a[given]], 0.5, 0.08)]
    lo = np.maximum(
        day_a[later] + 30, np.where(cust.churn[party_a[later]], cust.decline_day[party_a[later]], hist.start_day)
    )
    hi = np.where(cust.churn[party_a[later]], cust.churn_day[party_a[later]], hist.end_day - 1)
    ok = hi > lo
    later, lo, hi = later[ok], lo[ok], hi[ok]
    when = lo + (rng.random(len(later)) * (hi - lo)).astype(np.int64)
    party_a = np.concatenate([party_a, party_a[later]])
    purpose_a = np.concatenate([purpose_a, purpose_a[later]])
    channel_a = np.concatenate([channel_a, channel_a[later]])
    status_a = np.concatenate([status_a, np.ones(len(later), dtype=np.int64)])
    day_a = np.concatenate([day_a, when])
    via_a = np.concatenate([via_a, ar.choice(rng, [0.1, 0.3, 0.45, 0.15, 0, 0], len(later))])
    seconds = day_a * DAY + rng.integers(9 * 3600, 21 * 3600, len(day_a))
    order = np.lexsort((seconds, party_a))
    party_a, purpose_a, channel_a, status_a, via_a, seconds = (
        x[order] for x in (party_a, purpose_a, channel_a, status_a, via_a, seconds)
    )
    serial = pa.array(rng.integers(10_000_000, 99_999_999, len(via_a))).cast(pa.string())
    prefix = ar.take(_EVIDENCE, via_a)
    evidence = pc.if_else(pa.array(_NUMBERED[via_a]), ar.join(prefix, serial, sep=""), prefix)
    return {
        "key": ar.batch_keys("CS", batch, len(party_a), 8),
        "party_key": ar.keys("P", cust.number[party_a], 9),
        "purpose": ar.take(pa.array([p.value for p in ConsentPurpose]), purpose_a),
        "channel": ar.take(pa.array([c.value for c in ConsentChannel]), channel_a),
        "status": ar.take(pa.array([s.value for s in ConsentStatus]), status_a),
        "recorded_at": ar.timestamps(seconds),
        "captured_via": ar.take(pa.array([c.value for c in CaptureMethod]), via_a),
        "evidence": evidence,
    }
