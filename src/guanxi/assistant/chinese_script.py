"""Chinese scripts for the FAQ: folding Traditional to Simplified for matching, and telling which
script (or English) a customer wrote in, so the answer comes back in it."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-z]+")

# Traditional -> Simplified, one character each, as OpenCC's t2s/hk2s/tw2s tables map them: the Traditional
# characters of faq.yaml and those of the characters Chinese bank customers type most (the BQ corpus of bank
# customer-service questions). Folding both sides through one table is enough for matching, so a whole
# converter with its phrase tables is not needed; characters outside it are compared as they are.
_TRADITIONAL_TO_SIMPLIFIED = (
    "萬万與与專专業业東东丟丢兩两嚴严個个箇个臨临為为爲为麗丽舉举麼么麽么習习書书買买亂乱爭争於于產产産产親亲"
    "僅仅從从們们價价眾众衆众優优會会傳传體体餘余脩修債债償偿儲储兒儿兌兑關关興兴內内冊册寫写農农沖冲衝冲決决"
    "況况凍冻準准淩凌減减幾几憑凭齣出擊击劃划則则剛刚創创刪删別别彆别製制辦办務务動动勁劲區区韆千昇升陞升華华"
    "協协單单賣卖卽即卻却捲卷廳厅厤历曆历歷历厠厕廁厕參参蔘参雙双發发髮发變变衹只隻只枱台檯台臺台颱台號号喫吃"
    "閤合衕同後后嚮向曏向嗎吗聽听啓启啟启獃呆唄呗員员週周諮咨響响喲哟迴回園园睏困國国圖图圓圆壞坏塊块聲声處处"
    "備备復复複复覆复夠够頭头獎奖媽妈學学寶宝實实審审傢家寬宽對对尋寻導导壽寿將将嘗尝嚐尝儘尽盡尽侷局屬属嵗岁"
    "歲岁峯峰幣币帳帐帶带幫帮乾干幹干榦干並并併并幷并廣广應应開开異异張张彈弹強强歸归噹当當当彔录錄录録录徵征"
    "誌志態态總总悅悦戶户纔才釦扣擾扰摺折搶抢護护報报擔担擁拥攔拦撥拨擇择掛挂輓挽綑捆損损換换據据蒐搜攜携搖摇"
    "數数斷断無无舊旧時时顯显暫暂機机權权條条來来闆板構构櫃柜査查標标欄栏樣样覈核檢检樓楼歡欢畢毕氣气匯汇彙汇"
    "滙汇漢汉沒没洩泄註注淚泪測测漲涨澀涩滯滞滿满點点煩烦燙烫熱热愛爱狀状獨独翫玩環环現现電电痺痹監监蓋盖盜盗"
    "眞真著着碼码確确禮礼種种積积稱称穩稳筆笔簽签籤签簡简類类係系繫系緊紧紅红約约級级紀纪納纳紙纸綫线線线組组"
    "細细織织終终紹绍經经綁绑結结給给絡络絕绝絶绝統统繼继績绩續续維维綜综編编緣缘繳缴網网罰罚聾聋職职聯联脅胁"
    "腦脑臉脸騰腾緻致節节蘋苹範范獲获穫获營营藍蓝蠻蛮補补錶表裝装見见規规視视覺觉觸触譽誉計计訂订認认討讨讓让"
    "議议訊讯記记講讲許许設设訪访証证證证評评識识訴诉試试話话詢询該该詳详誤误說说説说請请讀读誰谁調调謝谢負负"
    "財财責责敗败賬账貨货質质購购貴贵貸贷費费資资贖赎賞赏賠赔賺赚讚赞贊赞贏赢趕赶車车轉转輪轮軟软輕轻載载較较"
    "輸输邊边達达過过運运還还這这進进遠远違违連连遲迟適适選选遞递踰逾遺遗郵邮鬱郁裏里裡里鈔钞鈡钟鍾钟鐘钟錢钱"
    "鉆钻鑽钻銀银鏈链銷销鎖锁錯错鍵键長长門门閃闪閉闭問问間间悶闷閱阅閲阅隊队陽阳際际陸陆險险隨随難难靜静麪面"
    "麫面麵面頁页項项順顺須须鬚须預预領领頻频顆颗題题額额風风饋馈馬马驗验騙骗驟骤魯鲁雞鸡鷄鸡齊齐齡龄遊游歐欧"
)
# Simplified forms above that are also ordinary Traditional characters (台, 只, 系...): no sign of either script.
_ALSO_TRADITIONAL = "修兑凌出制千升即卷只台吃合同向呆周回困家局峰志悦户才扣折挽捆搜板查核泄注玩痹真着系致表逾面"
# Cantonese characters: Hong Kong customers type them, in Traditional script.
_CANTONESE = "咗唔嘅喺冇哋嚟啲咁乜咩嘢睇攞碌噉"
# Spellings of one banking word that the table leaves apart: 帐/账 (account) are both written, and Hong Kong
# writes 咭 for card.
_VARIANTS = {"帳": "账", "帐": "账", "咭": "卡"}
_T2S = str.maketrans(
    dict(zip(_TRADITIONAL_TO_SIMPLIFIED[0::2], _TRADITIONAL_TO_SIMPLIFIED[1::2], strict=True)) | _VARIANTS
)
_TRADITIONAL_SIGNS = frozenset(_TRADITIONAL_TO_SIMPLIFIED[0::2]) | frozenset(_CANTONESE)
_SIMPLIFIED_SIGNS = frozenset(_TRADITIONAL_TO_SIMPLIFIED[1::2]) - frozenset(_ALSO_TRADITIONAL)


def fold(text: str) -> str:
    """The form questions are compared in: NFKC, lower case, Traditional as Simplified, single spaces."""
    text = unicodedata.normalize("NFKC", str(text)).lower().translate(_T2S)
    return _SPACES.sub(" ", text).strip()


def detect_language(text: str) -> str | None:
    """The language of a question: ``en``, ``zh-Hant`` or ``zh-Hans``; None for Chinese of neither script.

    Chinese wins when the text has at least as many Chinese characters as Latin words ("ATM吞卡了" is
    Chinese); the script is whichever has more characters that only it uses (Cantonese counts as Traditional).
    """
    text = unicodedata.normalize("NFKC", str(text)).lower()
    han = HAN.findall(text)
    if not han or len(_LATIN_WORD.findall(text)) > len(han):
        return "en"
    traditional = sum(c in _TRADITIONAL_SIGNS for c in han)
    simplified = sum(c in _SIMPLIFIED_SIGNS for c in han)
    if traditional == simplified:
        return None
    return "zh-Hant" if traditional > simplified else "zh-Hans"
