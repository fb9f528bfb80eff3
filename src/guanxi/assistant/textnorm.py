"""Text normalisation for the assistant: one spelling per word in English and in Chinese.

Customers write full-width letters, Traditional or Simplified characters, and English mixed with
Chinese. Before any model sees a message it is folded onto one form: Unicode NFKC (full-width
``ＡＴＭ`` becomes ``atm``), lower case, Traditional characters converted to Simplified (OpenCC's
``t2s`` table), runs of whitespace collapsed. Training utterances written in either script then
teach the model the same features, and jieba's dictionary, which is mostly Simplified, segments
both alike.

Chinese is segmented into words with jieba; Latin-script text is split on letters and digits.
Both tools load lazily, once per process, and are not pickled: a saved model refers to the functions
here by name.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from typing import Any

__all__ = ["has_chinese", "normalise", "to_simplified", "warm_up", "words"]

# CJK Unified Ideographs and Extension A, and the compatibility block NFKC leaves as it is.
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(f"[{_HAN}]+")
_HAS_HAN = re.compile(f"[{_HAN}]")
# A Chinese run; a word of other letters, inner apostrophes kept ("didn't"); or a number ("100.50").
_LETTERS = f"[^\\W\\d_{_HAN}]+"
_TOKEN = re.compile(f"[{_HAN}]+|{_LETTERS}(?:'{_LETTERS})*|\\d+(?:[.,]\\d+)*")
_SPACE = re.compile(r"\s+")
# Unicode NFKC leaves curly apostrophes alone; customers on phones type them.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})

_lock = threading.Lock()
_converter: Any = None
_segmenter: Any = None


def has_chinese(text: str) -> bool:
    """Whether ``text`` holds at least one Chinese character."""
    return bool(_HAS_HAN.search(text))


def to_simplified(text: str) -> str:
    """``text`` with Traditional Chinese characters converted to Simplified (other text unchanged)."""
    if not has_chinese(text):
        return text
    return _opencc().convert(text)


def normalise(text: str) -> str:
    """The form every model reads: NFKC, lower case, Simplified Chinese, single spaces, trimmed."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    return _SPACE.sub(" ", to_simplified(text)).strip()


def words(text: str) -> list[str]:
    """The words of a normalised text: jieba's segmentation of Chinese runs, letters and digits elsewhere.

    Punctuation is dropped. A Chinese run is cut by jieba's dictionary and its hidden Markov model,
    so ``信用卡还没有寄到`` gives ``信用卡 / 还 / 没有 / 寄 / 到``.
    """
    tokens: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if _HAN_RUN.fullmatch(token):
            tokens.extend(piece for piece in _jieba().lcut(token) if piece.strip())
        else:
            tokens.append(token)
    return tokens


def warm_up() -> None:
    """Load jieba's dictionary and OpenCC's table now, so the first message is not the slow one."""
    _opencc()
    _jieba()


def _opencc() -> Any:
    """The process's Traditional-to-Simplified converter, created on first use."""
    global _converter
    if _converter is None:
        with _lock:
            if _converter is None:
                import opencc  # imported here: text without Chinese never needs it

                _converter = opencc.OpenCC("t2s")
    return _converter


def _jieba() -> Any:
    """The process's jieba segmenter, its dictionary loaded on first use (about two seconds)."""
    global _segmenter
    if _segmenter is None:
        with _lock:
            if _segmenter is None:
                import jieba

                # jieba announces every dictionary load on its own logger; a warning is worth seeing.
                jieba.setLogLevel(logging.WARNING)
                segmenter = jieba.Tokenizer()
                segmenter.initialize()
                _segmenter = segmenter
    return _segmenter
