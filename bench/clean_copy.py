"""Measure the clean copy on a synthetic child's file: the review (OCR on every core), the
review built again (OCR from the cache), and the clean copy (applied, checked by text and OCR).

    python bench/clean_copy.py [--pages 100] [--scanned 60]

Each step runs as `letters run` in its own process; the largest process's peak memory is the
largest of the run and what it started (LibreOffice, Tesseract). `bench/run.py` calls it for
BENCHMARKS.md's section on the clean copy.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))  # the tests' own fictional setting and file

import openpyxl  # noqa: E402
import pymupdf  # noqa: E402

from support.clean import CONSENTER, REFUSER, scanned_page  # noqa: E402
from support.config import write_config  # noqa: E402
from support.register import REF, party_row, request_row, write_register  # noqa: E402

DAY = "2026-11-30"
REVIEW = f"{REF} redaction review.pdf"


def make_file(folder: Path, pages: int, scanned: int) -> None:
    """Write a child's file of ``pages`` pages, ``scanned`` of them scans, names on each."""
    folder.mkdir(parents=True)
    digital = pymupdf.open()
    for number in range(pages - scanned):
        page = digital.new_page(width=595, height=842)
        for line in range(30):
            who = REFUSER if line % 7 == 0 else CONSENTER if line % 5 == 0 else "the key person"
            page.insert_text((60, 60 + line * 24), f"Note {number}.{line}: seen by {who} today.")
    digital.save(folder / "01 Notes.pdf")
    scans = pymupdf.open()
    for number in range(scanned):
        lines = [f"Record {number}: collected by {REFUSER}.", f"Seen by {CONSENTER}."] * 6
        picture = folder / "scan.png"
        scanned_page(lines).save(picture)
        page = scans.new_page(width=595, height=842)
        page.insert_image(page.rect, filename=str(picture))
        picture.unlink()
    scans.save(folder / "02 Scans.pdf")


def run(config: Path) -> tuple[float, int]:
    """Run `letters run` once; return its seconds and the largest process's peak memory (MB)."""
    from run import measured  # beside this file: make bench's own measuring of a whole run

    done = measured(
        [sys.executable, "-m", "pipeline", "run", "--config", str(config), "--today", DAY]
    )
    if done.code != 0:
        raise subprocess.CalledProcessError(done.code, "letters run")
    return done.seconds, int(done.largest)


def measure(pages: int, scanned: int) -> dict[str, Any]:
    """Build the review, build it again from the cache, then apply it; time each."""
    with tempfile.TemporaryDirectory(prefix="bench-clean-") as scratch:
        base = Path(scratch)
        register = write_register(
            base / "registers" / "register.xlsx",
            [request_row()],
            [
                party_row(
                    Name=REFUSER, Organisation=None, Kind="Family member", Decision="Refuses"
                ),
                party_row(Name=CONSENTER, Decision="Consents"),
            ],
        )
        config = write_config(base)
        folder = base / "letters" / REF
        make_file(folder / "file", pages, scanned)
        review_s, review_peak = run(config)
        workbook = openpyxl.load_workbook(register)
        sheet = workbook["Third parties"]
        headers = [cell.value for cell in sheet[1]]
        sheet.cell(row=2, column=headers.index("Decision notes") + 1, value="Weighed again.")
        workbook.save(register)
        again_s, again_peak = run(config)
        (folder / "approved").mkdir(exist_ok=True)
        shutil.copyfile(folder / REVIEW, folder / "approved" / REVIEW)
        clean_s, clean_peak = run(config)
        peak = max(review_peak, again_peak, clean_peak)
        assert (folder / f"{REF} clean copy.pdf").is_file(), "no clean copy was written"
        with pymupdf.open(folder / REVIEW) as review:
            marks = sum(len(list(page.annots())) for page in review)
    return {
        "pages": pages, "scanned": scanned, "marks": marks, "review_s": round(review_s, 1),
        "again_s": round(again_s, 1), "clean_s": round(clean_s, 1), "peak_mb": peak,
    }  # fmt: skip


def section(figures: list[dict[str, Any]]) -> str:
    """Return BENCHMARKS.md's section on the clean copy, with its targets."""
    lines = [
        "## The clean copy (2 cores)",
        "",
        "A synthetic child's file (`bench/clean_copy.py`): digital pages and scanned pages, a "
        "refusing and a consenting party named on each. Whole process (`letters run`), one run "
        "each: the review (OCR on every core), the review built again after a Decision note "
        "changed (OCR from the cache), and the clean copy (every mark applied, then checked by "
        "text and by an OCR pass over every marked line).",
        "",
        "| pages | scanned | marks | review (s) | review again (s) | clean copy (s) "
        "| peak memory, largest process (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {f['pages']} | {f['scanned']} | {f['marks']} | {f['review_s']} | {f['again_s']} "
        f"| {f['clean_s']} | {f['peak_mb']} |"
        for f in figures
    ]
    hundred = next((f for f in figures if f["pages"] == 100), None)
    largest = max(figures, key=lambda f: f["pages"])
    lines += ["", "| target | measured | |", "|---|---:|---|"]
    if hundred is not None:
        lines += [
            _target("Review of 100 pages, 60 scanned, under 3 minutes", hundred["review_s"], 180),
            _target("Clean copy of it under 30 s", hundred["clean_s"], 30),
        ]
    memory = f"Memory under 500 MB for a {largest['pages']}-page file"
    lines.append(_target(memory, largest["peak_mb"], 500, "MB"))
    return "\n".join(lines) + "\n"


def _target(what: str, measured: float, limit: float, unit: str = "s") -> str:
    return f"| {what} | {measured} {unit} | {'met' if measured < limit else 'missed'} |"


def main() -> None:
    """Measure one file and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--scanned", type=int, default=60)
    args = parser.parse_args()
    print(json.dumps(measure(args.pages, args.scanned)))


if __name__ == "__main__":
    main()
