"""TOTP: the RFC 6238 vectors, the drift window, replay refusal and the provisioning URI."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from guanxi.security.totp import code_at, new_secret, provisioning_uri, verify

# RFC 6238 Appendix B: the SHA1 seed is the ASCII bytes "12345678901234567890".
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode("ascii")
# 2009-02-13 23:31:30 UTC, a fixed moment; its 30-second step is 1234567890 // 30.
MOMENT = dt.datetime.fromtimestamp(1234567890, dt.UTC)
MOMENT_STEP = 41152263
STEP = dt.timedelta(seconds=30)


def _at(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
    ],
)
def test_the_rfc_6238_sha1_vectors(seconds, expected):
    # given the RFC's seed as base32
    assert RFC_SECRET == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    # when the 8-digit code is computed at the RFC's time
    code = code_at(RFC_SECRET, _at(seconds), digits=8)
    # then it is the RFC's code
    assert code == expected


def test_six_digit_codes_are_the_last_six_digits_of_the_vector():
    assert code_at(RFC_SECRET, _at(59)) == "287082"
    assert code_at(RFC_SECRET, _at(1111111109)) == "081804"


def test_the_code_is_the_same_throughout_a_step_and_changes_at_its_end():
    start = _at(MOMENT_STEP * 30)
    assert code_at(RFC_SECRET, start) == code_at(RFC_SECRET, start + dt.timedelta(seconds=29, microseconds=999999))
    assert code_at(RFC_SECRET, start + STEP) != code_at(RFC_SECRET, start)


def test_a_secret_in_lower_case_without_padding_gives_the_same_codes():
    # given a 16-byte secret, whose base32 form ends in six "=" of padding
    padded = base64.b32encode(b"1234567890123456").decode("ascii")
    assert padded.endswith("======")
    # when the codes are computed from lower-case, unpadded spellings
    # then they match the canonical spellings
    assert code_at(padded.rstrip("=").lower(), MOMENT) == code_at(padded, MOMENT)
    assert code_at(RFC_SECRET.lower(), MOMENT) == code_at(RFC_SECRET, MOMENT) == "005924"


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        code_at(RFC_SECRET, dt.datetime(2009, 2, 13, 23, 31, 30))


def test_verify_accepts_the_current_code_and_returns_its_step():
    code = code_at(RFC_SECRET, MOMENT)
    assert code == "005924"
    assert verify(RFC_SECRET, code, MOMENT) == MOMENT_STEP


def test_verify_accepts_the_previous_and_next_step_for_clock_drift():
    # given codes from one step either side of the server's clock
    previous = code_at(RFC_SECRET, MOMENT - STEP)
    following = code_at(RFC_SECRET, MOMENT + STEP)
    # when they are verified at the server's time
    # then each is accepted and reports its own step
    assert verify(RFC_SECRET, previous, MOMENT) == MOMENT_STEP - 1
    assert verify(RFC_SECRET, following, MOMENT) == MOMENT_STEP + 1


def test_verify_refuses_a_code_two_steps_away():
    assert verify(RFC_SECRET, code_at(RFC_SECRET, MOMENT - 2 * STEP), MOMENT) is None
    assert verify(RFC_SECRET, code_at(RFC_SECRET, MOMENT + 2 * STEP), MOMENT) is None


def test_a_wider_window_accepts_two_steps_away():
    assert verify(RFC_SECRET, code_at(RFC_SECRET, MOMENT - 2 * STEP), MOMENT, window=2) == MOMENT_STEP - 2


def test_window_zero_accepts_only_the_current_step():
    assert verify(RFC_SECRET, code_at(RFC_SECRET, MOMENT - STEP), MOMENT, window=0) is None
    assert verify(RFC_SECRET, code_at(RFC_SECRET, MOMENT), MOMENT, window=0) == MOMENT_STEP


def test_verify_refuses_a_replay_of_the_step_already_used():
    # given a code that was accepted once
    code = code_at(RFC_SECRET, MOMENT)
    used = verify(RFC_SECRET, code, MOMENT)
    assert used == MOMENT_STEP
    # when the same code is offered again with the step recorded
    # then it is refused, even a few seconds later within the same step
    assert verify(RFC_SECRET, code, MOMENT, last_step=used) is None
    assert verify(RFC_SECRET, code, MOMENT + dt.timedelta(seconds=5), last_step=used) is None


def test_verify_refuses_an_older_step_after_a_newer_one_was_used():
    previous = code_at(RFC_SECRET, MOMENT - STEP)
    assert verify(RFC_SECRET, previous, MOMENT, last_step=MOMENT_STEP) is None


def test_verify_accepts_the_next_step_after_the_last_one_used():
    following = code_at(RFC_SECRET, MOMENT + STEP)
    assert verify(RFC_SECRET, following, MOMENT + STEP, last_step=MOMENT_STEP) == MOMENT_STEP + 1


@pytest.mark.parametrize(
    "code",
    [
        "",
        "05924",  # too short
        "0059240",  # too long
        "89005924",  # the 8-digit code for the same moment
        "00592a",
        " 05924",
        "005924\n",
        "-05924",
        "٠٠٥٩٢٤",  # Arabic-Indic digits: str.isdigit() says yes, but they are not ASCII
    ],
)
def test_verify_refuses_anything_but_six_ascii_digits(code):
    assert verify(RFC_SECRET, code, MOMENT) is None


def test_verify_refuses_a_wrong_code():
    assert code_at(RFC_SECRET, MOMENT) != "123456"
    assert verify(RFC_SECRET, "123456", MOMENT) is None


def test_new_secrets_are_20_random_bytes_in_unpadded_base32():
    secret = new_secret()
    assert len(secret) == 32
    assert "=" not in secret
    assert len(base64.b32decode(secret)) == 20
    assert new_secret() != secret


def test_a_new_secret_verifies_its_own_code():
    secret = new_secret()
    assert verify(secret, code_at(secret, MOMENT), MOMENT) == MOMENT_STEP


def test_the_provisioning_uri_for_a_fixed_secret():
    uri = provisioning_uri("JBSWY3DPEHPK3PXP", account="ana.silva@bank.example")
    assert uri == (
        "otpauth://totp/Guanxi:ana.silva%40bank.example"
        "?secret=JBSWY3DPEHPK3PXP&issuer=Guanxi&algorithm=SHA1&digits=6&period=30"
    )


def test_the_provisioning_uri_quotes_label_and_issuer_and_normalises_the_secret():
    uri = provisioning_uri("jbswy3dpehpk3pxp", account="Ana Silva", issuer="Banco & Co")
    assert uri == (
        "otpauth://totp/Banco%20%26%20Co:Ana%20Silva"
        "?secret=JBSWY3DPEHPK3PXP&issuer=Banco%20%26%20Co&algorithm=SHA1&digits=6&period=30"
    )
