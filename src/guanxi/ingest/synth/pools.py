"""Counterparty and description text: merchants, billers, employers, banks, payees.

All of it lives in one Arrow string array so a transaction only carries a pool position; the
text is materialised by one vectorised ``take`` when a part is written.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from guanxi.codes import MERCHANT_CATEGORIES

AREA_CN, AREA_HK, AREA_TW, AREA_EN = 0, 1, 2, 3
MCC = {name: i for i, name in enumerate(MERCHANT_CATEGORIES)}

# Merchants by area (mainland, Hong Kong, Taiwan, English-speaking) and merchant category.
_MERCHANTS: dict[str, tuple[str, str, str, str]] = {
    "groceries": (
        "永辉超市|盒马鲜生|沃尔玛|家乐福|华润万家|物美超市|全家便利店",
        "惠康 Wellcome|百佳 PARKnSHOP|7-Eleven|華潤萬家|一田 YATA",
        "全聯福利中心|家樂福|7-ELEVEN|全家便利商店|美廉社",
        "Tesco|Sainsbury's|Waitrose|T&T Supermarket|Save-On-Foods|Costco",
    ),
    "restaurants": (
        "海底捞|星巴克|麦当劳|肯德基|喜茶|西贝莜面村|瑞幸咖啡",
        "大家樂 Café de Coral|美心 Maxim's|翠華餐廳|星巴克 Starbucks|太興 Tai Hing",
        "鼎泰豐|八方雲集|路易莎咖啡|麥當勞|王品牛排",
        "Pret A Manger|Nando's|Starbucks|Tim Hortons|Din Tai Fung",
    ),
    "transport": (
        "滴滴出行|上海地铁|北京地铁|中国铁路12306|哈啰出行",
        "港鐵 MTR|九巴 KMB|八達通 Octopus|Uber",
        "台北捷運|台灣高鐵|台灣大車隊|Uber",
        "Transport for London|TransLink|Uber|Trainline",
    ),
    "fuel": (
        "中国石化|中国石油|壳牌加油站",
        "Shell|Esso|Caltex|中國石化 Sinopec",
        "台灣中油|台塑石油",
        "Shell|BP|Esso|Petro-Canada",
    ),
    "utilities": (
        "国家电网|南方电网|自来水公司|燃气公司",
        "中華電力 CLP|港燈 HK Electric|煤氣公司 Towngas|水務署 WSD",
        "台灣電力公司|台北自來水事業處|欣欣天然氣",
        "British Gas|Thames Water|BC Hydro|FortisBC|Octopus Energy",
    ),
    "telecom": (
        "中国移动|中国联通|中国电信",
        "香港寬頻 HKBN|電訊盈科 PCCW|數碼通 SmarTone",
        "中華電信|台灣大哥大|遠傳電信",
        "Vodafone|EE|Rogers|Telus",
    ),
    "retail": (
        "淘宝|天猫|京东|拼多多|优衣库|万达广场|屈臣氏",
        "莎莎 Sasa|屈臣氏 Watsons|崇光 SOGO|萬寧 Mannings|HKTVmall|周大福",
        "momo購物網|蝦皮購物|新光三越|誠品生活|康是美",
        "Amazon|Marks & Spencer|John Lewis|IKEA|Boots|Hudson's Bay",
    ),
    "electronics": (
        "苏宁易购|国美电器|Apple Store|华为商城|小米之家",
        "豐澤 Fortress|百老匯 Broadway|Apple Store",
        "燦坤3C|全國電子|Apple Store",
        "Currys|Best Buy|Apple Store",
    ),
    "travel": (
        "携程旅行|中国东方航空|中国南方航空|中国国际航空|飞猪旅行|华住酒店",
        "國泰航空 Cathay Pacific|香港快運 HK Express|Trip.com|Klook",
        "中華航空|長榮航空|易遊網|雄獅旅遊",
        "British Airways|Air Canada|Booking.com|Expedia",
    ),
    "health": (
        "大参林药房|老百姓大药房|和睦家医院|爱尔眼科|美年大健康",
        "卓健醫療|養和醫院|萬寧藥房",
        "大樹藥局|長庚醫院|杏一醫療用品",
        "Boots Pharmacy|Shoppers Drug Mart|Bupa",
    ),
    "education": (
        "新东方|学而思|中公教育|得到App",
        "英皇教育|遵理學校|HKU SPACE",
        "巨匠電腦|地球村美日語",
        "Coursera|UBC Continuing Studies",
    ),
    "entertainment": (
        "万达影城|腾讯视频|爱奇艺|网易云音乐|猫眼电影|大麦网",
        "UA Cinemas|香港迪士尼樂園|海洋公園|Netflix",
        "威秀影城|國賓影城|KKBOX|Netflix",
        "Odeon Cinemas|Cineplex|Spotify|Netflix",
    ),
    "insurance": (
        "中国平安|中国人寿|太平洋保险",
        "友邦 AIA|保誠 Prudential|宏利 Manulife",
        "國泰人壽|富邦人壽|南山人壽",
        "Aviva|Manulife|Legal & General",
    ),
    "cash": ("关系银行 ATM|银联 ATM", "關係銀行 ATM|銀通 JETCO", "關係銀行 ATM|財金 ATM", "Guanxi Bank ATM|LINK ATM"),
    "other": (
        "美团|饿了么|顺丰速运|闲鱼|58同城",
        "Foodpanda|Deliveroo|順豐速運 SF Express",
        "foodpanda|Uber Eats|蝦皮店到店",
        "Deliveroo|Just Eat|Royal Mail|Canada Post",
    ),
}

_LISTS: dict[str, tuple[str, str, str, str]] = {
    "bank": (
        "中国工商银行|中国建设银行|中国农业银行|中国银行|招商银行|交通银行",
        "滙豐銀行 HSBC|中銀香港 BOCHK|恒生銀行|渣打銀行",
        "國泰世華銀行|臺灣銀行|中國信託|玉山銀行",
        "Barclays|HSBC UK|Lloyds Bank|RBC Royal Bank|TD Canada Trust",
    ),
    "pension": ("社会保险基金 养老金", "強積金 MPF", "勞工保險局 勞工退休金", "State Pension"),
    "landlord": (
        "链家 房屋租赁|自如 租房|我爱我家",
        "中原地產|美聯物業|利嘉閣地產",
        "信義房屋|永慶房屋|住商不動產",
        "Foxtons Lettings|Rennie Rentals|Knight Frank",
    ),
    "tax": ("国家税务总局", "稅務局 Inland Revenue", "財政部 國稅局", "HMRC"),
}

OFFSHORE = (
    "Golden Harbour Trading Ltd (BVI)|Pacific Rim Holdings Ltd (Seychelles)|Everbright Consulting Ltd (Samoa)|"
    "Silver Lotus Investment Ltd (Marshall Islands)|Jade Bridge International Ltd (Anguilla)"
)

DESCRIPTIONS = (
    "Salary",
    "Year-end bonus",
    "Pension",
    "Allowance from family",
    "Business income",
    "POS purchase",
    "Online purchase",
    "Mobile payment",
    "WeChat Pay",
    "Utility bill",
    "Mobile phone bill",
    "ATM cash withdrawal",
    "Branch cash withdrawal",
    "Cash deposit",
    "Transfer to",
    "Transfer from",
    "Red packet 红包",
    "Rent",
    "Savings transfer",
    "Insurance premium",
    "Loan repayment",
    "Loan interest",
    "Late payment fee",
    "Card repayment",
    "Card interest",
    "Annual card fee",
    "Deposit interest",
    "Account maintenance fee",
    "Fund subscription",
    "Fund redemption",
    "Time deposit placement",
    "Loan drawdown",
    "Loan disbursement",
    "Opening deposit",
    "Account closure",
    "Final settlement",
    "Transfer to other bank",
    "Customer receipt",
    "Supplier payment",
    "Payroll",
    "Tax payment",
    "Lease payment",
    "Family support",
    "Inward remittance",
    "Outward remittance",
)
DESC = {text: i for i, text in enumerate(DESCRIPTIONS)}

_ORG_PREFIX = (
    "鑫达 鑫達 Xinda|华盛 華盛 Huasheng|恒通 恆通 Hengtong|瑞丰 瑞豐 Ruifeng|宏远 宏遠 Hongyuan|金桥 金橋 Jinqiao|"
    "新创 新創 Xinchuang|嘉禾 嘉禾 Jiahe|联泰 聯泰 Liantai|永信 永信 Yongxin|天成 天成 Tiancheng|博远 博遠 Boyuan|"
    "安达 安達 Anda|晨光 晨光 Chenguang|中孚 中孚 Zhongfu|德润 德潤 Derun|广源 廣源 Guangyuan|锦程 錦程 Jincheng|"
    "智诚 智誠 Zhicheng|汇通 匯通 Huitong|鼎盛 鼎盛 Dingsheng|佳美 佳美 Jiamei|顺和 順和 Shunhe|万象 萬象 Wanxiang|"
    "蓝海 藍海 Lanhai|海悦 海悅 Haiyue|同创 同創 Tongchuang|星辰 星辰 Xingchen|润泽 潤澤 Runze|东升 東昇 Dongsheng"
)
_ORG_INDUSTRY = (
    "科技 科技 Technology|贸易 貿易 Trading|餐饮管理 餐飲管理 Catering|物流 物流 Logistics|"
    "建筑工程 建築工程 Construction|服装 服裝 Apparel|电子 電子 Electronics|文化传媒 文化傳媒 Media|"
    "医疗器械 醫療器械 Medical Devices|食品 食品 Foods|咨询 顧問 Consulting|教育科技 教育科技 EdTech|"
    "环保 環保 Environmental|家居 家居 Home Furnishings|汽车服务 汽車服務 Auto Services"
)


def _split(text: str) -> list[str]:
    return text.split("|")


class Pools:
    """Every counterparty and description string, with position ranges per area and kind."""

    def __init__(self, branch_city_zh: list[str], branch_city_en: list[str], branch_area: list[int]) -> None:
        text: list[str] = []
        self.merchant_start = np.zeros((4, len(MCC)), dtype=np.int64)
        self.merchant_count = np.zeros((4, len(MCC)), dtype=np.int64)
        for name, per_area in _MERCHANTS.items():
            for area, joined in enumerate(per_area):
                items = _split(joined)
                self.merchant_start[area, MCC[name]] = len(text)
                self.merchant_count[area, MCC[name]] = len(items)
                text.extend(items)
        self.list_start: dict[str, np.ndarray] = {}
        self.list_count: dict[str, np.ndarray] = {}
        for name, per_area in _LISTS.items():
            starts, counts = [], []
            for joined in per_area:
                items = _split(joined)
                starts.append(len(text))
                counts.append(len(items))
                text.extend(items)
            self.list_start[name], self.list_count[name] = np.array(starts), np.array(counts)
        offshore = _split(OFFSHORE)
        self.offshore = (len(text), len(offshore))
        text.extend(offshore)
        org_zh, org_latin, org_domain = _org_names(branch_city_zh, branch_city_en, branch_area)
        self.org_per_branch = len(org_zh) // len(branch_area)
        self.org_start = len(text)  # organisation names double as employers, clients and suppliers
        text.extend(org_zh)
        self.org_latin = pa.array(org_latin)
        self.org_native = pa.array(org_zh)
        self.org_domain = pa.array(org_domain)
        self.text = pa.array(text)
        self.descriptions = pa.array(DESCRIPTIONS)

    def add_people(self, per_area: list[list[str]]) -> None:
        """Add names of private persons (payees and payers of transfers), one list per area."""
        flat = [name for names in per_area for name in names]
        self.people_count = np.array([len(names) for names in per_area])
        self.people_start = len(self.text) + np.concatenate([[0], np.cumsum(self.people_count)[:-1]])
        self.text = pa.concat_arrays([self.text, pa.array(flat, type=pa.string())])

    def people(self, rng: np.random.Generator, area: np.ndarray) -> np.ndarray:
        """A private person in the given area, per row."""
        return self.people_start[area] + (rng.random(len(area)) * self.people_count[area]).astype(np.int64)

    def merchant(self, rng: np.random.Generator, area: np.ndarray, mcc: np.ndarray) -> np.ndarray:
        """A merchant of the given category in the customer's area, per row."""
        start = self.merchant_start[area, mcc]
        return start + (rng.random(len(area)) * self.merchant_count[area, mcc]).astype(np.int64)

    def pick(self, rng: np.random.Generator, kind: str, area: np.ndarray) -> np.ndarray:
        """A counterparty from one of the area lists (bank, pension, landlord, tax), per row."""
        start, count = self.list_start[kind][area], self.list_count[kind][area]
        return start + (rng.random(len(area)) * count).astype(np.int64)

    def organisation(self, rng: np.random.Generator, branch: np.ndarray) -> np.ndarray:
        """A company near the given branch (employer, client, supplier), per row."""
        local = (rng.random(len(branch)) * self.org_per_branch).astype(np.int64)
        return self.org_start + branch.astype(np.int64) * self.org_per_branch + local

    def offshore_company(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """A shell company in an offshore centre, per row."""
        return self.offshore[0] + rng.integers(0, self.offshore[1], n)


def _org_names(city_zh: list[str], city_en: list[str], area: list[int]) -> tuple[list[str], list[str], list[str]]:
    prefixes = [p.split(" ") for p in _split(_ORG_PREFIX)]
    industries = [p.split(" ", 2) for p in _split(_ORG_INDUSTRY)]
    zh: list[str] = []
    latin: list[str] = []
    domain: list[str] = []
    for czh, cen, a in zip(city_zh, city_en, area, strict=True):
        for simp, trad, lat in prefixes:
            for isimp, itrad, ilat in industries:
                tld = ("com.cn", "com.hk", "com.tw", "com")[a]
                domain.append(f"{lat.lower()}{ilat.split(' ')[0].lower()}.{tld}")
                if a == AREA_CN:
                    zh.append(f"{czh}{simp}{isimp}有限公司")
                    latin.append(f"{cen} {lat} {ilat} Co., Ltd.")
                elif a == AREA_HK:
                    zh.append(f"{trad}{itrad}有限公司")
                    latin.append(f"{lat} {ilat} Limited")
                elif a == AREA_TW:
                    zh.append(f"{trad}{itrad}股份有限公司")
                    latin.append(f"{lat} {ilat} Co., Ltd.")
                else:
                    zh.append(f"{lat} {ilat} Ltd")
                    latin.append(f"{lat} {ilat} Ltd")
    return zh, latin, domain
