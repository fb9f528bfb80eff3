"""The bank itself: branches, staff and the product catalogue."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from guanxi.codes import ProductFamily, StaffRole
from guanxi.ingest.synth import arrays as ar
from guanxi.ingest.synth.history import History, epoch_day
from guanxi.ingest.synth.names import LOCALE_CN, LOCALE_EN, LOCALE_HK, LOCALE_TW, NamePools
from guanxi.ingest.synth.pools import AREA_CN, AREA_EN, AREA_HK, AREA_TW

CURRENCIES = ("CNY", "HKD", "USD")
CNY, HKD, USD = 0, 1, 2
# Units of each currency per CNY: amounts are drawn in CNY and converted to the account's currency.
FX = np.array([1.0, 1.08, 0.14])
AREA_CURRENCY = np.array([CNY, HKD, CNY, USD])
# Prices and pay are higher outside the mainland (in CNY terms).
AREA_INCOME = np.array([1.0, 1.6, 1.1, 2.8])
FAMILIES = tuple(ProductFamily)
FAMILY = {f.value: i for i, f in enumerate(FAMILIES)}
LIABILITY = np.array([f.value in ("credit_card", "mortgage", "personal_loan") for f in FAMILIES])
BANK_NAME = "GUANXI BANK 关系银行"


@dataclass(frozen=True)
class Branch:
    """A branch and where it is."""

    code: str
    name: str
    name_zh: str
    region: str
    city: str
    city_zh: str
    country: str
    area: int
    address: str
    opened: dt.date
    weight: float
    tier: str
    population_k: int
    median_income: int


# code|name|name_zh|region|city|city_zh|country|opened|weight|tier|catchment (thousands)|median income|address
_BRANCH_ROWS = (
    "BR01|Shanghai Lujiazui Branch|上海陆家嘴支行|Shanghai|Shanghai|上海|CN|1995-06-18|1.6|flagship|5700|96000|"
    "上海市浦东新区陆家嘴环路1000号",
    "BR02|Shanghai Jing'an Branch|上海静安支行|Shanghai|Shanghai|上海|CN|1998-03-02|1.2|urban|980|92000|"
    "上海市静安区南京西路1266号",
    "BR03|Beijing Financial Street Branch|北京金融街支行|Beijing|Beijing|北京|CN|1996-09-09|1.5|flagship|1100|98000|"
    "北京市西城区金融大街35号",
    "BR04|Beijing Chaoyang Branch|北京朝阳支行|Beijing|Beijing|北京|CN|2003-05-12|1.2|urban|3400|85000|"
    "北京市朝阳区建国路88号",
    "BR05|Shenzhen Futian Branch|深圳福田支行|Guangdong|Shenzhen|深圳|CN|1999-11-01|1.3|flagship|1550|88000|"
    "深圳市福田区深南大道6008号",
    "BR06|Shenzhen Nanshan Branch|深圳南山支行|Guangdong|Shenzhen|深圳|CN|2008-04-21|1.0|urban|1800|90000|"
    "深圳市南山区科苑路15号",
    "BR07|Guangzhou Tianhe Branch|广州天河支行|Guangdong|Guangzhou|广州|CN|2001-07-16|1.1|urban|2240|76000|"
    "广州市天河区花城大道85号",
    "BR08|Hangzhou West Lake Branch|杭州西湖支行|Zhejiang|Hangzhou|杭州|CN|2004-10-08|1.0|urban|1140|74000|"
    "杭州市西湖区文三路259号",
    "BR09|Chengdu Jinjiang Branch|成都锦江支行|Sichuan|Chengdu|成都|CN|2006-06-06|1.0|urban|900|56000|"
    "成都市锦江区红星路三段1号",
    "BR10|Nanjing Xinjiekou Branch|南京新街口支行|Jiangsu|Nanjing|南京|CN|2005-03-28|0.9|urban|740|70000|"
    "南京市秦淮区中山南路1号",
    "BR11|Wuhan Jianghan Branch|武汉江汉支行|Hubei|Wuhan|武汉|CN|2007-08-18|0.9|urban|650|55000|"
    "武汉市江汉区解放大道688号",
    "BR12|Xiamen Siming Branch|厦门思明支行|Fujian|Xiamen|厦门|CN|2010-01-11|0.7|community|1070|62000|"
    "厦门市思明区鹭江道8号",
    "BR13|Hong Kong Central Branch|香港中環分行|Hong Kong|Hong Kong|香港|HK|2000-02-14|1.2|flagship|250|180000|"
    "香港中環德輔道中68號",
    "BR14|Tsim Sha Tsui Branch|尖沙咀分行|Hong Kong|Kowloon|九龍|HK|2009-09-01|0.9|urban|320|150000|"
    "九龍尖沙咀彌敦道132號",
    "BR15|Sha Tin Branch|沙田分行|Hong Kong|Sha Tin|沙田|HK|2012-05-02|0.7|community|690|140000|新界沙田正街18號",
    "BR16|Taipei Xinyi Branch|台北信義分行|Taiwan|Taipei|台北|TW|2013-07-01|0.9|urban|220|110000|"
    "台北市信義區松仁路100號",
    "BR17|Taichung Branch|台中分行|Taiwan|Taichung|台中|TW|2015-04-20|0.6|community|2800|90000|"
    "台中市西屯區台灣大道三段99號",
    "BR18|Kaohsiung Branch|高雄分行|Taiwan|Kaohsiung|高雄|TW|2016-10-03|0.5|community|2700|85000|"
    "高雄市前鎮區成功二路11號",
    "BR19|London Branch|伦敦分行|England|London|伦敦|GB|2011-11-07|0.6|international|8900|290000|"
    "1 Cornhill, London EC3V 3ND",
    "BR20|Vancouver Branch|温哥华分行|British Columbia|Vancouver|温哥华|CA|2014-06-16|0.5|international|680|260000|"
    "1055 West Georgia Street, Vancouver, BC V6E 3P3",
)
_COUNTRY_AREA = {"CN": AREA_CN, "HK": AREA_HK, "TW": AREA_TW, "GB": AREA_EN, "CA": AREA_EN}


def _branch(row: str) -> Branch:
    code, name, zh, region, city, city_zh, country, opened, weight, tier, pop, income, address = row.split("|")
    return Branch(code, name, zh, region, city, city_zh, country, _COUNTRY_AREA[country], address,
                  dt.date.fromisoformat(opened), float(weight), tier, int(pop), int(income))  # fmt: skip


BRANCHES = tuple(_branch(row) for row in _BRANCH_ROWS)

# Which naming culture a branch's customers come from: mainland, Hong Kong, Taiwan, English.
LOCALE_MIX = np.array(
    [
        [0.98, 0.0, 0.0, 0.02],  # mainland branches serve a few expatriates
        [0.07, 0.88, 0.0, 0.05],
        [0.0, 0.0, 0.97, 0.03],
        [0.35, 0.20, 0.0, 0.45],  # overseas branches serve the Chinese diaspora and locals
    ]
)
AREA_NAME_LOCALE = (LOCALE_CN, LOCALE_HK, LOCALE_TW, LOCALE_EN)


@dataclass(frozen=True)
class Product:
    """One catalogue entry, plus the role it plays when holdings are drawn."""

    key: str
    name: str
    name_zh: str
    family: str
    currency: str
    role: str
    rate: float | None
    margin: float
    launched: dt.date
    risk: int | None = None
    min_age: int | None = 18


def _product(row: str) -> Product:
    key, name, zh, family, currency, role, rate, margin, year, risk, min_age = row.split("|")
    return Product(
        key, name, zh, family, currency, role, float(rate) if rate else None, float(margin),
        dt.date(int(year), 1, 1), int(risk) if risk else None, None if min_age == "-" else int(min_age),
    )  # fmt: skip


# key|name|name_zh|family|currency|role (in drawing holdings)|interest rate|margin|launched|risk class|min age
_PRODUCT_ROWS = (
    "CUR-CNY|Everyday Current Account|活期储蓄账户|current|CNY|current|0.0020|0.0150|1995||16",
    "CUR-HKD|HKD Integrated Account|港元綜合賬戶|current|HKD|current|0.0001|0.0150|2000||16",
    "CUR-USD|USD Current Account|美元活期账户|current|USD|current|0.0005|0.0140|2011||16",
    "CUR-STU|Campus Account|校园卡账户|current|CNY|student|0.0020|0.0100|2008||16",
    "CUR-BIZ|Business Current Account|对公结算账户|current|CNY|business|0.0020|0.0120|1995||-",
    "CUR-BIZ-HKD|HKD Business Account|港元商業賬戶|current|HKD|business|0.0001|0.0120|2000||-",
    "CUR-BIZ-USD|USD Business Account|美元对公账户|current|USD|business|0.0005|0.0120|2011||-",
    "SAV-CNY|Smart Saver|智能存款|savings|CNY|savings|0.0120|0.0110|2002||18",
    "SAV-HKD|HKD Savings Account|港元儲蓄賬戶|savings|HKD|savings|0.0080|0.0100|2000||18",
    "SAV-USD|USD Savings Account|美元储蓄账户|savings|USD|savings|0.0250|0.0080|2005||18",
    "TD-CNY-3M|3-Month Time Deposit|三个月定期存款|time_deposit|CNY|td|0.0125|0.0090|1995||18",
    "TD-CNY-1Y|1-Year Time Deposit|一年期定期存款|time_deposit|CNY|td|0.0155|0.0080|1995||18",
    "TD-CNY-3Y|3-Year Time Deposit|三年期定期存款|time_deposit|CNY|td|0.0195|0.0070|1995||18",
    "TD-HKD-1Y|HKD 1-Year Time Deposit|港元一年定期存款|time_deposit|HKD|td|0.0300|0.0060|2000||18",
    "TD-USD-1Y|USD 1-Year Time Deposit|美元一年期定期存款|time_deposit|USD|td|0.0400|0.0050|2005||18",
    "CC-CLASSIC|Guanxi Classic Credit Card|关系标准信用卡|credit_card|CNY|cc|0.1825|0.0600|2004||18",
    "CC-GOLD|Guanxi Gold Credit Card|关系金卡|credit_card|CNY|cc|0.1825|0.0650|2004||18",
    "CC-PLAT|Guanxi Platinum Credit Card|关系白金卡|credit_card|CNY|cc|0.1650|0.0700|2009||18",
    "CC-AIR|Sky Miles Co-branded Card|东航联名信用卡|credit_card|CNY|cc|0.1825|0.0550|2012||18",
    "CC-SHOP|JD Co-branded Card|京东联名信用卡|credit_card|CNY|cc|0.1825|0.0550|2017||18",
    "CC-HKD|Guanxi HKD Credit Card|關係港元信用卡|credit_card|HKD|cc|0.3200|0.0650|2005||18",
    "CC-USD|Guanxi World Card|关系环球信用卡|credit_card|USD|cc|0.2200|0.0600|2012||18",
    "MTG-CNY|Home Mortgage|个人住房贷款|mortgage|CNY|mortgage|0.0385|0.0110|1998||18",
    "MTG-HKD|HKD Home Mortgage|港元住宅按揭|mortgage|HKD|mortgage|0.0350|0.0100|2000||18",
    "MTG-USD|USD Home Mortgage|美元住房贷款|mortgage|USD|mortgage|0.0550|0.0100|2012||18",
    "PL-CNY|Personal Instalment Loan|个人消费贷款|personal_loan|CNY|pl|0.0690|0.0300|2006||18",
    "PL-CAR|Car Loan|汽车贷款|personal_loan|CNY|car|0.0450|0.0200|2006||18",
    "PL-HKD|HKD Personal Loan|港元私人貸款|personal_loan|HKD|pl|0.0750|0.0300|2003||18",
    "PL-USD|USD Personal Loan|美元个人贷款|personal_loan|USD|pl|0.0850|0.0300|2012||18",
    "PL-SME|SME Working Capital Loan|小微企业经营贷|personal_loan|CNY|sme|0.0520|0.0250|2010||-",
    "WF-MMF|Guanxi Money Market Fund|关系货币市场基金|wealth_fund|CNY|fund||0.0030|2013|1|18",
    "WF-BOND|Guanxi Stable Bond Fund|关系稳健债券基金|wealth_fund|CNY|fund||0.0060|2010|2|18",
    "WF-USDB|Global USD Bond Fund|环球美元债券基金|wealth_fund|USD|fund||0.0070|2012|2|18",
    "WF-BAL|Balanced Growth Fund|平衡成长混合基金|wealth_fund|CNY|fund||0.0120|2011|3|18",
    "WF-EQ|Greater China Equity Fund|大中华股票基金|wealth_fund|CNY|fund||0.0150|2009|4|18",
    "WF-HSI|Hang Seng Index Tracker Fund|恒生指數基金|wealth_fund|HKD|fund||0.0050|2008|4|18",
    "WF-TECH|Technology Innovation Fund|科技创新股票基金|wealth_fund|CNY|fund||0.0180|2019|5|18",
    "INS-TERM|Term Life Protection|定期寿险|insurance|CNY|ins||0.0400|2007||18",
    "INS-CI|Critical Illness Cover|重大疾病保险|insurance|CNY|ins||0.0500|2007||18",
    "INS-EDU|Education Savings Plan|子女教育金保险|insurance|CNY|ins||0.0350|2010||18",
    "INS-ANN|Retirement Annuity|养老年金保险|insurance|CNY|ins||0.0300|2012||40",
)
PRODUCTS = tuple(_product(row) for row in _PRODUCT_ROWS)
PRODUCT = {p.key: i for i, p in enumerate(PRODUCTS)}


class Catalogue:
    """Branches, staff and products as arrays the population and holdings draw from."""

    def __init__(self, rng: np.random.Generator, hist: History, names: NamePools) -> None:
        self.branches = BRANCHES
        self.branch_area = np.array([b.area for b in BRANCHES])
        self.branch_weight = np.array([b.weight for b in BRANCHES]) / sum(b.weight for b in BRANCHES)
        self.branch_open_day = np.array([epoch_day(b.opened) for b in BRANCHES])
        self.products = PRODUCTS
        self.product_family = np.array([FAMILY[p.family] for p in PRODUCTS])
        self.product_currency = np.array([CURRENCIES.index(p.currency) for p in PRODUCTS])
        self.product_launch_day = np.array([epoch_day(p.launched) for p in PRODUCTS])
        self.product_rate = np.array([p.rate or 0.0 for p in PRODUCTS])
        self.product_risk = np.array([p.risk or 0 for p in PRODUCTS])
        self._staff(rng, hist, names)

    def _staff(self, rng: np.random.Generator, hist: History, names: NamePools) -> None:
        roles: list[str] = []
        branch: list[int] = []
        for i, b in enumerate(BRANCHES):
            crew = [StaffRole.BRANCH_MANAGER, StaffRole.RELATIONSHIP_MANAGER, StaffRole.RELATIONSHIP_MANAGER]
            crew += [StaffRole.RELATIONSHIP_MANAGER] if b.weight >= 1.2 else []
            crew += [StaffRole.SERVICE_AGENT, StaffRole.TELLER] if b.weight >= 0.9 else [StaffRole.TELLER]
            roles += [r.value for r in crew]
            branch += [i] * len(crew)
        # Head office: the contact centre, analytics and compliance have no branch.
        for role in (StaffRole.SERVICE_AGENT,) * 3 + (StaffRole.ANALYST,) * 2 + (StaffRole.COMPLIANCE_OFFICER,) * 2:
            roles.append(role.value)
            branch.append(-1)
        n = len(roles)
        br = np.array(branch)
        area = np.where(br >= 0, self.branch_area[br.clip(0)], AREA_CN)
        locale = np.array(AREA_NAME_LOCALE)[area]
        female = rng.random(n) < 0.55
        surname = names.surnames(rng, locale)
        given, latin_given = names.given(rng, locale, female)
        full, _, _, latin = names.render(locale, surname, given, latin_given)
        opened = np.where(br >= 0, self.branch_open_day[br.clip(0)], epoch_day(dt.date(1995, 1, 1)))
        hired = opened + (rng.random(n) * (hist.end_day - 60 - opened)).astype(np.int64)
        active = rng.random(n) > 0.06
        active[np.array(roles) == StaffRole.RELATIONSHIP_MANAGER.value] = True
        seen: dict[str, int] = {}
        emails = []
        for name in latin.to_pylist():
            local = ".".join(reversed(name.lower().replace("-", "").split(" ")))
            seen[local] = seen.get(local, 0) + 1
            emails.append(f"{local}{'' if seen[local] == 1 else seen[local]}@guanxibank.example")
        self.staff_roles = np.array(roles)
        self.staff_branch = br
        self.staff_columns = {
            "key": ar.keys("ST", np.arange(1, n + 1), 4),
            "full_name": full,
            "role": pa.array(roles),
            "branch_key": ar.take(pa.array([b.code for b in BRANCHES]), br),
            "email": pa.array(emails),
            "hired_on": ar.dates(hired),
            "active": ar.bools(active),
        }
        # Customers are assigned to their home branch's relationship managers.
        rm = self.staff_roles == StaffRole.RELATIONSHIP_MANAGER.value
        self.rm_index = [np.flatnonzero(rm & (br == i)) for i in range(len(BRANCHES))]

    def branch_columns(self) -> dict[str, pa.Array]:
        """Columns of the branches file."""
        attrs = [
            json.dumps(
                {
                    "name_zh": b.name_zh,
                    "country": b.country,
                    "tier": b.tier,
                    "catchment_population_k": b.population_k,
                    "median_household_income_cny": b.median_income,
                    "opening_hours": "09:00-17:00",
                },
                ensure_ascii=False,
                sort_keys=True,
            )
            for b in BRANCHES
        ]
        return {
            "key": pa.array([b.code for b in BRANCHES]),
            "name": pa.array([b.name for b in BRANCHES]),
            "region": pa.array([b.region for b in BRANCHES]),
            "city": pa.array([b.city for b in BRANCHES]),
            "address": pa.array([b.address for b in BRANCHES]),
            "opened_on": pa.array([b.opened for b in BRANCHES], type=pa.date32()),
            "attributes": pa.array(attrs),
        }

    def product_columns(self) -> dict[str, pa.Array]:
        """Columns of the products file."""
        rate = np.array([round((p.rate or 0) * 1e6) for p in PRODUCTS])
        return {
            "key": pa.array([p.key for p in PRODUCTS]),
            "name": pa.array([p.name for p in PRODUCTS]),
            "name_zh": pa.array([p.name_zh for p in PRODUCTS]),
            "family": pa.array([p.family for p in PRODUCTS]),
            "currency": pa.array([p.currency for p in PRODUCTS]),
            "risk_class": pa.array([p.risk for p in PRODUCTS], type=pa.int64()),
            "interest_rate": ar.decimal6(rate, np.array([p.rate is not None for p in PRODUCTS])),
            "min_age": pa.array([p.min_age for p in PRODUCTS], type=pa.int64()),
            "margin_rate": ar.decimal6(np.array([round(p.margin * 1e6) for p in PRODUCTS])),
            "launched_on": pa.array([p.launched for p in PRODUCTS], type=pa.date32()),
            "active": pa.array([True] * len(PRODUCTS)),
        }

    def product_of(self, rng: np.random.Generator, role: str, currency: np.ndarray) -> np.ndarray:
        """A product of the given role in each row's currency (falling back to CNY)."""
        out = np.full(len(currency), -1, dtype=np.int64)
        for cur in range(len(CURRENCIES)):
            rows = np.flatnonzero(currency == cur)
            options = [i for i, p in enumerate(PRODUCTS) if p.role == role and p.currency == CURRENCIES[cur]]
            if not options:
                options = [i for i, p in enumerate(PRODUCTS) if p.role == role and p.currency == "CNY"]
            out[rows] = np.array(options)[rng.integers(0, len(options), len(rows))]
        return out
