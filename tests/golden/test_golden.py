"""Golden samples: every file of fixtures/edi_samples through the real pipeline, on SQLite and PostgreSQL.

For each sample of `fixtures/edi_samples/manifest.toml`, in a fresh store: register the broker, importers,
fixture tariff and 2025 exchange rates; upload and process the files the manifest lists in `after`; upload
and process the sample on its business date; then compare the CONTRL and CUSRES byte for byte with the
goldens beside the sample (`<name>.contrl.edi`, `<name>.cusres.edi`), and check them against the manifest
as well - outcome, UCI action, every CONTRL error code, each CUSRES message's response type, ERC codes and
TOT, the importer's balance - so a golden cannot silently encode a wrong answer. The ledger must verify
after every sample, and a sample that is rejected, a duplicate or ignored must post nothing.

`CARM_UPDATE_GOLDEN=1` writes the goldens instead of comparing them (the manifest is still checked); read
every golden it changed before committing it (fixtures/edi_samples/README.md).
"""

from __future__ import annotations

import difflib
import os
import warnings
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.bootstrap import System
from mappers.codes import CUSDEC_MAPPING
from parsers.codes import SyntaxErrorCode
from tests.conftest import Store
from tests.golden.samples import (
    Processed,
    Sample,
    balance,
    golden_files,
    journal_state,
    load_manifest,
    process,
    read_contrl,
    read_cusres,
    register,
    sample_files,
)
from validators.catalogue import CAD_VALIDATION

UPDATE = os.environ.get("CARM_UPDATE_GOLDEN") == "1"
MANIFEST = load_manifest()
NOTHING_POSTED = frozenset({"rejected", "duplicate", "ignored"})
_written: dict[Path, bytes | None] = {}  # update mode: what this session wrote, so both stores must agree


@pytest.mark.parametrize("name", sorted(MANIFEST.samples))
def test_the_gateway_answers_each_sample_as_its_goldens_and_the_manifest_say(
    name: str, system: System, store: Store
) -> None:
    sample = MANIFEST.samples[name]
    register(system, (*sample.after, name))
    for prerequisite in sample.after:
        done = process(system, prerequisite, MANIFEST.samples[prerequisite].date)
        assert done.outcome == "accepted", (
            f"prerequisite {prerequisite} came to {done.outcome} ({done.last_error})"
        )
    entries_before, _ = journal_state(system)
    result = process(system, name, sample.date)
    bug = sample.known_bug.get(store.backend)
    if bug is None:
        check_answer(sample, result, system, entries_before)
    else:
        check_still_wrong(sample, result, system, entries_before, f"{store.backend}: {bug}")


def check_answer(sample: Sample, result: Processed, system: System, entries_before: int) -> None:
    assert result.outcome is not None, f"{sample.name} was not answered: {result.last_error}"
    if UPDATE:
        update_goldens(sample, result)
    check_manifest(sample, result, system, entries_before)
    if not UPDATE:
        compare_goldens(sample, result)


def check_still_wrong(
    sample: Sample, result: Processed, system: System, entries_before: int, bug: str
) -> None:
    """A known gateway bug (manifest `known_bug`): the answer must still contradict the manifest on this
    store, so that the fix shows up as a failure asking to remove the entry. No golden is written from it."""
    try:
        assert result.outcome is not None, f"not answered: {result.last_error}"
        check_manifest(sample, result, system, entries_before)
    except AssertionError as wrong:
        first = (str(wrong) or "assertion failed").splitlines()[0]
        warnings.warn(f"{sample.name}, known gateway bug on {bug} ({first})", stacklevel=1)
        return
    pytest.fail(f"{sample.name} is answered as the manifest says: remove its known_bug entry ({bug})")


def check_manifest(sample: Sample, result: Processed, system: System, entries_before: int) -> None:
    assert result.outcome == sample.outcome
    responses = result.responses
    if sample.uci is None:
        assert "contrl" not in responses, "the manifest expects no CONTRL"
    else:
        contrl = read_contrl(responses["contrl"])
        assert (contrl.action, sorted(contrl.codes)) == (sample.uci, sorted(sample.contrl)), "CONTRL"
    if not sample.cusres:
        assert "cusres" not in responses, "the manifest expects no CUSRES"
    else:
        messages = read_cusres(responses["cusres"])
        assert tuple(m.status for m in messages) == sample.cusres, "CUSRES response types"
        assert sorted({code for m in messages for code in m.errors}) == sorted(sample.erc), "CUSRES ERC codes"
        for message in messages:
            assert (message.status == "RE") == bool(message.errors), "errors exactly on rejected CADs"
        if sample.tot is not None:
            assert tuple(m.total for m in messages if m.status != "RE") == sample.tot, "CUSRES TOT"
    if sample.balance is not None:
        assert balance(system) == Decimal(sample.balance), "importer balance"
    entries_after, fault = journal_state(system)
    assert fault is None, f"ledger verify: {fault}"
    if sample.outcome in NOTHING_POSTED:
        assert entries_after == entries_before, "a rejected, duplicate or ignored file posted"


def compare_goldens(sample: Sample, result: Processed) -> None:
    for kind in ("contrl", "cusres"):
        golden, produced = sample.golden(kind), result.responses.get(kind)
        if produced is None:
            assert not golden.exists(), f"{golden.name} exists but no {kind} was sent"
            continue
        assert golden.exists(), f"{golden.name} is missing: run with CARM_UPDATE_GOLDEN=1, then read it"
        expected = golden.read_bytes()
        assert produced == expected, f"{golden.name} differs:\n{segment_diff(expected, produced)}"


def update_goldens(sample: Sample, result: Processed) -> None:
    for kind in ("contrl", "cusres"):
        golden, produced = sample.golden(kind), result.responses.get(kind)
        if golden in _written:
            assert _written[golden] == produced, f"{golden.name}: the two stores answered differently"
            continue
        _written[golden] = produced
        if produced is None:
            golden.unlink(missing_ok=True)
        elif not golden.exists() or golden.read_bytes() != produced:
            golden.write_bytes(produced)


def segment_diff(expected: bytes, produced: bytes) -> str:
    def lines(data: bytes) -> list[str]:
        return data.decode("latin_1").replace("'", "'\n").splitlines()

    return "\n".join(
        difflib.unified_diff(lines(expected), lines(produced), "golden", "produced", lineterm="")
    )


# ----------------------------------------------------------------------------------- the set of samples


def test_every_sample_file_is_in_the_manifest_and_every_entry_has_its_file() -> None:
    files, listed = sample_files(), set(MANIFEST.samples)
    assert sorted(files - listed) == [], "sample files missing from manifest.toml"
    assert sorted(listed - files) == [], "manifest entries without their file"


def test_every_golden_file_belongs_to_a_sample() -> None:
    owners = {
        sample.golden(kind): name
        for name, sample in MANIFEST.samples.items()
        for kind in ("contrl", "cusres")
    }
    assert sorted(p.name for p in golden_files() if p not in owners) == []


def test_prerequisites_are_samples_of_the_manifest() -> None:
    for name, sample in MANIFEST.samples.items():
        for prerequisite in sample.after:
            assert prerequisite in MANIFEST.samples, (
                f"{name}: prerequisite {prerequisite} is not in the manifest"
            )


def test_every_catalogue_code_is_expected_by_a_sample_or_proven_untriggerable() -> None:
    catalogue = {entry.code for entry in CUSDEC_MAPPING} | {entry.code for entry in CAD_VALIDATION}
    expected = {code for sample in MANIFEST.samples.values() for code in sample.erc}
    untriggerable = set(MANIFEST.untriggerable)
    assert sorted(expected - catalogue) == [], "the manifest expects codes the catalogue does not have"
    assert sorted(untriggerable - catalogue) == [], "untriggerable codes the catalogue does not have"
    assert sorted(untriggerable & expected) == [], "a code listed as untriggerable is expected by a sample"
    assert sorted(catalogue - expected - untriggerable) == [], "catalogue codes without a sample"


def test_every_syntax_error_code_is_expected_by_a_sample_or_explained_as_never_sent() -> None:
    unsl = {code.value for code in SyntaxErrorCode}
    expected = {code for sample in MANIFEST.samples.values() for code in sample.contrl}
    not_emitted = set(MANIFEST.not_emitted)
    assert sorted(expected - unsl) == [], "the manifest expects codes parsers.codes does not have"
    assert sorted(not_emitted - unsl) == []
    assert sorted(not_emitted & expected) == [], "a code listed as never sent is expected by a sample"
    assert sorted(unsl - expected - not_emitted, key=int) == [], "syntax error codes without a sample"
