"""Person names for four naming cultures, drawn with NumPy from pools built once from Faker.

Faker is never called per row: its locale providers' name lists (with their frequency weights)
become pools, and each customer gets pool positions. Romanised names are built from the
characters: Hanyu Pinyin for mainland names, Wade-Giles (as on Taiwanese passports) for Taiwan,
Cantonese surnames with an English given name for Hong Kong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from faker.providers.person.en_US import Provider as EnProvider
from faker.providers.person.zh_CN import Provider as CnProvider
from faker.providers.person.zh_TW import Provider as TwProvider

from guanxi.ingest.synth.arrays import join, take

LOCALE_CN, LOCALE_HK, LOCALE_TW, LOCALE_EN = 0, 1, 2, 3
LOCALES = ("cn", "hk", "tw", "en")


def _table(characters: str, syllables: str) -> dict[str, str]:
    """Map each character to its romanised syllable (the two lists run in step)."""
    return dict(zip(characters, syllables.split(), strict=True))


def _weighted(rows: str) -> list[tuple[str, str, float]]:
    """Parse "陳 Chan 8|李 Lee 5|…" into (native, romanised, weight) triples."""
    return [(n, r, float(w)) for n, r, w in (item.split() for item in rows.split("|"))]


_PINYIN_GIVEN = _table(
    "东丹丽云亮伟佳俊倩健兰兵军冬凤凯刚利勇华博国坤娜娟婷宁宇小岩峰帅帆平建强彬志想慧成敏文斌旭明春晨晶杨杰林"
    "柳桂梅楠欢欣波洁洋浩海涛淑燕玉玲珍琳琴瑜瑞璐畅磊秀红艳芝花芳英荣莉莹萍超辉金鑫阳雪雷霞静颖飞香鹏龙",
    "dong dan li yun liang wei jia jun qian jian lan bing jun dong feng kai gang li yong hua bo guo kun na "
    "juan ting ning yu xiao yan feng shuai fan ping jian qiang bin zhi xiang hui cheng min wen bin xu ming "
    "chun chen jing yang jie lin liu gui mei nan huan xin bo jie yang hao hai tao shu yan yu ling zhen lin "
    "qin yu rui lu chang lei xiu hong yan zhi hua fang ying rong li ying ping chao hui jin xin yang xue lei "
    "xia jing ying fei xiang peng long",
)

_PINYIN_SURNAME = _table(
    "王李张刘陈杨黄吴赵周徐孙马朱胡林郭何高罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚卢傅"
    "钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严赖覃洪武莫孔汤向常温康施"
    "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕",
    "wang li zhang liu chen yang huang wu zhao zhou xu sun ma zhu hu lin guo he gao luo zheng liang xie "
    "song tang xu deng feng han cao zeng peng xiao cai pan tian dong yuan yu yu ye jiang du su wei cheng "
    "lyu ding shen ren yao lu fu zhong jiang cui tan liao fan wang lu jin shi dai jia wei xia qiu fang hou "
    "zou xiong meng qin bai jiang yan xue yin duan lei li shi long tao he gu mao hao gong shao wan qian yan "
    "lai qin hong wu mo kong tang xiang chang wen kang shi wen niu fan ge xing an qi yi qiao wu pang yan "
    "ni zhuang nie zhang lu yue zhai yin zhan shen ou geng guan lan jiao yu zuo liu gan zhu bao ning "
    "shang fu shu ruan ke ji mei tong ling bi",
)

# Taiwanese passport Wade-Giles for the characters in Faker's zh_TW given names.
_WADE_GILES = _table(
    "世中仁佑佩佳俊信偉傑冠凱勝博卿君品哲嘉國妍妤威娟娥婉婷子宇安宏宗宜宥家宸寶庭廷建強彤彥彬德心志忠思怡恩惠慧憲成"
    "承政敏文昌明春晴月枝柏梅榮欣欽正武永涵淑玉玥玲珊珍珠琴瑋男發睿碧碩祥禹秀秋穎章筑素維美義羽翔翰聰興良芬芯芳芸"
    "苡英華菲萍萱蓁蓉蓮蘭詠詩語誠諺豪貞財賢軒輝辰進遠郁金鈺銘雄雅雨雪雯雲霏霖霞靜香鳳鴻麗龍",
    "shih chung jen yu pei chia chun hsin wei chieh kuan kai sheng po ching chun pin che chia kuo yen yu "
    "wei chuan o wan ting tzu yu an hung tsung i yu chia chen pao ting ting chien chiang tung yen pin te "
    "hsin chih chung ssu i en hui hui hsien cheng cheng cheng min wen chang ming chun ching yueh chih po "
    "mei jung hsin chin cheng wu yung han shu yu yueh ling shan chen chu chin wei nan fa jui pi shuo "
    "hsiang yu hsiu chiu ying chang chu su wei mei i yu hsiang han tsung hsing liang fen hsin fang yun i "
    "ying hua fei ping hsuan chen jung lien lan yung shih yu cheng yen hao chen tsai hsien hsuan hui chen "
    "chin yuan yu chin yu ming hsiung ya yu hsueh wen yun fei lin hsia ching hsiang feng hung li lung",
)

_TW_SURNAME = _table(
    "陳林黃張李王吳劉蔡楊許鄭謝洪郭邱曾廖賴徐周葉蘇莊江呂何蕭羅高潘簡朱鍾游彭詹施胡沈余盧梁趙顏柯翁魏孫戴范方宋鄧杜"
    "侯傅曹薛阮丁卓馬温董藍古石紀唐蔣姚連歐馮程湯田康黄",
    "chen lin huang chang li wang wu liu tsai yang hsu cheng hsieh hung kuo chiu tseng liao lai hsu chou "
    "yeh su chuang chiang lu ho hsiao lo kao pan chien chu chung yu peng chan shih hu shen yu lu liang "
    "chao yen ko weng wei sun tai fan fang sung teng tu hou fu tsao hsueh juan ting cho ma wen tung lan "
    "ku shih chi tang chiang yao lien ou feng cheng tang tien kang huang",
)

# Hong Kong surnames with their Cantonese spelling and a rough frequency.
_HK_SURNAME = _weighted(
    "陳 Chan 8|李 Lee 5|張 Cheung 4.5|黃 Wong 5|王 Wong 2|吳 Ng 2.5|劉 Lau 3|林 Lam 3|梁 Leung 3|何 Ho 2.5|"
    "鄭 Cheng 2|郭 Kwok 1.5|馬 Ma 1.2|羅 Law 1.2|謝 Tse 1.2|葉 Yip 1.2|周 Chow 1.3|徐 Tsui 1|朱 Chu 1|"
    "曾 Tsang 1.2|鄧 Tang 1.3|蔡 Choi 1|許 Hui 1.2|楊 Yeung 1.3|盧 Lo 1|蘇 So 0.8|麥 Mak 0.8|莫 Mok 0.6|"
    "潘 Poon 0.7|彭 Pang 0.6|余 Yu 0.7|鍾 Chung 0.8|趙 Chiu 0.7|胡 Wu 0.8|袁 Yuen 0.7|黎 Lai 0.6|關 Kwan 0.7|"
    "區 Au 0.6|方 Fong 0.6|江 Kong 0.5|譚 Tam 0.9|馮 Fung 0.9|孫 Suen 0.4|杜 To 0.5|高 Ko 0.6|唐 Tong 0.7|"
    "伍 Ng 0.4|任 Yam 0.4|岑 Sham 0.3|文 Man 0.5|姚 Yiu 0.5|施 Sze 0.4|嚴 Yim 0.3|石 Shek 0.3|廖 Liu 0.4|"
    "賴 Lai 0.4|洪 Hung 0.4|魏 Ngai 0.3|沈 Shum 0.3|韓 Hon 0.3|戴 Tai 0.3|侯 Hau 0.3|邱 Yau 0.5|陸 Luk 0.4|"
    "雷 Lui 0.5|呂 Lui 0.3|曹 Tso 0.3|簡 Kan 0.3"
)


def _weights(names: Mapping[str, float] | Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Names and their frequency weights (Faker gives some lists weighted, some plain)."""
    if isinstance(names, Mapping):
        items = list(names.items())
        return [k for k, _ in items], np.array([float(v) for _, v in items])
    unique = list(dict.fromkeys(names))
    return unique, np.ones(len(unique))


def _roman(word: str, table: dict[str, str], sep: str) -> str | None:
    if not all(ch in table for ch in word):
        return None
    syllables = [table[ch] for ch in word]
    if sep:
        return sep.join(s.capitalize() for s in syllables)
    return "".join(syllables).capitalize()


@dataclass(frozen=True)
class _Pool:
    native: list[str]
    latin: list[str]
    weights: np.ndarray


def _chinese_pool(source: Mapping[str, float] | Sequence[str], table: dict[str, str], sep: str) -> _Pool:
    names, weights = _weights(source)
    keep = [(n, _roman(n, table, sep), w) for n, w in zip(names, weights, strict=True)]
    keep = [(n, r, w) for n, r, w in keep if r]
    return _Pool([n for n, _, _ in keep], [r for _, r, _ in keep], np.array([w for _, _, w in keep]))


def _plain_pool(source: Mapping[str, float] | Sequence[str]) -> _Pool:
    names, weights = _weights(source)
    return _Pool(names, names, weights)


class NamePools:
    """Name pools for the four cultures, laid end to end so a single position identifies a name."""

    def __init__(self) -> None:
        en_male, en_female = _plain_pool(EnProvider.first_names_male), _plain_pool(EnProvider.first_names_female)
        surnames = [
            _chinese_pool(CnProvider.last_names, _PINYIN_SURNAME, ""),
            _Pool(
                [h for h, _, _ in _HK_SURNAME], [r for _, r, _ in _HK_SURNAME], np.array([w for *_, w in _HK_SURNAME])
            ),
            _chinese_pool(TwProvider.last_names, _TW_SURNAME, ""),
            _plain_pool(EnProvider.last_names),
        ]
        tw_male = _chinese_pool(TwProvider.first_names_male, _WADE_GILES, "-")
        tw_female = _chinese_pool(TwProvider.first_names_female, _WADE_GILES, "-")
        given = [
            (
                _chinese_pool(CnProvider.first_names_male, _PINYIN_GIVEN, ""),
                _chinese_pool(CnProvider.first_names_female, _PINYIN_GIVEN, ""),
            ),
            (tw_male, tw_female),  # Hong Kong: the same traditional-character names as Taiwan
            (tw_male, tw_female),
            (en_male, en_female),
        ]
        self._surname_start, self._surname_p, native, latin = _lay_out(surnames)
        self.surname_native, self.surname_latin = pa.array(native), pa.array(latin)
        flat = [pool for pair in given for pool in pair] + [en_male, en_female]
        self._given_start, self._given_p, native, latin = _lay_out(flat)
        self.given_native, self.given_latin = pa.array(native), pa.array(latin)

    def surnames(self, rng: np.random.Generator, locale: np.ndarray) -> np.ndarray:
        """Draw a surname position for each row's locale."""
        out = np.zeros(len(locale), dtype=np.int64)
        for loc in range(4):
            rows = np.flatnonzero(locale == loc)
            p = self._surname_p[loc]
            out[rows] = self._surname_start[loc] + rng.choice(len(p), len(rows), p=p)
        return out

    def given(self, rng: np.random.Generator, locale: np.ndarray, female: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Draw given-name positions: the native name and the one used in the romanised name."""
        native = np.zeros(len(locale), dtype=np.int64)
        for loc in range(4):
            for fem in (0, 1):
                rows = np.flatnonzero((locale == loc) & (female == fem))
                pool = loc * 2 + fem
                p = self._given_p[pool]
                native[rows] = self._given_start[pool] + rng.choice(len(p), len(rows), p=p)
        latin = native.copy()
        # Hong Kong customers mostly go by an English given name in their romanised name.
        for fem in (0, 1):
            rows = np.flatnonzero((locale == LOCALE_HK) & (female == fem))
            pool = 8 + fem
            p = self._given_p[pool]
            latin[rows] = self._given_start[pool] + rng.choice(len(p), len(rows), p=p)
        return native, latin

    def render(
        self, locale: np.ndarray, surname: np.ndarray, given: np.ndarray, latin_given: np.ndarray
    ) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
        """Full, given, family and romanised names; Chinese order (family first) except in English."""
        family_n = take(self.surname_native, surname)
        given_n = take(self.given_native, given)
        family_l = take(self.surname_latin, surname)
        given_l = take(self.given_latin, latin_given)
        english = pa.array(locale == LOCALE_EN)
        western_latin = pa.array((locale == LOCALE_EN) | (locale == LOCALE_HK))
        full = pc.if_else(english, join(given_n, family_n, sep=" "), join(family_n, given_n, sep=""))
        latin = pc.if_else(western_latin, join(given_l, family_l, sep=" "), join(family_l, given_l, sep=" "))
        return full, given_n, family_n, latin


def _lay_out(pools: list[_Pool]) -> tuple[np.ndarray, list[np.ndarray], list[str], list[str]]:
    starts, probs, native, latin = [], [], [], []
    for pool in pools:
        starts.append(len(native))
        probs.append(pool.weights / pool.weights.sum())
        native.extend(pool.native)
        latin.extend(pool.latin)
    return np.array(starts), probs, native, latin
