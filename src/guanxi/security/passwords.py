"""The staff password policy: what makes a password acceptable, in words a person can act on.

Problem messages describe the rule broken and never quote the password, so they are safe to log,
audit and send back to the client.
"""

from __future__ import annotations

import re

from guanxi.errors import ValidationFailed

MIN_LENGTH = 12
MAX_LENGTH = 128  # long enough for passphrases, short enough to bound the hashing work
MIN_CHARACTER_CLASSES = 3
_MIN_USERNAME_LENGTH = 3  # shorter names ("al") turn up inside ordinary words too often to refuse

# Well-known passwords that still pass the length and character-class rules; held in lower case.
COMMON_PASSWORDS: frozenset[str] = frozenset(
    {
        "password1234",
        "password123!",
        "password12345",
        "passw0rd!234",
        "passw0rd1234",
        "p@ssw0rd1234",
        "p@ssword1234",
        "qwertyuiop12",
        "qwertyuiop123",
        "qwerty123456",
        "qwerty123!@#",
        "123456qwerty",
        "123456789012",
        "1234567890ab",
        "1234567890qwerty",
        "abc123456789",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "zaq12wsxcde3",
        "qazwsxedcrfv",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "welcome123!@",
        "admin1234567",
        "administrator1",
        "changeme1234",
        "trustno1trustno1",
        "football1234",
        "baseball1234",
        "monkey123456",
        "sunshine1234",
        "princess1234",
        "superman1234",
    }
)

_THREE_IN_A_ROW = re.compile(r"(.)\1\1", re.DOTALL)


def _character_classes(password: str) -> int:
    lower = any(c.islower() for c in password)
    upper = any(c.isupper() for c in password)
    digit = any(c.isdigit() for c in password)
    other = any(not (c.islower() or c.isupper() or c.isdigit()) for c in password)
    return lower + upper + digit + other


def check_password(password: str, *, username: str) -> list[str]:
    """Return the problems with ``password`` for ``username``; an empty list means acceptable."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"shorter than {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        problems.append(f"longer than {MAX_LENGTH} characters")
    if _character_classes(password) < MIN_CHARACTER_CLASSES:
        problems.append(
            f"uses fewer than {MIN_CHARACTER_CLASSES} of the 4 character classes (lower case, upper case, digit, other)"
        )
    folded = password.casefold()
    if len(username) >= _MIN_USERNAME_LENGTH and username.casefold() in folded:
        problems.append("contains the user name")
    if folded in COMMON_PASSWORDS:
        problems.append("is a commonly used password")
    if _THREE_IN_A_ROW.search(password):
        problems.append("has the same character three or more times in a row")
    return problems


def require_acceptable(password: str, *, username: str) -> None:
    """Raise ValidationFailed listing every problem when ``password`` breaks the policy."""
    problems = check_password(password, username=username)
    if problems:
        raise ValidationFailed(
            "password does not meet the policy: " + "; ".join(problems), details={"problems": problems}
        )
