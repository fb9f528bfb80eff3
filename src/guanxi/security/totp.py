"""Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits).

Standard library only, so the second factor adds no dependency. Secrets are base32 text, the form
authenticator apps show and read from the provisioning URI. Times are timezone-aware datetimes.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

DIGITS = 6
STEP_SECONDS = 30
_SECRET_BYTES = 20  # RFC 4226 recommends 160 bits, the HMAC-SHA1 output size
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def new_secret() -> str:
    """Return a new random secret: 20 bytes as base32 without padding."""
    return base64.b32encode(secrets.token_bytes(_SECRET_BYTES)).decode("ascii").rstrip("=")


def _normalise(secret: str) -> str:
    # People type secrets from a screen: tolerate lower case, spaces and a dropped "=" padding.
    return "".join(secret.split()).upper().rstrip("=")


def _decode(secret: str) -> bytes:
    text = _normalise(secret)
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except binascii.Error as exc:
        raise ValueError("TOTP secret is not valid base32") from exc


def _time_step(at: dt.datetime, step: int) -> int:
    # A naive datetime would be read as local time and silently shift every code.
    if at.tzinfo is None:
        raise ValueError("TOTP needs a timezone-aware datetime")
    # Integer timedelta division avoids the float rounding of timestamp() at step boundaries.
    return (at - _EPOCH) // dt.timedelta(seconds=step)


def _code_for_step(key: bytes, counter: int, digits: int) -> str:
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    (value,) = struct.unpack(">I", digest[offset : offset + 4])
    return str((value & 0x7FFFFFFF) % 10**digits).zfill(digits)


def code_at(secret: str, at: dt.datetime, *, digits: int = DIGITS, step: int = STEP_SECONDS) -> str:
    """Return the code for ``secret`` at the moment ``at`` (timezone-aware)."""
    return _code_for_step(_decode(secret), _time_step(at, step), digits)


def verify(secret: str, code: str, at: dt.datetime, *, last_step: int | None = None, window: int = 1) -> int | None:
    """Return the time step ``code`` matches within ``window`` steps of ``at``, or None."""
    if window < 0:
        raise ValueError("window must not be negative")
    # str.isdigit() alone would let other scripts' digits (e.g. "١٢٣٤٥٦") through.
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    key = _decode(secret)
    current = _time_step(at, STEP_SECONDS)
    matched: int | None = None
    for candidate in range(current - window, current + window + 1):
        # A step at or before the last one used was already spent: refusing it stops replay.
        if last_step is not None and candidate <= last_step:
            continue
        if hmac.compare_digest(_code_for_step(key, candidate, DIGITS), code) and matched is None:
            matched = candidate
    return matched


def provisioning_uri(secret: str, *, account: str, issuer: str = "Guanxi") -> str:
    """Return the otpauth:// URI an authenticator app reads (usually from a QR code)."""
    label = f"{quote(issuer, safe='')}:{quote(account, safe='')}"
    query = urlencode(
        {
            "secret": _normalise(secret),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"
