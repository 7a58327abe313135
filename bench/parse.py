"""Parser benchmark: `parse_interchange` against pydifact on realistic CUSDEC interchanges (bench tooling).

Generates 5 MB and 50 MB UNOC:3 interchanges of CAD messages following MIG.md §2 (header, 1-8 commercial
invoice lines each, summary; some free-text descriptions carry released `?'`, `?+`, `?:`, `??`), one segment
per line. Reports, as the median of several runs: our parse (envelope and character checks, segments built
on access) alone and followed by building every segment; pydifact 0.2.3 `Interchange.from_str` (+
`get_messages()`) on the same bytes, decoded beforehand in its favour. pydifact on 50 MB would take
minutes, so by default it is measured on a 5 MB interchange from the same generator and its rate
extrapolated (said so in the output). Peak memory is measured in a fresh subprocess per size, with
tracemalloc (Python allocations, the input bytes included) and peak RSS growth (VmHWM).

    .venv/bin/python bench/parse.py               # print the table
    .venv/bin/python bench/parse.py --write       # also record it in docs/BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.machine import machine, peak_rss  # noqa: E402
from parsers.envelope import parse_interchange  # noqa: E402

MB = 1_000_000
SIZES = (5 * MB, 50 * MB)
DESCRIPTIONS = (
    "MEN?'S COTTON T-SHIRTS, KNITTED",
    "WOMEN?'S BLOUSES OF SILK",
    "BOLTS?+NUTS, STEEL, M8",
    "RATIO 1?:2 CONCENTRATE",
    "CHEDDAR CHEESE 40?? FAT",
    "LED LAMPS 9 W, E26 BASE",
    "ROASTED COFFEE, NOT DECAFFEINATED",
    "WINE IN CONTAINERS OF 2 L OR LESS",
    "PARTS FOR BICYCLES: HUBS",
    "CERAMIC TABLEWARE, PORCELAIN",
)
CLASSIFICATIONS = ("6109100011", "6206100000", "7318160090", "2106909990", "0406909900", "8539520000")


def generate_cusdec(size: int, *, seed: int = 2026) -> bytes:
    """A UNOC:3 interchange of CAD messages (MIG.md §1-2) of at least `size` bytes."""
    rng = random.Random(seed)
    parts = ["UNA:+.? '\n", "UNB+UNOC:3+BROKER01:ZZZ+CARM:ZZZ+261120:1430+BENCH0000001++CAD'\n"]
    total, count = sum(map(len, parts)), 0
    while total < size:
        count += 1
        message = _message(rng, count)
        parts.append(message)
        total += len(message)
    parts.append(f"UNZ+{count}+BENCH0000001'\n")
    return "".join(parts).encode("latin_1")


def _message(rng: random.Random, number: int) -> str:
    body = [
        f"BGM+929:::AB+{10_000_000_000_000 + number}:00001+9'",
        "LOC+22+0497'",
        "DTM+204:20261120:102'",
        "DTM+137:202611201430:203'",
        f"RFF+CN:8000ABC{number:09d}'",
        f"RFF+ABE:FILE-{number}'",
        "TDT+20++3'",
        "NAD+IM+123456789RM0001::ZZZ'",
        "NAD+DT+987654321RM0001::ZZZ'",
        "UNS+D'",
    ]
    lines = rng.randint(1, 8)
    for line in range(1, lines + 1):
        body += _line(rng, line)
    body += ["UNS+S'", f"CNT+5:{lines}'", "TAX+9+CUD'", f"MOA+161:{rng.randint(0, 99999) / 100:.2f}'"]
    segments = [f"UNH+{number}+CUSDEC:D:16A:UN:CAD10'", *body, f"UNT+{len(body) + 2}+{number}'"]
    return "\n".join(segments) + "\n"


def _line(rng: random.Random, line: int) -> list[str]:
    value = rng.randint(100, 999_999) / 100
    return [
        f"CST+{line}+{rng.choice(CLASSIFICATIONS)}'",
        f"FTX+AAA+++{rng.choice(DESCRIPTIONS)}'",
        f"LOC+27+{rng.choice(('US', 'CN', 'MX', 'FR', 'DE'))}'",
        "DTM+11:20261115:102'",
        f"MEA+AAE++NMB:{rng.randint(1, 5000)}'",
        f"MOA+40:{value:.2f}:USD'",
        f"RFF+IV:INV-2026-{rng.randint(1, 9999):04d}:{line}'",
        "TAX+5+CUD+++10'",
        "MOA+55:0.00'",
        "TAX+7+GST+++'",
        f"MOA+124:{value * 0.05:.2f}'",
    ]


NOTES = """\
`parse_interchange` tokenizes the whole file and runs every envelope and character check, but builds a
`Segment` only when one is read (`Message.segments` is lazy), so its figures are given twice: parsing alone
("parse"), and parsing then reading every segment of every message ("parse + build every segment", what a
mapper does), to compare with pydifact's `Interchange.from_str` + `get_messages()`, which builds them all.
Input: UNOC:3 interchanges of CAD messages (MIG.md §2), one to eight lines each, one segment per line, some
free text with released characters. Peak memory is measured in a fresh interpreter that reads the file.
"""


def _median_seconds(action: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def _parse(data: bytes) -> int:
    interchange = parse_interchange(data, expected_sender="BROKER01")
    assert interchange.accepted and all(m.accepted for m in interchange.messages), "benchmark input rejected"
    return sum(len(m.segments) for m in interchange.messages) + 2


def _parse_and_build(data: bytes) -> int:
    interchange = parse_interchange(data, expected_sender="BROKER01")
    return sum(1 for m in interchange.messages for _ in m.segments) + 2


def _pydifact(text: str) -> int:
    from pydifact.segmentcollection import Interchange

    interchange = Interchange.from_str(text)
    return sum(len(m.segments) + 2 for m in interchange.get_messages()) + 2


def measure_speed(data: bytes, runs: int, pydifact_size: int) -> dict[str, float]:
    size = len(data)
    segments = _parse(data)
    ours = _median_seconds(lambda: _parse(data), runs)
    built = _median_seconds(lambda: _parse_and_build(data), runs)
    sample = data if pydifact_size >= size else generate_cusdec(pydifact_size)
    text = sample.decode("latin_1")
    theirs = _median_seconds(lambda: _pydifact(text), max(1, runs // 2))
    return {
        "bytes": len(data),
        "segments": segments,
        "ours_s": ours,
        "built_s": built,
        "pydifact_bytes": len(sample),
        "pydifact_segments": _pydifact(text),
        "pydifact_s": theirs,
    }


def measure_memory(path: Path) -> dict[str, float]:
    """Run in a fresh interpreter: peak Python allocations and RSS growth while reading the file and parsing
    it, then while walking every segment (the input bytes are counted in both)."""
    rss_before = peak_rss()
    tracemalloc.start()
    data = path.read_bytes()
    interchange = parse_interchange(data, expected_sender="BROKER01")
    traced_parse = tracemalloc.get_traced_memory()[1]
    rss_parse = peak_rss()
    tracemalloc.reset_peak()
    for message in interchange.messages:
        for _ in message.segments:
            pass
    traced_walk = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"bytes": len(data), "traced_parse": traced_parse, "traced_walk": traced_walk,
            "rss_growth": rss_parse - rss_before}  # fmt: skip


def _memory_in_subprocess(data: bytes) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "interchange.edi"
        path.write_bytes(data)
        command = [sys.executable, __file__, "--memory-child", str(path)]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(output)
    return result


def report(runs: int, pydifact_size: int) -> str:
    rows, memory_rows = [], []
    for size in SIZES:
        data = generate_cusdec(size)
        speed = measure_speed(data, runs, pydifact_size)
        memory = _memory_in_subprocess(data)
        del data
        rows.append(_speed_row(speed))
        memory_rows.append(_memory_row(memory))
    header = (
        f"Machine: {machine()}. Date: {dt.date.today().isoformat()}.\n"
        f"Command: `.venv/bin/python bench/parse.py --runs {runs} --write` (median of {runs} runs; pydifact: "
        f"median of {max(1, runs // 2)} runs on a {pydifact_size / MB:.0f} MB interchange from the same "
        "generator, its rate applied to the larger size).\n"
    )
    speed_table = (
        "| input | segments | ours: parse | ours: parse + build every segment | pydifact 0.2.3 from_str "
        "| speed-up (parse / parse+build) |\n|---|---|---|---|---|---|\n" + "\n".join(rows)
    )
    memory_table = (
        "| input | peak traced: read + parse (input included) | peak traced: then walking every segment "
        "| peak RSS growth (VmHWM): read + parse |\n|---|---|---|---|\n" + "\n".join(memory_rows)
    )
    return f"{NOTES}\n{header}\n{speed_table}\n\n{memory_table}\n"


def _speed_row(speed: dict[str, float]) -> str:
    size = speed["bytes"]
    ours, built = size / speed["ours_s"] / MB, size / speed["built_s"] / MB
    theirs = speed["pydifact_bytes"] / speed["pydifact_s"] / MB
    theirs_segments = speed["pydifact_segments"] / speed["pydifact_s"]
    return (
        f"| {size / MB:.1f} MB | {speed['segments']:,.0f} "
        f"| {ours:.1f} MB/s, {speed['segments'] / speed['ours_s'] / 1e6:.2f} M seg/s "
        f"| {built:.1f} MB/s, {speed['segments'] / speed['built_s'] / 1e6:.2f} M seg/s "
        f"| {theirs:.2f} MB/s, {theirs_segments / 1e3:.0f} k seg/s "
        f"| {ours / theirs:.0f}x / {built / theirs:.0f}x |"
    )


def _memory_row(memory: dict[str, float]) -> str:
    size = memory["bytes"]

    def ratio(value: float) -> str:
        return f"{value / MB:.1f} MB ({value / size:.2f}x file)"

    return (
        f"| {size / MB:.1f} MB | {ratio(memory['traced_parse'])} | {ratio(memory['traced_walk'])} "
        f"| {ratio(memory['rss_growth'])} |"
    )


def _write(section: str) -> None:
    path = REPO / "docs" / "BENCHMARKS.md"
    intro = "# Benchmarks\n\nMeasured figures; each section gives its command, machine and date.\n"
    text = path.read_text() if path.exists() else intro
    marker = "\n## Parser\n"
    before = text.split(marker)[0].rstrip("\n") + "\n"
    rest = text.split(marker)[1] if marker in text else ""
    after = rest[rest.find("\n## ") :] if "\n## " in rest else ""
    path.write_text(f"{before}{marker}\n{section}{after}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pydifact-size", type=int, default=5 * MB)
    parser.add_argument("--write", action="store_true", help="record the result in docs/BENCHMARKS.md")
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        print(json.dumps(measure_memory(args.memory_child)))
        return
    section = report(args.runs, args.pydifact_size)
    print(section)
    if args.write:
        _write(section)


if __name__ == "__main__":
    main()
