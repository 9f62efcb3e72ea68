"""Measure the weekly run: whole process and in-process, on synthetic registers of fictional
requests. Prints a table and writes it to BENCHMARKS.md. Run with `make bench`.

    python bench/run.py [--sizes 10,100,1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import compileall
import io
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))  # for the tests' own fictional setting

import jinja2  # noqa: E402 - after the path is set
from docxtpl import DocxTemplate  # noqa: E402

from pipeline import config as config_module  # noqa: E402
from pipeline.deadlines import Calendar  # noqa: E402
from pipeline.letters.context import sample_context  # noqa: E402
from pipeline.letters.render import Renderer  # noqa: E402
from pipeline.records.convert import Converter, find_office  # noqa: E402
from pipeline.register import layout  # noqa: E402
from pipeline.register.new import blank_workbook  # noqa: E402

from support.config import filled_in  # noqa: E402

TODAY = date(2026, 11, 25)
PARTIES = 5


def make_register(folder: Path, requests: int, processes: int = 0) -> Path:
    """Write a register of fictional requests in every state, and its configuration."""
    workbook = blank_workbook()
    sheets = {name: workbook[name] for name in (layout.REQUESTS, layout.THIRD_PARTIES)}
    headers = {name: [column.header for column in layout.SHEETS[name]] for name in sheets}
    party_row = 2
    for number in range(requests):
        ref = f"SAR-2026-{number + 1:04d}"
        received = TODAY - timedelta(days=(number * 7) % 60)
        values = {
            "Ref": ref, "Received": received, "Requester": f"Parent {number} O'Example",
            "Relationship": "Mother", "Requester email": f"parent{number}@example.org",
            "Child": f"Child {number} Example",
        }  # fmt: skip
        state = number % 6
        if state == 1:
            values |= {"Extended": "Yes", "Extension reason": "Records from three agencies"}
        elif state == 2:
            values |= {"Clarification asked": received}
        elif state == 3:
            values |= {"Clean copy ready": TODAY, "Meeting": datetime(2026, 12, 2, 10, 0)}
        elif state == 4:
            values |= {"Closed": TODAY}
        for header, value in values.items():
            sheets[layout.REQUESTS].cell(
                row=number + 2, column=headers[layout.REQUESTS].index(header) + 1, value=value
            )
        for index in range(PARTIES):
            party = {
                "Ref": ref, "Name": f"Person {number}-{index}", "Role": "Relative",
                "Kind": "Agency" if index >= 3 else "Family member",
                "Organisation": "Northshire Children's Services" if index >= 3 else None,
            }  # fmt: skip
            party |= (
                {"Email": f"p{number}-{index}@example.org"}
                if index % 2
                else {"Address": "1 Example Road\nExampletown\nEX1 1AA"}
            )
            if state == 5 and index == 0:
                party["Decision"] = "Refuses"
            for header, value in party.items():
                sheets[layout.THIRD_PARTIES].cell(
                    row=party_row, column=headers[layout.THIRD_PARTIES].index(header) + 1,
                    value=value,
                )  # fmt: skip
            party_row += 1
    register = folder / "registers" / "register.xlsx"
    register.parent.mkdir(parents=True)
    workbook.save(register)
    # The tests' setting: the example's own would hold every letter back (pipeline/example.py).
    text = filled_in(config_module.example_text()).replace(
        '"letter_templates"', f'"{(ROOT / "letter_templates").as_posix()}"'
    )
    text = text.replace("processes = 0", f"processes = {processes}")
    (folder / "letters.toml").write_text(text, encoding="utf-8")
    return folder / "letters.toml"


@dataclass(frozen=True)
class Run:
    """One whole-process run: its time, and its peak memory in MB."""

    seconds: float
    largest: float  # the largest single process (the run, or one of its rendering processes)
    together: float  # every process of the run at once, sampled every 20 ms


def whole_run(config: Path, today: date = TODAY) -> Run:
    """Run `letters run` as its own process and measure it."""
    # On a settled disk: a first run leaves some 200 MB of letters for the kernel to write out
    # over the next 30 s, which would slow whichever run is measured next (by 10% and more).
    os.sync()
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", "--config", str(config),
         "--today", today.isoformat()],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    sampler = _Sampler(process.pid)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    sampler.stop.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(
            f"the run failed: {process.stderr.read().decode() if process.stderr else ''}"
        )
    # ru_maxrss of a waited-for child: the largest of it and its own waited-for children.
    return Run(seconds, usage.ru_maxrss / 1024, sampler.peak / 1024)


class _Sampler(threading.Thread):
    """Sum the resident memory of a process and all its descendants, every 20 ms (Linux)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.02):
            self.peak = max(self.peak, sum(_rss_kb(pid) for pid in _tree(self.pid)))


def _tree(pid: int) -> list[int]:
    found, index = [pid], 0
    while index < len(found):
        try:
            children = Path(f"/proc/{found[index]}/task/{found[index]}/children").read_text()
        except OSError:
            children = ""
        found += [int(child) for child in children.split()]
        index += 1
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def letters_in(folder: Path) -> int:
    return sum(1 for _ in (folder / "letters").glob("*/to-sign/*.docx"))


def one_reply_and_one_signature(folder: Path) -> None:
    """A reply arrives and the owner signs one letter, as between two weekly runs."""
    letter = next(iter(sorted((folder / "letters").glob("*/to-sign/*.docx"))))
    shutil.copyfile(letter, letter.parent.parent / "signed" / letter.name)
    inbox = folder / "mail" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "SAR-2026-0001 TP2.pdf").write_bytes(b"%PDF-1.4 scan")


def render_overhead(repeat: int) -> tuple[float, float]:
    """Return ms per letter through our renderer and through plain docxtpl, same template."""
    config = config_module.parse({}, ROOT / "letters.toml")
    values = sample_context(config, TODAY, Calendar())
    template = ROOT / "letter_templates" / "consent-request-agency.docx"
    renderer = Renderer(template.parent)

    def ours() -> None:
        renderer.render(template.name, values)

    def plain() -> None:
        document = DocxTemplate(str(template))
        document.render(values, jinja_env=jinja2.Environment(autoescape=True), autoescape=True)
        document.save(io.BytesIO())

    timings = {}
    for name, job in (("ours", ours), ("plain", plain)):
        job()  # warm up
        started = time.perf_counter()
        for _ in range(repeat):
            job()
        timings[name] = (time.perf_counter() - started) / repeat * 1000
    return timings["ours"], timings["plain"]


def conversion_rate(folder: Path, count: int) -> float:
    """Return letters per second converted to PDF by one LibreOffice process (0: none)."""
    office = find_office()
    if office is None:
        return 0.0
    letters = sorted((folder / "letters").glob("*/to-sign/*.docx"))[:count]
    with tempfile.TemporaryDirectory() as work:
        converter = Converter(office, Path(work))
        started = time.monotonic()
        converted = converter.docx_to_pdf(letters)
        return len(converted) / (time.monotonic() - started)


def measure(size: int, repeat: int) -> dict[str, Any]:
    """Measure every run of a register of ``size`` requests ``repeat`` times; keep medians."""
    runs: dict[str, list[Run]] = {"single": [], "first": [], "nothing": [], "week": []}
    letters = 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as scratch:
            runs["single"].append(whole_run(make_register(Path(scratch), size, processes=1)))
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            config = make_register(folder, size)
            runs["first"].append(whole_run(config))
            letters = letters_in(folder)
            runs["nothing"].append(whole_run(config))
            one_reply_and_one_signature(folder)
            runs["week"].append(whole_run(config, TODAY + timedelta(days=1)))
        print(f"{size} requests: one round done", file=sys.stderr)
    found: dict[str, Any] = {"size": size, "letters": letters}
    for name, measured in runs.items():
        found[name] = statistics.median(run.seconds for run in measured)
        found[name + " largest"] = max(run.largest for run in measured)
        found[name + " together"] = max(run.together for run in measured)
    return found


def main() -> None:
    """Measure, print the table and write BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure; the median is kept")
    args = parser.parse_args()
    # Measured as a setting runs it: Python keeps our modules' compiled bytecode after their
    # first import, unless PYTHONDONTWRITEBYTECODE is set (as on some machines), when every
    # run would compile them again (about 0.06 s): so compile them once, here.
    compileall.compile_dir(ROOT / "pipeline", quiet=1)
    rows = [measure(int(part), args.repeat) for part in args.sizes.split(",")]
    ours, plain = render_overhead(50)
    with tempfile.TemporaryDirectory() as scratch:
        config = make_register(Path(scratch), 10)
        whole_run(config)
        pdf_rate = conversion_rate(Path(scratch), 40)
    text = report(rows, args, ours, plain, pdf_rate)
    text += "\n" + clean_copy_section()
    print(text)
    (ROOT / "BENCHMARKS.md").write_text(text, encoding="utf-8")


def clean_copy_section() -> str:
    """Measure the clean copy (bench/clean_copy.py) on 100 and 300 pages; return its section."""
    import clean_copy  # beside this file

    return clean_copy.section([clean_copy.measure(100, 60), clean_copy.measure(300, 60)])


def report(
    rows: list[dict[str, Any]], args: argparse.Namespace, ours: float, plain: float, pdf: float
) -> str:
    """Write the figures as BENCHMARKS.md, with each target met or missed."""
    lines = [
        "# Benchmarks",
        "",
        f"Made by `make bench` (`python bench/run.py --sizes {args.sizes} --repeat "
        f"{args.repeat}`) on {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}. Whole process (`letters run`), median of {args.repeat} "
        "runs; peak memory is the largest of them. Each register has five third parties per "
        "request, in every state (new, extended, paused, clean copy ready, closed, a refusal). "
        "Our modules' bytecode is compiled first, as Python keeps it after a first run, and "
        "each run starts on a settled disk (`sync`), so that the letters one run wrote are not "
        "still being written out while the next is timed.",
        "",
        "| requests | letters | first run, 1 process (s) | first run, every core (s) | "
        "letters/s | speed-up | nothing to do (s) | a reply and a signature (s) | "
        "peak memory, largest process (MB) | first run, all processes together (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        largest = max(row[name + " largest"] for name in ("first", "nothing", "week"))
        together = row["first together"]
        lines.append(
            f"| {row['size']} | {row['letters']} | {row['single']:.2f} | {row['first']:.2f} | "
            f"{row['letters'] / row['first']:.1f} | {row['single'] / row['first']:.2f}× | "
            f"{row['nothing']:.2f} | {row['week']:.2f} | {largest:.0f} | {together:.0f} |"
        )
    lines += [
        "",
        "Speed-up: letters per second on every core over one process (`[run] processes = 1`). "
        "Peak memory, largest process: the max RSS of the largest single process of any run — "
        "the run itself, one of its rendering processes, or LibreOffice converting a signed "
        "letter to PDF. First run, all processes together: the run and its rendering processes "
        "summed, sampled every 20 ms.",
        "",
        f"Per letter, in one process (consent request to an agency, 50 renders): our renderer "
        f"{ours:.1f} ms, plain docxtpl {plain:.1f} ms — our overhead {ours / plain - 1:+.0%}.",
        "",
        f"PDF conversion, one LibreOffice process: {pdf:.1f} letters/s"
        + ("" if pdf else " (LibreOffice is not installed here)")
        + ".",
    ]
    by_size = {row["size"]: row for row in rows}
    if 1000 in by_size:
        big = by_size[1000]
        largest = max(big[name + " largest"] for name in ("first", "nothing", "week"))
        targets = [
            ("Nothing-to-do run on 1,000 requests under 1 s", f"{big['nothing']:.2f} s",
             big["nothing"] < 1),
            ("1,000-request first run at least 1.6× the letters/s of one process",
             f"{big['single'] / big['first']:.2f}×", big["single"] / big["first"] >= 1.6),
            ("Our overhead over plain docxtpl at most 10% per letter",
             f"{ours / plain - 1:+.0%}", ours / plain - 1 <= 0.10),
            ("Peak memory under 300 MB at 1,000 requests (largest process)",
             f"{largest:.0f} MB", largest < 300),
        ]  # fmt: skip
        if 100 in by_size:
            growth = big["first"] / by_size[100]["first"]
            targets.append(
                ("The 1,000 first run no more than 12× the 100 one", f"{growth:.1f}×", growth <= 12)
            )
        lines += ["", "## Targets (2 cores)", "", "| target | measured | |", "|---|---:|---|"]
        lines += [
            f"| {name} | {figure} | {'met' if met else 'MISSED'} |" for name, figure, met in targets
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
