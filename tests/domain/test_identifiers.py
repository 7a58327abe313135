"""Identifiers: formats, check digits and the error messages a broker reads."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError, InvalidIdentifier
from domain.identifiers import (
    BusinessNumber,
    CargoControlNumber,
    OfficeCode,
    ProgramAccount,
    SubLocationCode,
    TransactionNumber,
    luhn_check_digit,
    transaction_check_digit,
)

digit_strings = st.text(alphabet="0123456789", min_size=1, max_size=30)
first8s = st.text(alphabet="0123456789", min_size=8, max_size=8)
securities = st.text(alphabet="0123456789", min_size=5, max_size=5)
sequences = st.integers(min_value=0, max_value=99_999_999)


def replace_digit(text: str, index: int, digit: int) -> str:
    return text[:index] + str(digit) + text[index + 1 :]


def swap(text: str, index: int) -> str:
    return text[:index] + text[index + 1] + text[index] + text[index + 2 :]


def message_of(error: pytest.ExceptionInfo[InvalidIdentifier]) -> str:
    return str(error.value)


# Business numbers (BN9)


def test_the_revenue_agency_sample_business_number_parses() -> None:
    bn = BusinessNumber.parse("123456782")
    assert str(bn) == "123456782"


def test_the_domain_example_123456789_fails_its_luhn_check_digit() -> None:
    with pytest.raises(InvalidIdentifier) as error:
        BusinessNumber.parse("123456789")
    assert message_of(error) == "BN9 '123456789' fails its check digit (Luhn mod 10)"
    assert (error.value.kind, error.value.value) == ("BN9", "123456789")


@pytest.mark.parametrize(
    "text", ["12345678", "1234567820", "12345678x", " 123456782", "１２３４５６７８２", ""]
)
def test_a_business_number_that_is_not_nine_ascii_digits_is_refused(text: str) -> None:
    with pytest.raises(InvalidIdentifier, match="must be 9 digits"):
        BusinessNumber.parse(text)


def test_building_a_business_number_appends_its_luhn_check_digit() -> None:
    assert BusinessNumber.build("12345678") == BusinessNumber.parse("123456782")
    assert str(BusinessNumber.build("10000000")) == "100000009"


def test_building_a_business_number_needs_eight_digits() -> None:
    with pytest.raises(InvalidIdentifier, match=r"BN9 '1234567' needs 8 digits before its check digit"):
        BusinessNumber.build("1234567")


def test_a_luhn_payload_must_be_digits() -> None:
    with pytest.raises(ValueError, match="ASCII digits"):
        luhn_check_digit("12a")


def test_the_luhn_check_digit_matches_the_textbook_example() -> None:
    assert luhn_check_digit("7992739871") == 3  # 79927398713, the usual worked example


@given(first8s)
def test_a_built_business_number_always_parses_back(first8: str) -> None:
    bn = BusinessNumber.build(first8)
    assert BusinessNumber.parse(str(bn)) == bn


@given(first8s, st.integers(min_value=0, max_value=8), st.integers(min_value=1, max_value=9))
def test_luhn_detects_every_single_digit_error_in_a_business_number(
    first8: str, index: int, step: int
) -> None:
    valid = str(BusinessNumber.build(first8))
    wrong = replace_digit(valid, index, (int(valid[index]) + step) % 10)
    with pytest.raises(InvalidIdentifier, match="fails its check digit"):
        BusinessNumber.parse(wrong)


@given(digit_strings)
def test_a_luhn_number_sums_to_a_multiple_of_ten(payload: str) -> None:
    number = payload + str(luhn_check_digit(payload))
    doubled = [int(c) * (2 if i % 2 else 1) for i, c in enumerate(reversed(number))]
    assert sum(d - 9 if d > 9 else d for d in doubled) % 10 == 0


# Program accounts (BN15)


def test_a_program_account_splits_into_business_program_and_reference() -> None:
    account = ProgramAccount.parse("123456782RM0001")
    assert account.bn9 == BusinessNumber.parse("123456782")
    assert (account.program, account.reference, str(account)) == ("RM", "0001", "123456782RM0001")
    assert account.is_import_export
    assert ProgramAccount.parse_importer("123456782RM0001") == account


def test_an_importer_account_must_be_an_import_export_account() -> None:
    with pytest.raises(InvalidIdentifier) as error:
        ProgramAccount.parse_importer("123456782RT0001")
    assert message_of(error) == "BN15 '123456782RT0001' is not an import/export (RM) program account"


def test_a_program_account_whose_business_number_fails_luhn_is_refused() -> None:
    with pytest.raises(InvalidIdentifier) as error:
        ProgramAccount.parse("123456789RM0001")
    assert message_of(error) == (
        "BN15 '123456789RM0001' has a business number that fails its check digit (Luhn mod 10)"
    )


@pytest.mark.parametrize("text", ["123456782rm0001", "123456782RM001", "123456782R10001", "123456782RM00011"])
def test_a_malformed_program_account_says_what_shape_it_must_have(text: str) -> None:
    with pytest.raises(InvalidIdentifier) as error:
        ProgramAccount.parse(text)
    assert message_of(error) == (
        f"BN15 '{text}' must be 9 digits, 2 capital letters and 4 digits, like 123456782RM0001"
    )


# Transaction numbers


@pytest.mark.parametrize("text", ["10207003502332", "10207003000585", "13284006000241"])
def test_the_domain_examples_of_transaction_numbers_are_valid(text: str) -> None:
    number = TransactionNumber.parse(text)
    assert str(number) == text
    assert transaction_check_digit(text[:13]) == int(text[13])


def test_a_transaction_number_splits_into_security_and_sequence() -> None:
    number = TransactionNumber.parse("10207003502332")
    assert (number.security, number.sequence) == ("10207", 350233)


def test_the_transaction_check_digit_is_the_sum_itself_not_ten_minus_it() -> None:
    # 1020700350233: plain digits 1+2+7+0+5+2+3 = 20, doubled 0,0,0,6,0,6 = 12; 32 mod 10 = 2, not 10 - 2.
    assert transaction_check_digit("1020700350233") == 2
    with pytest.raises(InvalidIdentifier, match="fails its check digit"):
        TransactionNumber.parse("10207003502338")


def test_a_transaction_number_with_a_wrong_check_digit_is_refused() -> None:
    with pytest.raises(InvalidIdentifier) as error:
        TransactionNumber.parse("10207003502333")
    assert message_of(error) == "transaction number '10207003502333' fails its check digit"


@pytest.mark.parametrize("text", ["1020700350233", "102070035023321", "1020700350233A", ""])
def test_a_transaction_number_must_be_fourteen_digits(text: str) -> None:
    with pytest.raises(InvalidIdentifier, match="must be 14 digits"):
        TransactionNumber.parse(text)


def test_building_a_transaction_number_appends_its_check_digit() -> None:
    assert str(TransactionNumber.build("10207", 350233)) == "10207003502332"
    assert str(TransactionNumber.build("13284", 600024)) == "13284006000241"


def test_building_a_transaction_number_checks_its_parts() -> None:
    with pytest.raises(InvalidIdentifier, match="account security number '1020' must be 5 digits"):
        TransactionNumber.build("1020", 1)
    with pytest.raises(
        InvalidIdentifier, match="transaction sequence '100000000' must be from 0 to 99999999"
    ):
        TransactionNumber.build("10207", 100_000_000)
    with pytest.raises(InvalidIdentifier, match="transaction sequence '-1'"):
        TransactionNumber.build("10207", -1)


def test_the_transaction_check_digit_wants_thirteen_digits() -> None:
    with pytest.raises(ValueError, match="13 digits"):
        transaction_check_digit("123")


@given(securities, sequences)
def test_a_built_transaction_number_always_parses_back(security: str, sequence: int) -> None:
    number = TransactionNumber.build(security, sequence)
    assert TransactionNumber.parse(str(number)) == number
    assert (number.security, number.sequence) == (security, sequence)


@given(securities, sequences, st.integers(min_value=0, max_value=13), st.integers(min_value=1, max_value=9))
def test_every_single_digit_error_in_a_transaction_number_is_detected(
    security: str, sequence: int, index: int, step: int
) -> None:
    # Each position adds a bijection of its digit to the sum (d, or 2d with digits summed:
    # 0,2,4,6,8,1,3,5,7,9), so changing any one digit changes the sum mod 10.
    valid = str(TransactionNumber.build(security, sequence))
    wrong = replace_digit(valid, index, (int(valid[index]) + step) % 10)
    with pytest.raises(InvalidIdentifier, match="fails its check digit"):
        TransactionNumber.parse(wrong)


@given(securities, sequences, st.integers(min_value=0, max_value=11))
def test_an_adjacent_swap_in_the_first_13_digits_is_detected_unless_it_swaps_0_and_9(
    security: str, sequence: int, index: int
) -> None:
    # Swapping a, b changes the sum by ±(h(a) - h(b)), where h(d) = doubled(d) - d is d for d ≤ 4 and d + 1
    # for d ≥ 5 (mod 10): h is one-to-one except h(0) = h(9) = 0, exactly Luhn's blind spot.
    valid = str(TransactionNumber.build(security, sequence))
    swapped = swap(valid, index)
    pair = {valid[index], valid[index + 1]}
    if len(pair) == 1 or pair == {"0", "9"}:
        assert TransactionNumber.parse(swapped)  # the same number, or the scheme's blind spot
    else:
        with pytest.raises(InvalidIdentifier):
            TransactionNumber.parse(swapped)


@given(securities, sequences)
def test_swapping_the_check_digit_with_its_neighbour_is_detected_unless_they_differ_by_0_or_5(
    security: str, sequence: int
) -> None:
    # With a at index 12 (weight 1) and check c, the swap is missed iff 2c - a ≡ a (mod 10), i.e. a ≡ c mod 5.
    valid = str(TransactionNumber.build(security, sequence))
    swapped = swap(valid, 12)
    if (int(valid[12]) - int(valid[13])) % 5 == 0:
        assert TransactionNumber.parse(swapped)
    else:
        with pytest.raises(InvalidIdentifier):
            TransactionNumber.parse(swapped)


def test_the_transposition_blind_spot_really_exists() -> None:
    valid = "10207003502332"
    swapped = swap(valid, 3)  # the digits at 3 and 4 are 0 and 7: detected
    with pytest.raises(InvalidIdentifier):
        TransactionNumber.parse(swapped)
    blind = TransactionNumber.build("10907", 0)  # indices 1, 2 hold 0, 9
    assert TransactionNumber.parse(swap(str(blind), 1))


# Cargo control numbers, offices and sub-locations


@pytest.mark.parametrize("text", ["8000X", "1ABC-2024-000123", "ABCD" + "9" * 21])
def test_a_cargo_control_number_starts_with_its_carrier_code(text: str) -> None:
    ccn = CargoControlNumber.parse(text)
    assert (ccn.carrier_code, str(ccn)) == (text[:4], text)


@pytest.mark.parametrize("text", ["ABCD", "ABCD" + "9" * 22, "abcd1234", "AB-D1234", "ABCD 1234", "ABCD_1"])
def test_a_malformed_cargo_control_number_is_refused(text: str) -> None:
    with pytest.raises(InvalidIdentifier) as error:
        CargoControlNumber.parse(text)
    assert message_of(error).startswith(f"CCN '{text}' must be 5 to 25 characters of A-Z, 0-9 and '-'")


def test_an_office_code_keeps_its_leading_zero() -> None:
    assert str(OfficeCode.parse("0453")) == "0453"


@pytest.mark.parametrize("text", ["453", "04530", "04a3"])
def test_office_and_sub_location_codes_are_four_digits(text: str) -> None:
    with pytest.raises(InvalidIdentifier, match=f"office code '{text}' must be 4 digits"):
        OfficeCode.parse(text)
    with pytest.raises(InvalidIdentifier, match=f"sub-location code '{text}' must be 4 digits"):
        SubLocationCode.parse(text)


def test_an_office_code_is_not_equal_to_the_same_digits_as_a_sub_location() -> None:
    sub_location: object = SubLocationCode.parse("0453")
    assert OfficeCode.parse("0453") != sub_location
    assert OfficeCode.parse("0453") == OfficeCode.parse("0453")
    assert len({OfficeCode.parse("0453"), OfficeCode.parse("0453")}) == 1


def test_constructing_an_identifier_directly_is_checked_too() -> None:
    with pytest.raises(InvalidIdentifier):
        TransactionNumber(value="10207003502333")


def test_an_invalid_identifier_is_a_domain_error_that_survives_pickling() -> None:
    error = InvalidIdentifier("CCN", "x", "is bad")
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, InvalidIdentifier)
    assert issubclass(InvalidIdentifier, DomainError)
    assert (str(copy), copy.kind, copy.value, copy.reason) == ("CCN 'x' is bad", "CCN", "x", "is bad")
