"""NHS numbers: ten digits, the last a modulus 11 check digit over the first nine (weights 10 down to 2).

A foundation beside ``errors`` and ``files`` rather than part of a package above it: the NHS number is
England's patient identifier, not DICOM (DICOM only carries it, as PatientID or in OtherPatientIDsSequence),
and three layers need the same check: ``dicom.synthetic`` invents valid test numbers, ``deid`` finds numbers
in free text, and the spoke's participants match and enrol by them. The bottom layer is the one place all three
may import from.
"""

from __future__ import annotations


def nhs_number_check_digit(nine_digits: str) -> int | None:
    """The modulus 11 check digit of an NHS number's first nine digits, or None if no valid digit exists."""
    total = sum(int(d) * w for d, w in zip(nine_digits, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(digits: str) -> bool:
    """Ten digits whose last is the check digit of the first nine."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    return nhs_number_check_digit(digits[:9]) == int(digits[9])
