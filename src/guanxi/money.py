"""Exact money: ``Decimal`` amounts with an ISO 4217 currency.

Amounts are stored with four decimal places (enough for every ISO currency's minor unit);
each currency allows only as many decimals as its minor unit, so 10.005 USD is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

STORAGE_SCALE = 4
STORAGE_PRECISION = 18

# Currencies whose minor unit is not two decimals; every other code uses 2.
_MINOR_UNITS = {
    "JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "UGX": 0, "XAF": 0, "XOF": 0, "PYG": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


def minor_unit(currency: str) -> int:
    """Return how many decimals ``currency`` allows."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def is_currency_code(code: str) -> bool:
    """Tell whether ``code`` looks like an ISO 4217 code (three capital letters)."""
    return len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in a currency."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not is_currency_code(self.currency):
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money needs a Decimal amount, never a float")
        if not self.amount.is_finite():
            raise ValueError(f"not an amount: {self.amount}")
        exponent = self.amount.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > minor_unit(self.currency):
            normalised = self.amount.normalize()
            norm_exp = normalised.as_tuple().exponent
            if isinstance(norm_exp, int) and -norm_exp > minor_unit(self.currency):
                raise ValueError(f"{self.amount} has more decimals than {self.currency} allows")

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        """Build from a string, int or Decimal (floats are refused: they are not exact)."""
        if isinstance(amount, float):
            raise TypeError("Money.of refuses floats; pass a string or Decimal")
        try:
            return cls(Decimal(amount), currency)
        except InvalidOperation as exc:
            raise ValueError(f"not an amount: {amount!r}") from exc

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    @classmethod
    def rounded(cls, amount: Decimal, currency: str) -> Money:
        """Round a computed amount (interest, a share) half-even to the currency's minor unit."""
        quantum = Decimal(1).scaleb(-minor_unit(currency))
        return cls(amount.quantize(quantum, rounding=ROUND_HALF_EVEN), currency)

    def __str__(self) -> str:
        places = minor_unit(self.currency)
        return f"{self.amount:,.{places}f} {self.currency}"

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")
