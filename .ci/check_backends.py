"""Fail CI unless the suite ran its store tests on both SQLite and PostgreSQL, none of them skipped."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ElementTree


def main(junit_path: str) -> int:
    counts = {"sqlite": [0, 0], "postgresql": [0, 0]}  # ran, skipped
    for case in ElementTree.parse(junit_path).iter("testcase"):
        name = case.get("name", "")
        for backend, tally in counts.items():
            if f"[{backend}" in name or f"-{backend}" in name:
                tally[1 if case.find("skipped") is not None else 0] += 1
    for backend, (ran, skipped) in counts.items():
        print(f"{backend}: {ran} tests ran, {skipped} skipped")
    if counts["postgresql"][0] == 0 or counts["postgresql"][1] or counts["sqlite"][0] == 0:
        print(
            "FAIL: the store tests must run on both SQLite and PostgreSQL with none skipped", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
