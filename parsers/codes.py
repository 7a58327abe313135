"""UN/EDIFACT service code lists the parser reports with (parsers layer).

Named constants for the syntax error codes (UNSL data element 0085) that go into CONTRL UCI/UCM/UCS/UCD, the
action codes (0083) that the CONTRL writer sets, the syntax identifiers (0001) and the service segment tags.
Source: UNECE D.96B service code list, `ext/smooks__smooks-edi-cartridge/unece/d96b/UNSL.96B`, and MIG.md §3;
every member cites the code's title there.
"""

from __future__ import annotations

from enum import StrEnum


class SyntaxErrorCode(StrEnum):
    """UNSL 0085 Syntax error, coded (UCI/UCM/UCS/UCD 0085)."""

    UNA_NOT_SUPPORTED = "1"  # 0085/1 UNA not supported
    SYNTAX_NOT_SUPPORTED = "2"  # 0085/2 Syntax version or level not supported
    RECIPIENT_NOT_ACTUAL = "7"  # 0085/7 Interchange recipient not actual recipient
    INVALID_VALUE = "12"  # 0085/12 Invalid value
    MISSING = "13"  # 0085/13 Missing
    VALUE_NOT_SUPPORTED = "14"  # 0085/14 Value not supported in this position
    NOT_SUPPORTED_IN_POSITION = "15"  # 0085/15 Not supported in this position
    TOO_MANY_CONSTITUENTS = "16"  # 0085/16 Too many constituents
    NO_AGREEMENT = "17"  # 0085/17 No agreement
    UNSPECIFIED = "18"  # 0085/18 Unspecified error
    INVALID_DECIMAL_NOTATION = "19"  # 0085/19 Invalid decimal notation
    INVALID_SERVICE_CHARACTER_ADVICE = "20"  # 0085/20 Character invalid as service character
    INVALID_CHARACTER = "21"  # 0085/21 Invalid character(s)
    INVALID_SERVICE_CHARACTER = "22"  # 0085/22 Invalid service character(s)
    UNKNOWN_SENDER = "23"  # 0085/23 Unknown Interchange sender
    TOO_OLD = "24"  # 0085/24 Too old
    TEST_INDICATOR_NOT_SUPPORTED = "25"  # 0085/25 Test indicator not supported
    DUPLICATE = "26"  # 0085/26 Duplicate detected
    SECURITY_NOT_SUPPORTED = "27"  # 0085/27 Security function not supported
    REFERENCES_DO_NOT_MATCH = "28"  # 0085/28 References do not match
    CONTROL_COUNT_MISMATCH = "29"  # 0085/29 Control count does not match number of instances received
    GROUPS_AND_MESSAGES_MIXED = "30"  # 0085/30 Functional groups and messages mixed
    LOWER_LEVEL_EMPTY = "32"  # 0085/32 Lower level empty
    INVALID_OCCURRENCE_OUTSIDE_MESSAGE = (
        "33"  # 0085/33 Invalid occurrence outside message or functional group
    )
    TOO_MANY_SEGMENT_REPETITIONS = "35"  # 0085/35 Too many segment repetitions
    TOO_MANY_GROUP_REPETITIONS = "36"  # 0085/36 Too many segment group repetitions
    INVALID_CHARACTER_TYPE = "37"  # 0085/37 Invalid type of character(s)
    DATA_ELEMENT_TOO_LONG = "39"  # 0085/39 Data element too long
    DATA_ELEMENT_TOO_SHORT = "40"  # 0085/40 Data element too short


class Action(StrEnum):
    """UNSL 0083 Action, coded (UCI/UCM 0083): the three MIG.md §3 uses."""

    REJECTED = "4"  # 0083/4 This level and all lower levels rejected
    ACKNOWLEDGED = (
        "7"  # 0083/7 This level acknowledged, next lower level acknowledged if not explicitly rejected
    )
    RECEIVED = "8"  # 0083/8 Interchange received (MIG.md: answer to a duplicate)


class SyntaxIdentifier(StrEnum):
    """UNSL 0001 Syntax identifier (UNB S001/0001) values the gateway knows by name."""

    UNOA = "UNOA"  # 0001 UN/ECE level A (ISO 9735 level A: upper case, digits, a few punctuation marks)
    UNOB = "UNOB"  # 0001 UN/ECE level B (level A plus lower case)
    UNOC = "UNOC"  # 0001 UN/ECE level C (ISO 8859-1, Latin alphabet No. 1)
    UNOD = "UNOD"  # 0001 UN/ECE level D (ISO 8859-2)
    UNOE = "UNOE"  # 0001 UN/ECE level E (ISO 8859-5)
    UNOF = "UNOF"  # 0001 UN/ECE level F (ISO 8859-7)


# Service segment tags (ISO 9735): the interchange envelope, functional groups, messages, service advice.
UNA = "UNA"  # service string advice
UNB = "UNB"  # interchange header
UNG = "UNG"  # functional group header
UNH = "UNH"  # message header
UNT = "UNT"  # message trailer
UNE = "UNE"  # functional group trailer
UNZ = "UNZ"  # interchange trailer

CONTRL = "CONTRL"  # UNH S009/0065 message type of the syntax and service report message
TEST_INDICATOR_ON = "1"  # UNB 0035 Test indicator: 1 = interchange is a test
