"""Contact points, identity documents and consent records.

Numbers follow the real formats, check digits included (mainland resident ID, Hong Kong
identity card, Taiwan national ID), so validators written against real data accept them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.codes import ContactKind
from guanxi.ingest.synth import arrays as ar
from guanxi.ingest.synth.catalogue import BRANCHES
from guanxi.ingest.synth.history import DAY, History
from guanxi.ingest.synth.pools import AREA_CN, AREA_EN, AREA_HK, AREA_TW, Pools
from guanxi.ingest.synth.population import Customers

# Streets near each branch; "{n}" is the house number.
_STREETS = (
    "上海市浦东新区张杨路{n}号|上海市浦东新区世纪大道{n}号|上海市浦东新区东方路{n}弄",
    "上海市静安区愚园路{n}号|上海市静安区江宁路{n}弄|上海市静安区延安中路{n}号",
    "北京市西城区西直门南大街{n}号|北京市西城区阜成门内大街{n}号|北京市西城区月坛北街{n}号",
    "北京市朝阳区朝阳门外大街{n}号|北京市朝阳区望京街{n}号|北京市朝阳区光华路{n}号",
    "深圳市福田区福华路{n}号|深圳市福田区彩田路{n}号|深圳市福田区新洲路{n}号",
    "深圳市南山区南海大道{n}号|深圳市南山区后海大道{n}号|深圳市南山区桃园路{n}号",
    "广州市天河区天河路{n}号|广州市天河区体育西路{n}号|广州市天河区黄埔大道西{n}号",
    "杭州市西湖区教工路{n}号|杭州市西湖区古墩路{n}号|杭州市西湖区天目山路{n}号",
    "成都市锦江区东大街{n}号|成都市锦江区春熙路{n}号|成都市锦江区总府路{n}号",
    "南京市秦淮区太平南路{n}号|南京市秦淮区长乐路{n}号|南京市鼓楼区中山北路{n}号",
    "武汉市江汉区青年路{n}号|武汉市江汉区建设大道{n}号|武汉市江岸区沿江大道{n}号",
    "厦门市思明区中山路{n}号|厦门市思明区湖滨南路{n}号|厦门市思明区厦禾路{n}号",
    "香港中環士丹利街{n}號|香港灣仔軒尼詩道{n}號|香港北角英皇道{n}號",
    "九龍旺角彌敦道{n}號|九龍油麻地上海街{n}號|九龍紅磡蕪湖街{n}號",
    "新界沙田大圍道{n}號|新界馬鞍山西沙路{n}號|新界大埔寶鄉街{n}號",
    "台北市信義區忠孝東路五段{n}號|台北市大安區復興南路一段{n}號|台北市松山區民生東路四段{n}號",
    "台中市西屯區文心路三段{n}號|台中市北屯區崇德路二段{n}號|台中市南屯區公益路二段{n}號",
    "高雄市苓雅區四維三路{n}號|高雄市三民區建國二路{n}號|高雄市左營區博愛二路{n}號",
    "{n} Commercial Road, London E1|{n} Holloway Road, London N7|{n} Kennington Lane, London SE11",
    "{n} Kingsway, Vancouver, BC V5V|{n} Main Street, Vancouver, BC V5T|{n} West 41st Avenue, Vancouver, BC V6M",
)
_STREET_TEXT = pa.array([s for row in _STREETS for s in row.split("|")])
_EMAIL_DOMAINS = (
    "qq.com|163.com|126.com|sina.com|gmail.com",
    "gmail.com|yahoo.com.hk|outlook.com|netvigator.com",
    "gmail.com|yahoo.com.tw|hotmail.com|msa.hinet.net",
    "gmail.com|outlook.com|yahoo.com|icloud.com",
)
_DOMAIN_POOL = pa.array([d for row in _EMAIL_DOMAINS for d in (row + "|gmail.com").split("|")[:5]])
_ALNUM = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)
_COUNTRY = pa.array([b.country for b in BRANCHES])


_LONDON, _VANCOUVER = 18, 19  # branch positions


def _digits(rng: np.random.Generator, n: int, width: int, low: int = 0) -> np.ndarray:
    return (rng.integers(low, 10, (n, width)) + 48).astype(np.uint8)


def _lit(text: str, n: int) -> np.ndarray:
    raw = np.frombuffer(text.encode(), dtype=np.uint8)
    return np.broadcast_to(raw, (n, len(raw)))


def _phones(rng: np.random.Generator, cust: Customers, rows: np.ndarray) -> pa.Array:
    """Mobile numbers in E.164 form, in the format of the customer's branch country."""
    area, branch = cust.area[rows], cust.branch[rows]
    formats = (
        (area == AREA_CN, "+861", 9, b"3456789"),
        (area == AREA_HK, "+852", 7, b"5679"),
        (area == AREA_TW, "+8869", 7, b"0123456789"),
        (branch == _LONDON, "+447", 8, b"0123456789"),
        (branch == _VANCOUVER, "+1604", 6, b"2345679"),
    )
    pieces = []
    for mask, prefix, width, first in formats:
        idx = np.flatnonzero(mask)
        lead = rng.choice(np.frombuffer(first, np.uint8), (len(idx), 1))
        pieces.append(
            (idx, ar.matrix_strings(np.hstack([_lit(prefix, len(idx)), lead, _digits(rng, len(idx), width)])))
        )
    return ar.assemble(len(rows), pieces)


def _emails(rng: np.random.Generator, cust: Customers, rows: np.ndarray, latin: pa.Array, pools: Pools) -> pa.Array:
    """Personal email addresses from the romanised name; many mainland customers use a QQ number."""
    area = cust.area[rows]
    local = pc.replace_substring_regex(pc.utf8_lower(latin.take(pa.array(rows))), r"[^a-z ]", "")
    local = pc.replace_substring(pc.utf8_trim_whitespace(local), " ", ".")
    suffix = pa.array(rng.integers(1, 100, len(rows))).cast(pa.string())
    local = pc.if_else(pa.array(rng.random(len(rows)) < 0.5), ar.join(local, suffix), local)
    domain = _DOMAIN_POOL.take(pa.array(area * 5 + rng.integers(0, 4, len(rows))))
    qq = (area == AREA_CN) & (rng.random(len(rows)) < 0.3)
    numeric = pa.array(rng.integers(10_000_000, 3_000_000_000, len(rows))).cast(pa.string())
    local = pc.if_else(pa.array(qq), numeric, local)
    domain = pc.if_else(pa.array(qq), pa.scalar("qq.com"), domain)
    org = pa.array(cust.is_org[rows])
    org_address = ar.join("finance@", ar.take(pools.org_domain, np.maximum(cust.org_name[rows], 0)), sep="")
    return pc.if_else(org, org_address, ar.join(local, domain, sep="@"))


def _addresses(rng: np.random.Generator, cust: Customers, rows: np.ndarray) -> pa.Array:
    """Street addresses near the customer's branch, with building and flat."""
    branch, area = cust.branch[rows], cust.area[rows]
    n = len(rows)
    street = _STREET_TEXT.take(pa.array(branch * 3 + rng.integers(0, 3, n)))
    parts = pc.split_pattern(street, "{n}")
    before, after = pc.list_element(parts, 0), pc.list_element(parts, 1)
    number = pa.array(rng.integers(1, 1500, n)).cast(pa.string())
    building = pa.array(rng.integers(1, 30, n)).cast(pa.string())
    flat = pa.array(rng.integers(1, 40, n) * 100 + rng.integers(1, 9, n)).cast(pa.string())
    unit = pc.if_else(
        pa.array(area == AREA_CN),
        ar.join(building, "栋", flat, "室", sep=""),
        pc.if_else(pa.array(area == AREA_EN), pa.scalar(""), ar.join(building, "樓", sep="")),
    )
    lead = pc.if_else(pa.array(area == AREA_EN), ar.join("Flat ", flat, ", ", sep=""), pa.scalar(""))
    return ar.join(lead, before, number, after, unit, sep="")


_LABELS = pa.array(["mobile", "home", "personal", "wechat", "work", "office"])
_KINDS = pa.array([k.value for k in ContactKind])


def contact_columns(
    rng: np.random.Generator, hist: History, cust: Customers, latin: pa.Array, pools: Pools
) -> dict[str, pa.Array]:
    """Columns of the contact_points file: phones, emails, addresses and WeChat ids."""
    person = ~cust.is_org
    old = cust.age >= 60
    # kind (ContactKind position), who has one, label for persons, label for organisations, verified share
    kinds = (
        (0, np.ones(cust.n, bool), 0, 4, 0.95),
        (0, person & old & (rng.random(cust.n) < 0.15), 1, 1, 0.9),
        (1, rng.random(cust.n) < np.where(cust.is_org, 0.9, np.where(old, 0.45, 0.85)), 2, 4, 0.7),
        (2, cust.is_org | (rng.random(cust.n) < 0.9), 1, 5, 0.8),
        (3, person & (rng.random(cust.n) < np.array([0.85, 0.4, 0.1, 0.3])[cust.locale]), 3, 3, 0.9),
    )
    rows_l, seq_l, kind_l, label_l, values, verified_l, at_l = [], [], [], [], [], [], []
    for seq, (kind, mask, label, org_label, verified_p) in enumerate(kinds):
        rows = np.flatnonzero(mask)
        if kind == 0:
            values.append(_phones(rng, cust, rows))
        elif kind == 1:
            values.append(_emails(rng, cust, rows, latin, pools))
        elif kind == 2:
            values.append(_addresses(rng, cust, rows))
        else:
            values.append(
                ar.matrix_strings(np.hstack([_lit("wxid_", len(rows)), _ALNUM[rng.integers(0, 36, (len(rows), 14))]]))
            )
        rows_l.append(rows)
        seq_l.append(np.full(len(rows), seq))
        kind_l.append(np.full(len(rows), kind))
        label_l.append(np.where(cust.is_org[rows], org_label, label))
        verified_l.append(rng.random(len(rows)) < np.where(cust.prospect[rows], 0.3, verified_p))
        since = np.where(cust.prospect[rows], hist.end_day - 60, cust.since_day[rows])
        day = (since + rng.integers(0, 60, len(rows))).clip(max=hist.end_day - 1)
        at_l.append(day * DAY + rng.integers(8 * 3600, 20 * 3600, len(rows)))
    rows, seq = np.concatenate(rows_l), np.concatenate(seq_l)
    order = np.lexsort((seq, rows))
    rows, seq = rows[order], seq[order]
    verified = np.concatenate(verified_l)[order]
    branch = cust.branch[rows]
    return {
        "key": ar.keys("CP", cust.number[rows] * 10 + seq, 10),
        "party_key": ar.keys("P", cust.number[rows], 9),
        "kind": ar.take(_KINDS, np.concatenate(kind_l)[order]),
        "value": pa.concat_arrays(values).take(pa.array(order)),
        "label": ar.take(_LABELS, np.concatenate(label_l)[order]),
        "city": ar.take(pa.array([b.city for b in BRANCHES]), branch),
        "region": ar.take(pa.array([b.region for b in BRANCHES]), branch),
        "country": ar.take(_COUNTRY, branch),
        "is_primary": ar.bools(seq != 1),
        "verified": ar.bools(verified),
        "verified_at": ar.timestamps(np.concatenate(at_l)[order], verified),
    }
