"""Brokers, keys, importers and delegations."""

from __future__ import annotations

import pytest

from gateway.bootstrap import System
from ledger.errors import AlreadyExists, NotFound


def register(system: System) -> None:
    with system.unit_of_work() as uow:
        uow.parties.add_broker(sender_id="BROKERA", bn15="100000009RM0001", name="A")
        uow.parties.add_broker(sender_id="BROKERB", bn15="200000008RM0001", name="B")
        uow.parties.add_importer(bn15="123456782RM0001", name="Importer", province="ON")
        uow.commit()


def test_a_broker_registered_twice_is_refused(system: System) -> None:
    register(system)
    with pytest.raises(AlreadyExists, match="BROKERA"), system.unit_of_work() as uow:
        uow.parties.add_broker(sender_id="BROKERA", bn15="100000009RM0001", name="again")


def test_a_delegation_to_an_unknown_broker_names_it(system: System) -> None:
    register(system)
    with pytest.raises(NotFound, match="NOBODY"), system.unit_of_work() as uow:
        uow.parties.delegate("123456782RM0001", "NOBODY", receives_statements=False)


def test_an_importer_has_one_statements_recipient_at_most(system: System) -> None:
    register(system)
    with system.unit_of_work() as uow:
        uow.parties.delegate("123456782RM0001", "BROKERA", receives_statements=True)
        uow.parties.delegate("123456782RM0001", "BROKERB", receives_statements=True)
        uow.commit()
    with system.unit_of_work() as uow:
        delegations = uow.parties.delegations_of("123456782RM0001")
    assert [(d.sender_id, d.may_file, d.receives_statements) for d in delegations] == [
        ("BROKERA", True, False),
        ("BROKERB", True, True),
    ]


def test_a_key_is_registered_once(system: System) -> None:
    register(system)
    key = {"key_type": "ssh-ed25519", "key_data": "AAAA", "fingerprint": "SHA256:x", "comment": ""}
    with system.unit_of_work() as uow:
        uow.parties.add_key("BROKERA", **key)
        uow.commit()
    with pytest.raises(AlreadyExists), system.unit_of_work() as uow:
        uow.parties.add_key("BROKERB", **key)
    with system.unit_of_work() as uow:
        assert uow.parties.keys_of("BROKERA") == [("ssh-ed25519", "AAAA")]
        assert uow.parties.keys_of("BROKERB") == []
