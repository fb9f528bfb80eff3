"""Personal data at rest: envelope encryption, blind indexes and masks.

Each customer has a data key (DEK) of their own. Their identity numbers, phone numbers, emails,
addresses and date of birth are encrypted with it (AES-256-GCM, the column name as associated
data, so a ciphertext moved to another column fails to open). The DEK is stored wrapped by the
bank's key-encryption key (KEK), which lives only in settings. Destroying a customer's wrapped
DEK makes their ciphertexts unreadable for good: that is how erasure works (crypto-shredding).

Searching does not decrypt: a keyed HMAC of the normalised value (the blind index) sits beside
the ciphertext, so "find by phone" is an index lookup. A masked form (``138****5678``) is kept
too, so lists and pages never need the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from guanxi.errors import GuanxiError

if TYPE_CHECKING:
    from guanxi.config import Settings

KEY_BYTES = 32
NONCE_BYTES = 12
KEY_ID_CHARS = 12
_FORMAT = b"\x01"
_WRAP_AAD = b"guanxi:data-key"
ERASED = "[erased]"


class KeyUnavailable(GuanxiError):
    """A ciphertext names a key the keyring does not hold (rotated away or erased)."""

    code = "key_unavailable"
    http_status = 500


class DecryptionFailed(GuanxiError):
    """A ciphertext did not authenticate under its key: tampered with, moved or wrong key."""

    code = "decryption_failed"
    http_status = 500


def derive_key(secret: str, purpose: str) -> bytes:
    """A 256-bit key for ``purpose`` derived from a configured secret (HKDF-SHA256)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=f"guanxi:{purpose}".encode())
    return hkdf.derive(secret.encode("utf-8"))


def key_id(key: bytes) -> str:
    """A short public name for a key: which KEK wrapped a DEK, without revealing the key."""
    return hashlib.sha256(b"guanxi:key-id:" + key).hexdigest()[:KEY_ID_CHARS]


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return _FORMAT + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if not blob or blob[:1] != _FORMAT:
        raise DecryptionFailed("not a Guanxi ciphertext (unknown format)")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, aad)
    except InvalidTag:
        raise DecryptionFailed("ciphertext does not authenticate under this key") from None


@dataclass(frozen=True)
class Vault:
    """The keyring: the current KEK, older KEKs still readable during a rotation, the index key."""

    kek: bytes
    index_key: bytes
    previous: tuple[bytes, ...] = ()
    _by_id: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for key in (self.kek, *self.previous):
            self._by_id[key_id(key)] = key

    @classmethod
    def from_settings(cls, settings: Settings) -> Vault:
        """The vault configured by ``GUANXI_PII_KEY``, ``GUANXI_PII_PREVIOUS_KEYS`` and ``GUANXI_PII_INDEX_KEY``."""
        return cls(
            kek=derive_key(settings.pii_key, "kek"),
            index_key=derive_key(settings.pii_index_key, "blind-index"),
            previous=tuple(derive_key(s, "kek") for s in settings.pii_previous_keys),
        )

    @property
    def kek_id(self) -> str:
        """The name of the current KEK."""
        return key_id(self.kek)

    # -- data keys -----------------------------------------------------------------------
    def new_data_key(self) -> tuple[bytes, bytes]:
        """A fresh DEK and its wrapped form (to store)."""
        dek = os.urandom(KEY_BYTES)
        return dek, self.wrap(dek)

    def wrap(self, dek: bytes) -> bytes:
        """Encrypt a DEK under the current KEK; the KEK's id leads the blob."""
        return self.kek_id.encode("ascii") + _seal(self.kek, dek, _WRAP_AAD)

    def wrapped_by(self, wrapped: bytes) -> str:
        """The id of the KEK that wrapped ``wrapped``."""
        return wrapped[:KEY_ID_CHARS].decode("ascii", errors="replace")

    def unwrap(self, wrapped: bytes) -> bytes:
        """The DEK inside ``wrapped``; raises ``KeyUnavailable`` if its KEK is not in the keyring."""
        kid = self.wrapped_by(wrapped)
        kek = self._by_id.get(kid)
        if kek is None:
            raise KeyUnavailable(f"data key was wrapped by key {kid}, which is not configured")
        return _open(kek, wrapped[KEY_ID_CHARS:], _WRAP_AAD)

    def seal_with_kek(self, value: str, column: str) -> bytes:
        """Encrypt a system secret (not a customer's) directly under the current KEK."""
        return self.kek_id.encode("ascii") + _seal(self.kek, value.encode("utf-8"), column.encode("ascii"))

    def open_with_kek(self, blob: bytes, column: str) -> str:
        """Decrypt what :meth:`seal_with_kek` wrote, under whichever configured KEK wrote it."""
        kid = self.wrapped_by(blob)
        kek = self._by_id.get(kid)
        if kek is None:
            raise KeyUnavailable(f"secret was encrypted with key {kid}, which is not configured")
        return _open(kek, blob[KEY_ID_CHARS:], column.encode("ascii")).decode("utf-8")

    # -- fields --------------------------------------------------------------------------
    def encrypt(self, dek: bytes, value: str, column: str) -> bytes:
        """Encrypt one field value; ``column`` (``table.column``) is bound as associated data."""
        return _seal(dek, value.encode("utf-8"), column.encode("ascii"))

    def decrypt(self, dek: bytes, blob: bytes, column: str) -> str:
        """Decrypt one field value written by :meth:`encrypt` for the same column."""
        return _open(dek, blob, column.encode("ascii")).decode("utf-8")

    def blind_index(self, kind: str, value: str) -> str:
        """Keyed digest of the normalised value, for equality search without decrypting."""
        normal = normalise(kind, value)
        return hmac.new(self.index_key, f"{kind}:{normal}".encode(), hashlib.sha256).hexdigest()[:32]


# -- normalising and masking ---------------------------------------------------------------
_NOT_DIGIT = re.compile(r"\D")
_ID_NOISE = re.compile(r"[\s\-/.()]")
SEARCHABLE_KINDS = frozenset({"phone", "email", "wechat", "id_number"})


def normalise(kind: str, value: str) -> str:
    """The canonical form a blind index is computed over (what a search must also produce)."""
    text = value.strip()
    if kind == "phone":
        return _NOT_DIGIT.sub("", text)
    if kind in ("email", "wechat"):
        return text.casefold()
    if kind == "id_number":
        return _ID_NOISE.sub("", text).upper()
    return " ".join(text.split()).casefold()


def _middle(text: str, keep_start: int, keep_end: int) -> str:
    hidden = len(text) - keep_start - keep_end
    if hidden < 2:
        # Too short to show any of it safely.
        return "*" * max(len(text), 4)
    return text[:keep_start] + "*" * hidden + text[len(text) - keep_end :]


def mask(kind: str, value: str) -> str:
    """The masked form shown by default: ``138****5678``, ``A12****(7)``, ``w***@example.com``."""
    text = value.strip()
    if kind == "phone":
        return _mask_phone(text)
    if kind == "email":
        local, at, domain = text.partition("@")
        return (local[:1] + "***" + at + domain) if at else _middle(text, 1, 0)
    if kind == "id_number":
        return _middle(text, 3, 3)
    if kind == "wechat":
        return _middle(text, 2, 2)
    if kind == "address":
        return "****"
    return "****"


def _mask_phone(text: str) -> str:
    """Hide the middle digits, keeping the layout: ``138****5678``, ``+86 138 **** 8000``."""
    prefix, rest = "", text
    if text.startswith("+") and " " in text:  # a country code written apart stays visible
        code, rest = text.split(" ", 1)
        prefix = code + " "
    digits = [i for i, c in enumerate(rest) if c.isdigit()]
    if len(digits) < 7:
        return prefix + "*" * max(len(rest), 4)
    shown = set(digits[:3]) | set(digits[-4:])
    return prefix + "".join(c if not c.isdigit() or i in shown else "*" for i, c in enumerate(rest))


def mask_date(value: dt.date) -> str:
    """A birth date shows its year only."""
    return f"{value.year:04d}-**-**"
