"""Rules about who files a CAD for whom (validators layer).

DOMAIN.md "Roles and delegation": only a registered importer RM account may be the importer of a CAD, the
declarant is the broker whose SFTP account sent the file (MIG.md §2, NAD+DT), and a broker files for an
importer only under a delegation from it. The form of both BN15s (check digit, RM program) is the mapper's
(`CAD013`); these rules need the registrations and delegations the shell put in the context.
"""

from __future__ import annotations

from collections.abc import Iterator

from domain.cad import Cad
from domain.findings import Finding
from validators import catalogue
from validators.context import ValidationContext
from validators.report import at_header, finding

IMPORTER_ID = ("NAD+IM", "2")  # NAD C082/3039: the importer's BN15
DECLARANT_ID = ("NAD+DT", "2")  # NAD C082/3039: the declarant's BN15


def importer_is_registered(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """The importer must be an RM account registered with the gateway."""
    if cad.importer not in context.importers:
        message = f"importer {cad.importer} is not a registered import/export (RM) account"
        yield finding(catalogue.IMPORTER_NOT_REGISTERED, message, at_header(*IMPORTER_ID))


def declarant_is_the_sender(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """The declarant must be the BN15 registered for the SFTP account that sent the file."""
    if cad.declarant != context.broker_bn15:
        message = (
            f"declarant {cad.declarant} is not the business of the sending account "
            f"{context.sender_id} ({context.broker_bn15})"
        )
        yield finding(catalogue.DECLARANT_NOT_SENDER, message, at_header(*DECLARANT_ID))


def broker_may_file_for_importer(cad: Cad, context: ValidationContext) -> Iterator[Finding]:
    """The sending broker must hold a delegation from the importer (an unregistered one is CAD101 alone)."""
    importer = context.importers.get(cad.importer)
    if importer is not None and context.sender_id not in importer.may_file_by:
        message = (
            f"Broker or Agent not authorized to submit declaration: importer {cad.importer} has not "
            f"delegated its account to {context.sender_id}"
        )
        yield finding(catalogue.BROKER_NOT_AUTHORIZED, message, at_header(*IMPORTER_ID))
