"""The staff password policy: one test per rule, with the exact words a user sees."""

from __future__ import annotations

import pytest

from guanxi.errors import ValidationFailed
from guanxi.security.passwords import COMMON_PASSWORDS, MIN_LENGTH, check_password, require_acceptable

GOOD = "Tidal-Lantern-42"
CLASSES = "uses fewer than 3 of the 4 character classes (lower case, upper case, digit, other)"


def test_an_acceptable_password_has_no_problems():
    assert check_password(GOOD, username="ana.silva") == []


def test_too_short():
    # given a password one character under the minimum that breaks no other rule
    password = "Tidal-Lant4"
    assert len(password) == MIN_LENGTH - 1
    # then only the length is reported
    assert check_password(password, username="ana.silva") == ["shorter than 12 characters"]


def test_exactly_the_minimum_length_is_enough():
    assert check_password("Tidal-Lante4", username="ana.silva") == []


def test_too_long():
    password = "Ab1-" * 32 + "x"
    assert len(password) == 129
    assert check_password(password, username="ana.silva") == ["longer than 128 characters"]


def test_exactly_128_characters_is_allowed():
    assert check_password("Ab1-" * 32, username="ana.silva") == []


def test_too_few_character_classes():
    # given lower case and digits only: two classes
    assert check_password("tidallantern42", username="ana.silva") == [CLASSES]


@pytest.mark.parametrize(
    "password",
    [
        "tidallantern42X",  # lower, digit, upper
        "tidal-lantern-X",  # lower, other, upper
        "TIDAL-LANTERN-42",  # upper, other, digit
        "tidal-lantern-42",  # lower, other, digit
    ],
)
def test_three_classes_of_any_kind_are_enough(password):
    assert check_password(password, username="ana.silva") == []


def test_contains_the_user_name_in_any_case():
    assert check_password("Xx-ANA.SILVA-42", username="ana.silva") == ["contains the user name"]


def test_a_user_name_under_three_characters_is_not_checked():
    assert check_password("Al-Tidal-Lantern-4", username="al") == []


def test_a_three_character_user_name_is_checked():
    assert check_password("Bob-Tidal-Lantern-4", username="bob") == ["contains the user name"]


@pytest.mark.parametrize("password", ["Password123!", "Passw0rd!234", "PASSWORD123!", "pAsSw0Rd!234"])
def test_a_common_password_in_any_case(password):
    assert check_password(password, username="ana.silva") == ["is a commonly used password"]


def test_the_common_list_names_the_well_known_ones():
    for password in ["password1234", "qwertyuiop12", "123456789012", "password123!", "passw0rd!234"]:
        assert password in COMMON_PASSWORDS
    assert len(COMMON_PASSWORDS) >= 30
    assert all(password == password.lower() for password in COMMON_PASSWORDS)


def test_a_common_password_breaking_other_rules_reports_them_all():
    assert check_password("qwertyuiop12", username="ana.silva") == [CLASSES, "is a commonly used password"]


def test_three_identical_characters_in_a_row():
    assert check_password("Tidal-Laaantern-4", username="ana.silva") == [
        "has the same character three or more times in a row"
    ]


def test_two_identical_characters_in_a_row_are_fine():
    assert check_password("Tidal-Laantern-44", username="ana.silva") == []


def test_every_problem_is_reported_in_order():
    assert check_password("aaa", username="aaa") == [
        "shorter than 12 characters",
        CLASSES,
        "contains the user name",
        "has the same character three or more times in a row",
    ]


def test_require_acceptable_passes_a_good_password():
    assert require_acceptable(GOOD, username="ana.silva") is None


def test_require_acceptable_raises_validation_failed_without_the_password():
    # given a password that breaks two rules
    password = "secretpass1"
    # when it is required to be acceptable
    with pytest.raises(ValidationFailed) as excinfo:
        require_acceptable(password, username="ana.silva")
    # then the error lists every problem and never quotes the password
    error = excinfo.value
    assert error.code == "validation_failed"
    assert error.http_status == 422
    assert error.message == (
        "password does not meet the policy: shorter than 12 characters; "
        "uses fewer than 3 of the 4 character classes (lower case, upper case, digit, other)"
    )
    assert error.details == {"problems": ["shorter than 12 characters", CLASSES]}
    assert password not in str(error)
    assert password not in repr(error.to_dict())
