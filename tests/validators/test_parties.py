"""Who files for whom: a registered importer, the sending broker as declarant, and its delegation."""

from __future__ import annotations

from domain.findings import Level, Pointer
from tests.validators.examples import (
    BROKER_BN15,
    IMPORTER,
    ORIGINAL,
    OTHER_IMPORTER,
    OTHER_SENDER,
    SENDER,
    cad,
    context,
)
from validators import catalogue
from validators.context import ImporterFacts
from validators.parties import broker_may_file_for_importer, declarant_is_the_sender, importer_is_registered


def test_a_registered_importer_passes() -> None:
    assert list(importer_is_registered(ORIGINAL, context())) == []


def test_an_importer_the_gateway_does_not_know_is_refused_at_nad_im() -> None:
    [found] = importer_is_registered(cad(importer=OTHER_IMPORTER), context())

    assert found.code == catalogue.IMPORTER_NOT_REGISTERED.code
    assert found.pointer == Pointer(level=Level.HEADER, segment="NAD+IM", element="2")
    assert OTHER_IMPORTER in found.message


def test_the_sending_broker_as_declarant_passes() -> None:
    assert list(declarant_is_the_sender(ORIGINAL, context())) == []


def test_a_declarant_other_than_the_sending_brokers_business_is_refused_at_nad_dt() -> None:
    [found] = declarant_is_the_sender(ORIGINAL, context(broker_bn15="111111118RM0001"))

    assert found.code == catalogue.DECLARANT_NOT_SENDER.code
    assert found.pointer == Pointer(level=Level.HEADER, segment="NAD+DT", element="2")
    assert BROKER_BN15 in found.message and SENDER in found.message


def test_a_broker_with_a_delegation_from_the_importer_may_file() -> None:
    assert list(broker_may_file_for_importer(ORIGINAL, context())) == []


def test_a_broker_without_a_delegation_is_not_authorized_in_cbsas_words() -> None:
    importers = {IMPORTER: ImporterFacts(may_file_by=frozenset({OTHER_SENDER}))}

    [found] = broker_may_file_for_importer(ORIGINAL, context(importers=importers))

    assert found.code == catalogue.BROKER_NOT_AUTHORIZED.code
    assert found.message.startswith("Broker or Agent not authorized to submit declaration")
    assert found.pointer == Pointer(level=Level.HEADER, segment="NAD+IM", element="2")


def test_an_unregistered_importer_is_reported_once_not_also_as_a_missing_delegation() -> None:
    assert list(broker_may_file_for_importer(cad(importer=OTHER_IMPORTER), context())) == []
