"""Measure the weekly run: whole process and in-process, on synthetic registers of fictional
requests. Prints a table and writes it to BENCHMARKS.md. Run with `make bench`.

    python bench/run.py [--sizes 10,100,1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jinja2  # noqa: E402 - after the path is set
from docxtpl import DocxTemplate  # noqa: E402

from pipeline import config as config_module  # noqa: E402
from pipeline import register_layout as layout  # noqa: E402
from pipeline.convert import Converter, find_office  # noqa: E402
from pipeline.deadlines import Calendar  # noqa: E402
from pipeline.register_new import blank_workbook  # noqa: E402
from pipeline.render import Renderer, sample_context  # noqa: E402

TODAY = date(2026, 11, 25)
PARTIES = 5


def make_register(folder: Path, requests: int) -> Path:
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
    text = config_module.example_text().replace(
        '"letter_templates"', f'"{(ROOT / "letter_templates").as_posix()}"'
    )
    (folder / "letters.toml").write_text(text, encoding="utf-8")
    return folder / "letters.toml"


def whole_run(config: Path, today: date = TODAY) -> tuple[float, float]:
    """Run `letters run` as its own process; return (seconds, peak memory in MB)."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", "--config", str(config),
         "--today", today.isoformat()],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(
            f"the run failed: {process.stderr.read().decode() if process.stderr else ''}"
        )
    return seconds, usage.ru_maxrss / 1024


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


def main() -> None:
    """Measure, print the table and write BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure; the median is kept")
    args = parser.parse_args()
    rows = []
    for size in (int(part) for part in args.sizes.split(",")):
        first, nothing, week, letters = [], [], [], 0
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as scratch:
                folder = Path(scratch)
                config = make_register(folder, size)
                first.append(whole_run(config))
                letters = letters_in(folder)
                nothing.append(whole_run(config))
                one_reply_and_one_signature(folder)
                week.append(whole_run(config, TODAY + timedelta(days=1)))
        median = {
            name: (statistics.median(s for s, _ in runs), max(m for _, m in runs))
            for name, runs in (("first", first), ("nothing", nothing), ("week", week))
        }
        rows.append((size, letters, median))
        print(f"{size} requests done", file=sys.stderr)
    ours, plain = render_overhead(50)
    with tempfile.TemporaryDirectory() as scratch:
        config = make_register(Path(scratch), 10)
        whole_run(config)
        pdf_rate = conversion_rate(Path(scratch), 40)
    lines = [
        "# Benchmarks",
        "",
        f"Made by `make bench` (`python bench/run.py --sizes {args.sizes} --repeat {args.repeat}`)"
        f" on {os.cpu_count()} cores; whole process, median of {args.repeat} runs; peak memory "
        "is the largest of them. Each register has five third parties per request, in every "
        "state (new, extended, paused, clean copy ready, closed, a refusal).",
        "",
        "| requests | letters | first run (s) | letters/s | nothing to do (s) | a reply and a "
        "signature (s) | peak memory (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, letters, median in rows:
        peak = max(memory for _, memory in median.values())
        lines.append(
            f"| {size} | {letters} | {median['first'][0]:.2f} | "
            f"{letters / median['first'][0]:.1f} | {median['nothing'][0]:.2f} | "
            f"{median['week'][0]:.2f} | {peak:.0f} |"
        )
    lines += [
        "",
        f"Per letter, in one process (consent request to an agency, 50 renders): our renderer "
        f"{ours:.1f} ms, plain docxtpl {plain:.1f} ms — our overhead {ours / plain - 1:+.0%}.",
        "",
        f"PDF conversion, one LibreOffice process: {pdf_rate:.1f} letters/s"
        + ("" if pdf_rate else " (LibreOffice is not installed here)")
        + ".",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    (ROOT / "BENCHMARKS.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
