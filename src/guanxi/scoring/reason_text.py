"""Reasons in words: a feature and the customer's value as a sentence, in English and Chinese.

The catalogue describes every feature in both languages; a handful of features that carry most
reasons get a sentence of their own ("balance fell 62% over 6 months", "no mobile login for 45
days"), every other feature reads "<description>: <value>" with the value in its unit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

from guanxi.analytics.catalogue import Feature, feature_groups

Sentence = Callable[[float], tuple[str, str]]


def _percent(value: float) -> str:
    return f"{abs(value) * 100:.0f}%"


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _trend(value: float) -> tuple[str, str]:
    # the trend is the change per month relative to the average: over 6 months, six times that
    change = value * 6
    if change < 0:
        return (f"balance fell {_percent(change)} over 6 months", f"6個月內結餘下降{_percent(change)}")
    return (f"balance grew {_percent(change)} over 6 months", f"6個月內結餘增長{_percent(change)}")


def _days_since_login(value: float) -> tuple[str, str]:
    return (f"no mobile or online login for {value:.0f} days", f"{value:.0f}天未登入手機或網上銀行")


def _days_since_txn(value: float) -> tuple[str, str]:
    return (f"no transaction for {value:.0f} days", f"{value:.0f}天沒有交易")


def _salary_change(value: float) -> tuple[str, str]:
    if value < 0:
        return (f"salary paid in fell {_percent(value)}", f"入賬薪金減少{_percent(value)}")
    return (f"salary paid in rose {_percent(value)}", f"入賬薪金增加{_percent(value)}")


def _count_sentence(en: str, zh: str) -> Sentence:
    def sentence(value: float) -> tuple[str, str]:
        return (en.format(n=f"{value:.0f}"), zh.format(n=f"{value:.0f}"))

    return sentence


SPECIAL: dict[str, Sentence] = {
    "balance_trend_6m": _trend,
    "days_since_last_login": _days_since_login,
    "days_since_last_txn": _days_since_txn,
    "salary_change": _salary_change,
    "txn_count_90d": _count_sentence("{n} transactions in the last 90 days", "近90天交易{n}筆"),
    "logins_30d": _count_sentence("{n} logins in the last 30 days", "近30天登入{n}次"),
    "complaints_365d": _count_sentence("{n} complaints in the last year", "近一年投訴{n}次"),
}


@cache
def _catalogue() -> dict[str, Feature]:
    return {f.name: f for g in feature_groups() for f in g.features}


def _value_text(feature: Feature | None, value: float) -> str:
    if feature is None:
        return f"{value:g}"
    if feature.unit == "share":
        return f"{value * 100:.0f}%"
    if feature.unit == "base currency":
        return _money(value)
    if feature.unit in ("count", "days", "months"):
        return f"{value:.0f}"
    if feature.unit == "flag":
        return "yes" if value else "no"
    return f"{value:g}"


def reason_sentence(name: str, value: object) -> tuple[str, str]:
    """The reason as ``(English, Chinese)``: what the customer's value of feature ``name`` says."""
    number = float(value) if isinstance(value, int | float) else math.nan
    feature = _catalogue().get(name)
    if math.isnan(number):
        label_en = feature.en if feature else name.replace("_", " ")
        label_zh = feature.zh if feature else name
        return (f"{label_en}: not known", f"{label_zh}：不詳")
    if name in SPECIAL:
        return SPECIAL[name](number)
    shown = _value_text(feature, number)
    if feature is None:
        return (f"{name.replace('_', ' ')}: {shown}", f"{name}：{shown}")
    shown_zh = {"yes": "是", "no": "否"}.get(shown, shown)
    return (f"{feature.en}: {shown}", f"{feature.zh}：{shown_zh}")
