"""The code constants against the official UNSL.96B service code list."""

from __future__ import annotations

import re

from parsers.codes import Action, SyntaxErrorCode
from tests.parsers.corpus import EXT

UNSL = EXT / "smooks__smooks-edi-cartridge" / "unece" / "d96b" / "UNSL.96B"


def code_list(number: str) -> dict[str, str]:
    text = UNSL.read_text(encoding="latin_1")
    section = re.split(rf"\n\*? ?\s*{number}\s+", text, maxsplit=1)[1].split("\n" + "\xc4" * 10)[0]
    return dict(re.findall(r"^\s{6,8}(\d+) (\S.*?)\s*$", section, flags=re.MULTILINE))


def test_every_syntax_error_code_is_in_the_unsl_0085_list_under_the_title_its_name_says() -> None:
    titles = code_list("0085")
    assert titles["13"] == "Missing" and titles["29"].startswith("Control count does not match")
    for code in SyntaxErrorCode:
        words = set(code.name.lower().split("_")) - {"not", "in", "of", "this", "to"}
        title = titles[code.value].lower()
        assert any(word[:5] in title for word in words), (code, title)


def test_the_three_action_codes_are_those_of_unsl_0083() -> None:
    titles = code_list("0083")
    assert titles[Action.REJECTED].startswith("This level and all lower levels rejected")
    assert titles[Action.ACKNOWLEDGED].startswith("This level acknowledged")
    assert titles[Action.RECEIVED] == "Interchange received"
