"""Character repertoires and byte decoding per UNB syntax identifier (parsers layer).

ISO 9735 defines each syntax level's repertoire; MIG.md §1 accepts UNOA, UNOB and UNOC, and a character
outside the declared repertoire is code 21. Every codec here is single-byte, so a character's position in
the decoded text is its byte offset in the file, which keeps finding positions exact. Levels the gateway
rejects (UNOD, UNOE...) are still decoded with their own ISO 8859 part so that what is reported reads right;
unknown identifiers decode as ISO 8859-1, which never fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.codes import SyntaxIdentifier

# ISO 9735 level A: A-Z, 0-9, space and . , - ( ) / = plus the service characters ' + : ? and the eight
# characters ! " % & * ; < > that the standard lists as level A but not usable over telex.
LEVEL_A = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-()/='+:?!\"%&*;<>"
# ISO 9735 level B: level A plus the lower-case letters.
LEVEL_B = LEVEL_A + b"abcdefghijklmnopqrstuvwxyz"
# ISO 8859-1 graphic characters (UNOC): 0x20-0x7E and 0xA0-0xFF; controls (C0, DEL, C1) are not.
LATIN_1_GRAPHIC = bytes(range(0x20, 0x7F)) + bytes(range(0xA0, 0x100))

# Well-formed UTF-8 multi-byte sequences. Under UNOC (ISO 8859-1) they decode to mojibake such as "Ã©", which
# is why a UTF-8 file declared UNOC is a finding (code 21) rather than text. Genuine Latin-1 data matching
# this (an accented capital followed by a C1 control or a symbol from 0x80-0xBF) does not occur in practice.
UTF8_SEQUENCE = rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"

_CODECS: dict[str, str] = {
    SyntaxIdentifier.UNOA: "latin_1",  # ASCII subset: bytes above 0x7F are caught by the repertoire check
    SyntaxIdentifier.UNOB: "latin_1",
    SyntaxIdentifier.UNOC: "latin_1",
    SyntaxIdentifier.UNOD: "iso8859_2",
    SyntaxIdentifier.UNOE: "iso8859_5",
    SyntaxIdentifier.UNOF: "iso8859_7",
}
_REPERTOIRES: dict[str, bytes] = {
    SyntaxIdentifier.UNOA: LEVEL_A,
    SyntaxIdentifier.UNOB: LEVEL_B,
    SyntaxIdentifier.UNOC: LATIN_1_GRAPHIC,
}
LINE_BREAKS = b"\r\n"
_CHUNK = 1 << 18


@dataclass(frozen=True, slots=True, kw_only=True)
class Repertoire:
    """What may appear inside segments under one syntax identifier, as byte searches."""

    syntax_identifier: str
    allowed: bytes  # every byte allowed (repertoire, service characters, line breaks)
    invalid: re.Pattern[bytes]  # finds a byte that is not allowed
    utf8: re.Pattern[bytes] | None  # finds a UTF-8 multi-byte sequence (UNOC only)

    def searches(self, data: bytes) -> list[re.Pattern[bytes]]:
        """The searches worth running over `data` (the single-byte one first): C-speed prechecks rule out
        the rest."""
        needed = []
        if any(self._suspect(data, start) for start in range(0, len(data), _CHUNK)):
            needed.append(self.invalid)
        if self.utf8 is not None and not data.isascii():
            needed.append(self.utf8)
        return needed

    def _suspect(self, data: bytes, start: int) -> bool:
        # translate deletes every allowed byte: anything left is suspect. By chunks, as it allocates a
        # buffer the size of its input.
        return bool(data[start : start + _CHUNK].translate(None, self.allowed))


def codec_for(syntax_identifier: str) -> str:
    """The single-byte Python codec to decode an interchange declared with `syntax_identifier`."""
    return _CODECS.get(syntax_identifier, "latin_1")


def repertoire_for(syntax_identifier: str, service_characters: bytes) -> Repertoire | None:
    """The repertoire check for a level the gateway accepts, or None for levels it rejects outright.

    Service characters advised in UNA are allowed whatever the level (e.g. `~` as terminator under UNOA).
    Line breaks are left out of the search: whether one sits between segments (tolerated) or inside a
    segment (code 21) is known only to the tokenizer, which reports the latter itself.
    """
    allowed = _REPERTOIRES.get(syntax_identifier)
    if allowed is None:
        return None
    everything = bytes(sorted(set(allowed + service_characters + LINE_BREAKS)))
    utf8 = re.compile(UTF8_SEQUENCE) if syntax_identifier == SyntaxIdentifier.UNOC else None
    return Repertoire(
        syntax_identifier=syntax_identifier,
        allowed=everything,
        invalid=re.compile(b"[^" + re.escape(everything) + b"]"),
        utf8=utf8,
    )
