"""The tariff XML feed: the schema with line numbers, a locked-down parser, the round trip, and the fixture
tariff built from the real CBSA rows (every printed rate form read into the right decimals)."""

from __future__ import annotations

import importlib.util
from datetime import date, timedelta
from decimal import Decimal
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.tariff import Rate, RateForm, TariffEdition, TariffItem, Treatment
from parsers.errors import TariffFeedError
from parsers.tariff_xml import parse_tariff, render_tariff
from tests.conftest import REPO, SHARED

D = Decimal
FIXTURES = REPO / "fixtures" / "reference"
MIG_EXAMPLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<tariff xmlns="urn:carm-gateway:tariff:1" edition="T2026" sequence="1" effective="2026-01-01">
  <treatment code="2" name="MFN"/>
  <treatment code="10" name="UST"><country>US</country></treatment>
  <treatment code="31" name="CEUT"><country>FR</country><country>DE</country></treatment>
  <item number="6109100011" uom="NMB" effective="2026-01-01">
    <description>T-shirts, of cotton, for men or boys</description>
    <rate treatment="2" adValorem="18"/>
    <rate treatment="10" free="true"/>
  </item>
  <item number="0406909900" uom="KGM" effective="2026-01-01" expires="2027-01-01">
    <description>Other cheese, over access commitment</description>
    <rate treatment="2" adValorem="245.5" minimum="4.52"/>
    <rate treatment="10" adValorem="245.5" minimum="4.52"/>
  </item>
</tariff>
"""


def refusal(data: bytes) -> str:
    with pytest.raises(TariffFeedError) as caught:
        parse_tariff(data)
    return str(caught.value)


def test_the_example_of_mig_section_6_is_read_into_an_edition() -> None:
    edition = parse_tariff(MIG_EXAMPLE)
    assert (edition.edition, edition.sequence, edition.effective) == ("T2026", 1, date(2026, 1, 1))
    assert edition.treatments[2] == Treatment(code="31", name="CEUT", countries=frozenset({"FR", "DE"}))
    cheese = edition.items[1]
    assert cheese.expires == date(2027, 1, 1)
    assert cheese.rates[0] == Rate(treatment="2", ad_valorem=D("245.5"), minimum=D("4.52"))
    assert edition.items[0].rates[1] == Rate(treatment="10", free=True)


def test_a_value_the_schema_refuses_is_reported_with_its_line() -> None:
    message = refusal(MIG_EXAMPLE.replace(b'adValorem="18"', b'adValorem="1x"'))
    assert message.startswith("line 8: Element 'rate', attribute 'adValorem': '1x' is not a valid value")
    unknown = MIG_EXAMPLE.replace(b'treatment="10" adValorem="245.5" minimum="4.52"', b'treatment="10" x="1"')
    assert refusal(unknown) == "line 14: Element 'rate', attribute 'x': The attribute 'x' is not allowed."


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        ((b'treatment="10" free', b'treatment="11" free'), 9, "keyref"),  # a treatment the edition lacks
        ((b'sequence="1"', b'sequence="0"'), 2, "sequence"),
        (
            (b'effective="2026-01-01">\n    <description>T', b'effective="2026-02-30">\n    <description>T'),
            6,
            "Date",
        ),
        ((b'adValorem="18"', b'adValorem="18.12345"'), 8, "adValorem"),  # more places than the store keeps
        ((b'adValorem="18"', b'adValorem="+18"'), 8, "adValorem"),
        ((b"<country>US</country>", b"<country>USA</country>"), 4, "country"),
        ((b'number="6109100011"', b'number="610910001"'), 6, "number"),
    ],
)
def test_the_schema_refuses_what_mig_section_6_does_not_allow(
    change: tuple[bytes, bytes], line: int, words: str
) -> None:
    message = refusal(MIG_EXAMPLE.replace(*change))
    assert message.startswith(f"line {line}: ") and words in message


@pytest.mark.parametrize(
    ("rate", "words"),
    [
        (b'<rate treatment="2" free="true" adValorem="5"/>', "a rate cannot be free+adValorem"),
        (b'<rate treatment="2" adValorem="5" maximum="1"/>', "a rate cannot be adValorem+maximum"),
        (b'<rate treatment="2"/>', "a rate cannot be empty"),
        (b'<rate treatment="2" adValorem="5" minimum="2" maximum="1"/>', "below minimum"),
    ],
)
def test_a_rate_that_is_none_of_the_forms_is_refused_with_its_line(rate: bytes, words: str) -> None:
    message = refusal(MIG_EXAMPLE.replace(b'<rate treatment="2" adValorem="18"/>', rate))
    assert message.startswith("line 8: ") and words in message


def test_overlapping_rates_are_refused_naming_the_item_s_line() -> None:
    twice = b'<rate treatment="10" free="true"/>\n    <rate treatment="10" adValorem="1"/>'
    message = refusal(MIG_EXAMPLE.replace(b'<rate treatment="10" free="true"/>', twice, 1))
    assert message == "line 6: item 6109100011 has overlapping rates for treatment 10."


@pytest.mark.parametrize(
    ("data", "start"),
    [
        (b"", "The tariff file is empty."),
        (b"  \n", "The tariff file is empty."),
        (MIG_EXAMPLE[:700], "line "),  # cut off in the middle: not well-formed
        (b"<tariff", "line 1: "),
        (
            b'<tariff xmlns="urn:carm-gateway:tariff:1" edition="T" sequence="1" effective="2026-01-01">'
            b'<treatment code="2" name="MFN"/></tariff>',
            "line 1: Element 'tariff': Missing child element(s)",  # no item: an empty edition
        ),
        (b'<tariff xmlns="urn:other" edition="T"/>', "line 1: Element '{urn:other}tariff'"),
    ],
)
def test_an_empty_partial_or_foreign_file_is_refused(data: bytes, start: str) -> None:
    assert refusal(data).startswith(start)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE tariff [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<tariff xmlns="urn:carm-gateway:tariff:1" edition="&lol9;" sequence="1" effective="2026-01-01"/>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE tariff [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<tariff xmlns="urn:carm-gateway:tariff:1" edition="T" sequence="1" effective="2026-01-01">
  <treatment code="2" name="MFN"/>
  <item number="0101210000" effective="2026-01-01"><description>&secret;</description></item>
</tariff>
"""
EXTERNAL_DTD = b'<?xml version="1.0"?>\n<!DOCTYPE tariff SYSTEM "http://127.0.0.1:9/evil.dtd">\n<tariff/>'


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
        EXTERNAL_DTD,
        EXTERNAL_ENTITY.decode()
        .replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
        .encode("utf-16"),
    ],
    ids=["billion-laughs", "external-entity", "external-dtd", "utf-16-doctype"],
)
def test_a_doctype_is_refused_outright_so_no_entity_is_ever_expanded(data: bytes) -> None:
    message = refusal(data)
    assert "a DOCTYPE is not allowed" in message
    assert message.startswith("line 2: ") or message.startswith("line 1: ")
    assert "root:" not in message and "lol" not in message


# --- the round trip -------------------------------------------------------------------------------------

TREATMENTS = (Treatment(code="2", name="MFN"), Treatment(code="10", name="UST", countries=frozenset({"US"})))
percents = st.decimals(min_value=0, max_value=D("99999.9999"), places=4)
per_unit = st.decimals(min_value=0, max_value=D("99999999.999999"), places=6)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1))


@st.composite
def rates(draw: st.DrawFn, treatment: str) -> Rate:
    form = draw(st.sampled_from(list(RateForm)))
    if form is RateForm.FREE:
        return Rate(treatment=treatment, free=True)
    ad_valorem = None if form is RateForm.SPECIFIC else draw(percents)
    specific = draw(per_unit) if form in (RateForm.SPECIFIC, RateForm.COMPOUND) else None
    low, high = sorted((draw(per_unit), draw(per_unit)))
    minimum = low if form in (RateForm.MINIMUM, RateForm.MINIMUM_MAXIMUM) else None
    maximum = high if form is RateForm.MINIMUM_MAXIMUM else None
    effective = draw(st.none() | days)
    return Rate(
        treatment=treatment, ad_valorem=ad_valorem, specific=specific, minimum=minimum, maximum=maximum,
        effective=effective,
    )  # fmt: skip


@st.composite
def items(draw: st.DrawFn, number: str) -> TariffItem:
    effective = draw(days)
    expires = draw(
        st.none() | st.integers(min_value=1, max_value=5000).map(lambda n: effective + timedelta(n))
    )
    text = st.text(
        st.characters(codec="utf-8", categories=("L", "N", "P", "Zs", "Sc")), min_size=1, max_size=40
    )
    description = draw(text.filter(lambda t: t.strip()))
    treatments = draw(st.sets(st.sampled_from(["2", "10"])))
    return TariffItem(
        number=number, uom="KGM", description=description, effective=effective, expires=expires,
        rates=tuple(draw(rates(code)) for code in sorted(treatments)),
    )  # fmt: skip


@st.composite
def editions(draw: st.DrawFn) -> TariffEdition:
    numbers = draw(st.lists(st.from_regex(r"[0-9]{10}", fullmatch=True), min_size=1, max_size=4, unique=True))
    return TariffEdition(
        edition=draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}", fullmatch=True)),
        sequence=draw(st.integers(min_value=1, max_value=999_999_999)),
        effective=draw(days),
        treatments=TREATMENTS,
        items=tuple(draw(items(number)) for number in numbers),
    )


@settings(max_examples=150)
@given(editions())
def test_an_edition_rendered_to_xml_is_read_back_unchanged(edition: TariffEdition) -> None:
    assert parse_tariff(render_tariff(edition, comment=" round trip ")) == edition


# --- the fixture tariff: every real row, every printed form -----------------------------------------------


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_fixtures", FIXTURES / "build_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_checked_in_fixture_files_are_what_the_generator_builds() -> None:
    built: dict[str, bytes] = generator().build_files(SHARED / "reference")
    assert sorted(built) == sorted(
        [
            "tariff-T2026-2.xml",
            "tariff-T2026-2-backdated.xml",
            "exchange-rates-2025.csv",
            "interest-rates.csv",
        ]
    )
    for name, content in built.items():
        assert (FIXTURES / name).read_bytes() == content, (
            f"{name} is stale: run fixtures/reference/build_fixtures.py"
        )


def fixture_item(number: str) -> TariffItem:
    found = {item.number: item for item in parse_tariff((FIXTURES / "tariff-T2026-2.xml").read_bytes()).items}
    return found[number]


def test_the_fixture_tariff_holds_every_real_row_as_edition_t2026_2_from_september_2026() -> None:
    real = parse_tariff((FIXTURES / "tariff-T2026-2.xml").read_bytes())
    backdated = parse_tariff((FIXTURES / "tariff-T2026-2-backdated.xml").read_bytes())
    rows = (
        (SHARED / "reference" / "customs-tariff-sample.csv")
        .read_text(encoding="utf-8")
        .count("T2026-2,https")
    )
    assert (real.edition, real.sequence, real.effective) == ("T2026-2", 1, date(2026, 9, 1))
    assert len(real.items) == rows == 349
    assert (backdated.edition, backdated.effective) == ("T2026-2-FIXTURE", date(2024, 1, 1))
    assert [(i.number, i.rates) for i in backdated.items] == [(i.number, i.rates) for i in real.items]
    assert {i.effective for i in backdated.items} == {date(2024, 1, 1)}


R = Rate
FIXTURE_RATES = [
    ("0406209120", "2", R(treatment="2", specific=D("0.0332"))),  # 3.32¢/kg
    ("0408992000", "2", R(treatment="2", specific=D("1.52"))),  # $1.52/kg
    ("1702901100", "2", R(treatment="2", specific=D("11.99"))),  # $11.99/tonne (uom TNE)
    ("1702901100", "33", R(treatment="33", specific=D("2.18"))),  # CPTPT $2.18/tonne
    ("1702902900", "35", R(treatment="35", specific=D("0.0038"))),  # CPUKT 0.38¢/kg
    ("2208600000", "2", R(treatment="2", specific=D("0.1228"))),  # 12.28¢/litre of absolute ethyl alcohol
    ("2208600000", "9", R(treatment="9", specific=D("0.06"))),  # GPT 6¢/litre of absolute ethyl alcohol
    ("0406901200", "2", R(treatment="2", ad_valorem=D("245.5"), minimum=D("3.53"))),
    ("0207279100", "2", R(treatment="2", ad_valorem=D("5"), minimum=D("0.0474"), maximum=D("0.0948"))),
    ("1901901200", "2", R(treatment="2", ad_valorem=D("17"), specific=D("0.1978"))),  # 19.78¢/kg plus 17%
    ("1901901200", "33", R(treatment="33", ad_valorem=D("3"), specific=D("0.0359"))),
    ("0207410000", "9", R(treatment="9", ad_valorem=D("5"))),  # "...: Free GPT 5%"
    ("6109100022", "4", R(treatment="4", ad_valorem=D("11"))),  # "AUT 11%, NZT 11%"
    ("6301400000", "9", R(treatment="9", ad_valorem=D("12"))),  # "AUT 12.5%, NZT 12.5%, GPT 12%"
    ("6301400000", "5", R(treatment="5", ad_valorem=D("12.5"))),
    ("6301400000", "2", R(treatment="2", ad_valorem=D("17"))),
    ("0202302010", "10", R(treatment="10", free=True)),
    ("0202302010", "35", None),  # CPUKT N/A
    ("0406901200", "10", None),  # over access: only MFN printed
    ("1702902100", "2", None),  # MFN N/A
    ("1702902100", "25", R(treatment="25", free=True)),  # "PT, HNT: Free"
]


@pytest.mark.parametrize(("number", "treatment", "expected"), FIXTURE_RATES)
def test_every_printed_rate_form_of_the_fixture_reads_as_the_right_decimals(
    number: str, treatment: str, expected: Rate | None
) -> None:
    found = fixture_item(number).rate_for(treatment, date(2026, 9, 1))
    assert found == expected
    if expected is not None and found is not None:
        assert [str(v) for v in found.parts()] == [str(v) for v in expected.parts()]


def test_units_of_measure_are_kept_as_the_tariff_prints_them() -> None:
    assert [fixture_item(n).uom for n in ("1702901100", "2208600000", "0101210000", "2009791110")] == [
        "TNE",
        "LPA",
        "NMB",
        "LTR",
    ]


cents = st.decimals(min_value=D("0.01"), max_value=D("9999.99"), places=2)


@given(cents, st.sampled_from([("kg", "KGM"), ("tonne", "TNE"), ("litre of absolute ethyl alcohol", "LPA")]))
def test_a_printed_amount_in_cents_is_the_same_amount_in_dollars_per_unit(
    amount: Decimal, unit: tuple[str, str]
) -> None:
    build = generator()
    in_cents = build.read_rate(f"{amount}¢/{unit[0]}", "2", unit[1], "test")
    in_dollars = build.read_rate(f"${amount / 100}/{unit[0]}", "2", unit[1], "test")
    assert in_cents == in_dollars == Rate(treatment="2", specific=amount / 100)


@given(
    percents.filter(lambda p: p > 0),
    st.lists(st.sampled_from(["GPT", "AUT", "NZT", "UST"]), min_size=1, unique=True),
)
def test_a_preferential_text_reads_back_every_group_printed(percent: Decimal, names: list[str]) -> None:
    build = generator()
    text = "CCCT, LDCT: Free " + ", ".join(f"{name} {percent.normalize():f}%" for name in names)
    rates_read = build.read_preferential(text, "KGM", "test")
    assert [r.treatment for r in rates_read] == ["7", "8", *(build.CODES[n] for n in names)]
    assert all(r.ad_valorem == percent for r in rates_read[2:])


@pytest.mark.parametrize("text", ["5 percent", "$1.52/hl", "3.32¢/kg plus", "Free or 5%", "$1.52/tonne"])
def test_a_rate_text_the_generator_cannot_read_is_its_error_never_a_guess(text: str) -> None:
    build = generator()
    with pytest.raises(build.FixtureError):
        build.read_rate(text, "2", "KGM", "test")  # $1.52/tonne: not the item's unit (KGM)


@pytest.mark.parametrize(
    "text", ["Free GPT", "CCCT: Free GPT 5% GPT 6%", "XYZT: Free", "MFN: Free", "UST: Free and more"]
)
def test_a_preferential_text_the_generator_cannot_read_is_its_error_never_a_guess(text: str) -> None:
    build = generator()
    with pytest.raises(build.FixtureError):
        build.read_preferential(text, "KGM", "test")
