"""The XML schemas the gateway ships (package data of the parsers layer): tariff-1.xsd (MIG.md §6)."""
