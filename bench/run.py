"""Measure the weekly run: whole process and in-process, on synthetic registers of fictional
requests. Prints a table and writes it to BENCHMARKS.md. Run with `make bench`.

    python bench/run.py [--sizes 10,100,1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
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
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))  # for the tests' own fictional setting

from pipeline import config as config_module  # noqa: E402 - after the path is set
from pipeline.deadlines import Calendar, Deadlines  # noqa: E402
from pipeline.letters.complaints import sample_complaint_context  # noqa: E402
from pipeline.letters.context import sample_context, sample_party, sample_request  # noqa: E402
from pipeline.letters.kinds import COMPLAINT_KINDS, KINDS  # noqa: E402
from pipeline.letters.prepared import Prepared  # noqa: E402
from pipeline.letters.render import Renderer  # noqa: E402
from pipeline.records.consents import TEMPLATE, record_context  # noqa: E402
from pipeline.records.convert import Converter, find_office  # noqa: E402
from pipeline.register import layout  # noqa: E402
from pipeline.register.new import blank_workbook  # noqa: E402

from support.config import filled_in  # noqa: E402

TODAY = date(2026, 11, 25)
PARTIES = 5
# The code before templates were prepared once (plain docxtpl for every letter, each journaled
# in a commit of its own): its first run on 1,000 requests on every core is measured side by
# side, from this commit's own tree.
BEFORE = "0d4a993"
BEFORE_SIZE = 1000
# Only when that commit cannot be extracted here: its figures measured on another (faster)
# machine, the BENCHMARKS.md of that commit, and the largest process as measured for issue 14.
BEFORE_LETTERS_PER_SECOND = 56.5
BEFORE_LARGEST_MB = 185
# The before's own make_register, imported from its tree: sys.argv is the tree, the folder and
# the number of requests; it prints the configuration's path.
BEFORE_REGISTER = (
    "import sys; from pathlib import Path; tree = sys.argv[1]; "
    "sys.path[:0] = [tree, tree + '/bench', tree + '/tests']; import run; "
    "print(run.make_register(Path(sys.argv[2]), int(sys.argv[3])))"
)
# The floor of a run with nothing to do: the interpreter, the run's imports and reading the
# register's cells, nothing else; read with the cycle collector off, as the run reads them
# (with it on, the same reading takes 0.5 s more on 1,000 requests, and the floor was that
# much higher than the run's own reading until stop 19).
FLOOR = (
    "import gc, sys, pipeline.cli, pipeline.run; from pipeline.register.values import "
    "read_values; gc.disable(); read_values(open(sys.argv[1], 'rb').read())"
)


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
    largest: float  # the largest single process of any kind (ru_maxrss)
    python: float  # the largest of our Python processes: the run or one of its rendering ones
    office: float  # the largest LibreOffice process (soffice*), 0 when none ran
    together: float  # every process of the run at once, sampled every 20 ms
    code: int  # its exit code: 0, or 1 when the register could not be written


def whole_run(config: Path, today: date = TODAY) -> Run:
    """Run `letters run` as its own process and measure it."""
    return measured(
        [sys.executable, "-m", "pipeline", "run", "--config", str(config),
         "--today", today.isoformat()]
    )  # fmt: skip


def floor_run(config: Path) -> Run:
    """Run the nothing-to-do floor as its own process and measure it."""
    register = config.parent / "registers" / "register.xlsx"
    return measured([sys.executable, "-c", FLOOR, str(register)])


def measured(command: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> Run:
    """Run ``command`` as its own process and measure its time and memory."""
    # On a settled disk: a first run leaves some 200 MB of letters for the kernel to write out
    # over the next 30 s, which would slow whichever run is measured next (by 10% and more).
    os.sync()
    # Its errors go to a file, not a pipe: a pipe nobody reads until the end would stop a run
    # that says more than 64 KB there.
    with tempfile.TemporaryFile() as errors:
        started = time.monotonic()
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors
        )
        sampler = _Sampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        sampler.stop.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in (0, 1):
            errors.seek(0)
            raise SystemExit(f"the run failed: {errors.read().decode(errors='replace')}")
    # ru_maxrss of a waited-for child: the largest of it and its own waited-for children.
    return Run(
        seconds,
        usage.ru_maxrss / 1024,
        sampler.largest("python") / 1024,
        sampler.largest("soffice") / 1024,
        sampler.peak / 1024,
        process.returncode,
    )


class _Sampler(threading.Thread):
    """Every 20 ms, sum the resident memory of a process and all its descendants, and keep
    each one's name and high-water mark (Linux)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        # pid: (name, VmHWM in kB), as last read: a process that ends keeps its last reading.
        self.marks: dict[int, tuple[str, int]] = {}

    def run(self) -> None:
        while not self.stop.wait(0.02):
            resident = 0
            for pid in _tree(self.pid):
                name, rss, hwm = _memory_kb(pid)
                resident += rss
                if name:
                    self.marks[pid] = (name, hwm)
            self.peak = max(self.peak, resident)

    def largest(self, prefix: str) -> int:
        """Return the highest high-water mark of the processes whose name starts ``prefix``."""
        return max((hwm for name, hwm in self.marks.values() if name.startswith(prefix)), default=0)


def _tree(pid: int) -> list[int]:
    found, index = [pid], 0
    while index < len(found):
        found += _children(found[index])
        index += 1
    return found


def _children(pid: int) -> list[int]:
    # Each thread's own: the run starts LibreOffice from a thread of its own (two at once).
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # the thread or the process has ended
            children += [int(child) for child in (task / "children").read_text().split()]
    return children


def _memory_kb(pid: int) -> tuple[str, int, int]:
    """Return a process's name, resident memory and high-water mark (kB); "" once it ended."""
    try:
        name = Path(f"/proc/{pid}/comm").read_text().strip()
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return "", 0, 0
    fields = dict(line.split(":", 1) for line in status if line.startswith(("VmRSS", "VmHWM")))
    if not fields:  # a zombie: its memory is gone, and so is its reading
        return "", 0, 0
    rss, hwm = (int(fields[key].split()[0]) for key in ("VmRSS", "VmHWM"))
    return name, rss, hwm


@dataclass(frozen=True)
class Before:
    """The before's first runs on every core (commit BEFORE), or why it was not run here."""

    letters: int = 0
    runs: tuple[Run, ...] = ()
    why_not: str = ""  # why it was not measured side by side, when it was not

    @property
    def rate(self) -> float:
        """Return its letters per second, of the median run (the constant when not run here)."""
        if not self.runs:
            return BEFORE_LETTERS_PER_SECOND
        return self.letters / statistics.median(run.seconds for run in self.runs)

    @property
    def python(self) -> float:
        """Return its largest Python process in MB (the constant when not run here)."""
        return max(run.python for run in self.runs) if self.runs else BEFORE_LARGEST_MB

    @property
    def source(self) -> str:
        """Say where its figures come from."""
        if self.runs:
            return "measured side by side"
        return f"measured on another machine at commit {BEFORE}, not side by side"


def measure_before(repeat: int) -> Before:
    """Measure the first run of commit BEFORE on BEFORE_SIZE requests on every core, from its
    own tree, with its own make_register, ``repeat`` times."""
    with tempfile.TemporaryDirectory(prefix="bench-before-") as scratch:
        tree = Path(scratch) / "tree"
        why_not = extract(BEFORE, tree)
        if why_not:
            return Before(why_not=why_not)
        compileall.compile_dir(tree / "pipeline", quiet=1)  # as for ours, in main
        env = os.environ | {"PYTHONPATH": str(tree)}  # its pipeline, not ours
        runs, letters = [], 0
        for number in range(repeat):
            folder = Path(scratch) / f"register-{number}"
            made = subprocess.run(
                [sys.executable, "-c", BEFORE_REGISTER, str(tree), str(folder), str(BEFORE_SIZE)],
                cwd=tree, env=env, check=True, capture_output=True, text=True,
            )  # fmt: skip
            runs.append(
                measured(
                    [sys.executable, "-m", "pipeline", "run", "--config", made.stdout.strip(),
                     "--today", TODAY.isoformat()],
                    cwd=tree, env=env,
                )
            )  # fmt: skip
            letters = letters_in(folder)
            shutil.rmtree(folder)  # some 200 MB of letters a run
        print(f"before ({BEFORE}): {BEFORE_SIZE} requests measured", file=sys.stderr)
    return Before(letters, tuple(runs))


def extract(commit: str, tree: Path) -> str:
    """Extract ``commit``'s files into ``tree``, leaving the repository as it is; return why
    they could not be ("" when they were)."""
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True)
    except OSError as error:
        return f"git could not be run: {error.strerror}"
    if archive.returncode != 0:  # not a git clone, or a shallow one without that commit
        return f"commit {commit} is not in this copy ({archive.stderr.decode().strip()})"
    tree.mkdir()
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return ""


def letters_in(folder: Path) -> int:
    return sum(1 for _ in (folder / "letters").glob("*/to-sign/*.docx"))


def one_reply_and_one_signature(folder: Path) -> None:
    """A reply arrives and the owner signs one letter, as between two weekly runs."""
    letter = next(iter(sorted((folder / "letters").glob("*/to-sign/*.docx"))))
    shutil.copyfile(letter, letter.parent.parent / "signed" / letter.name)
    inbox = folder / "mail" / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "SAR-2026-0001 TP2.pdf").write_bytes(b"%PDF-1.4 scan")


def samples() -> dict[str, dict[str, Any]]:
    """Every template with the placeholders `letters check` tries it with."""
    config = config_module.parse({}, ROOT / "letters.toml")
    letter = sample_context(config, TODAY, Calendar())
    found = {path.name: letter for path in sorted((ROOT / "letter_templates").glob("*.docx"))}
    due = Deadlines(TODAY, TODAY, TODAY, 0)
    parties = [sample_party(TODAY)] * 5
    found[TEMPLATE] = record_context(sample_request(TODAY), parties, {}, due, config, TODAY)
    for key in COMPLAINT_KINDS:  # a complaint's letters have a complaint's placeholders
        found[KINDS[key].template] = sample_complaint_context(config, TODAY)
    return found


def per_letter(rounds: int, letters: int) -> tuple[dict[str, list[float]], dict[str, str]]:
    """Return ms per letter of each contender, one figure a round, and the templates that
    fall back to plain docxtpl (with why).

    In one process, interleaved rounds of ``letters`` letters each, every template in turn
    with the same placeholders: prepared templates, plain docxtpl (the template read and
    patched for every letter, as before), the zip floor (the same letter's parts already
    rendered, written by Python's zipfile into a copy of the template's zip, as the renderer
    did before pipeline/letters/package.py), and that package.py's own writing of them.
    """
    values = samples()
    names = list(values)
    fast, plain = Renderer(ROOT / "letter_templates"), Renderer(ROOT / "letter_templates", False)
    ready = {name: fast.ready(name) for name in names}
    prepared = {name: found for name, found in ready.items() if isinstance(found, Prepared)}
    parts = {name: found.parts_of(values[name]) for name, found in prepared.items()}
    names = [name for name in names if name in prepared]  # the same letters for each
    contenders = {
        "prepared": lambda name: fast.render(name, values[name]),
        "plain docxtpl": lambda name: plain.render(name, values[name]),
        "zip floor": lambda name: _by_zipfile(prepared[name], parts[name]),
        "our zip": lambda name: prepared[name].package_of(parts[name]),
    }
    timings: dict[str, list[float]] = {name: [] for name in contenders}
    for job in contenders.values():
        for template in names:
            job(template)  # warm up: each template read (and prepared) once
    for _ in range(rounds):
        for name, job in contenders.items():
            started = time.perf_counter()
            for number in range(letters):
                job(names[number % len(names)])
            timings[name].append((time.perf_counter() - started) / letters * 1000)
    return timings, fast.plain()


def _by_zipfile(prepared: Prepared, parts: dict[str, bytes]) -> bytes:
    """Write a letter's rendered ``parts`` into a copy of its template's zip with zipfile."""
    out = io.BytesIO(prepared.package.letter([]))  # the template without the rendered parts
    with zipfile.ZipFile(out, "a") as package:
        for name, data in parts.items():
            entry = prepared.entries[name]
            info = zipfile.ZipInfo(name, entry.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED if entry.deflated else zipfile.ZIP_STORED
            info.external_attr = entry.external_attr
            package.writestr(info, data)
    return out.getvalue()


def pdf_rates(folder: Path, count: int, rounds: int) -> dict[str, list[float]]:
    """Return letters per second converted to PDF, a figure a round: one LibreOffice batch
    call over ``count`` letters, and the run's own way, two at once over half each (empty: no
    LibreOffice)."""
    office = find_office()
    if office is None:
        return {}
    letters = sorted((folder / "letters").glob("*/to-sign/*.docx"))[:count]
    rates: dict[str, list[float]] = {"one batch": [], "two at once": []}
    with tempfile.TemporaryDirectory() as work:
        one = Converter(office, Path(work) / "one")
        one.two_from = len(letters) + 1  # never split: the contender before
        two = Converter(office, Path(work) / "two")  # as the run converts
        one.docx_to_pdf(letters[:1])  # warm up: each makes its profiles once
        two.docx_to_pdf(letters[: two.two_from])
        for _ in range(rounds):
            for name, converter in (("one batch", one), ("two at once", two)):
                started = time.monotonic()
                converted = len(converter.docx_to_pdf(letters))
                rates[name].append(converted / (time.monotonic() - started))
    return rates


def measure(size: int, repeat: int) -> dict[str, Any]:
    """Measure every run of a register of ``size`` requests ``repeat`` times; keep medians."""
    runs: dict[str, list[Run]] = {
        "single": [], "first": [], "nothing": [], "floor": [], "week": []
    }  # fmt: skip
    letters = register = 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as scratch:
            runs["single"].append(whole_run(make_register(Path(scratch), size, processes=1)))
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            config = make_register(folder, size)
            runs["first"].append(whole_run(config))
            letters = letters_in(folder)
            register = (folder / "registers" / "register.xlsx").stat().st_size
            runs["nothing"].append(whole_run(config))
            runs["floor"].append(floor_run(config))
            one_reply_and_one_signature(folder)
            runs["week"].append(whole_run(config, TODAY + timedelta(days=1)))
        print(f"{size} requests: one round done", file=sys.stderr)
    found: dict[str, Any] = {"size": size, "letters": letters, "register bytes": register}
    for name, done in runs.items():
        found[name] = statistics.median(run.seconds for run in done)
        found[name + " all"] = [run.seconds for run in done]
        for kind in ("largest", "python", "office", "together"):
            found[f"{name} {kind}"] = max(getattr(run, kind) for run in done)
    return found


def growth(size: int, repeat: int) -> dict[str, Any]:
    """Measure the nothing-to-do run (and its floor) on a register of ``size`` requests."""
    with tempfile.TemporaryDirectory() as scratch:
        config = make_register(Path(scratch), size)
        whole_run(config)
        register = (Path(scratch) / "registers" / "register.xlsx").stat().st_size
        nothing = [whole_run(config) for _ in range(repeat)]
        floor = [floor_run(config) for _ in range(repeat)]
    print(f"{size} requests: nothing-to-do measured", file=sys.stderr)
    return {
        "size": size,
        "register bytes": register,
        "nothing": statistics.median(run.seconds for run in nothing),
        "nothing largest": max(run.largest for run in nothing),
        "floor largest": max(run.largest for run in floor),
    }


def main() -> None:
    """Measure, print the table and write BENCHMARKS.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure; the median is kept")
    parser.add_argument(
        "--growth", type=int, default=5000, help="the larger register for memory growth (0: none)"
    )
    parser.add_argument("--letters", type=int, default=100, help="letters a round, per letter")
    parser.add_argument(
        "--before",
        action=argparse.BooleanOptionalAction,
        default=True,
        help=f"measure commit {BEFORE}'s first run on {BEFORE_SIZE:,} requests side by side",
    )
    parser.add_argument(
        "--clean-copy",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure the clean copy on 100 and 300 pages (bench/clean_copy.py)",
    )
    args = parser.parse_args()
    # Measured as a setting runs it: Python keeps our modules' compiled bytecode after their
    # first import, unless PYTHONDONTWRITEBYTECODE is set (as on some machines), when every
    # run would compile them again (about 0.06 s): so compile them once, here.
    compileall.compile_dir(ROOT / "pipeline", quiet=1)
    load = [os.getloadavg()[0]]
    sizes = [int(part) for part in args.sizes.split(",")]
    rows = [measure(size, args.repeat) for size in sizes]
    before = Before(why_not="not asked for: --no-before")
    if args.before and BEFORE_SIZE in sizes:
        before = measure_before(min(args.repeat, 3))
    large = growth(args.growth, min(args.repeat, 3)) if args.growth else None
    letter_ms, plain_templates = per_letter(args.repeat, args.letters)
    with tempfile.TemporaryDirectory() as scratch:
        config = make_register(Path(scratch), 10)
        whole_run(config)
        pdf = pdf_rates(Path(scratch), 40, min(args.repeat, 3))
    load.append(os.getloadavg()[0])
    text = report(rows, before, args, large, letter_ms, plain_templates, pdf, load)
    if args.clean_copy:
        text += "\n" + clean_copy_section()
    print(text)
    (ROOT / "BENCHMARKS.md").write_text(text, encoding="utf-8")


def spread(values: list[float], digits: int = 2) -> str:
    """Say a median and the range of ``values``: 1.23 (1.20–1.31)."""
    return (
        f"{statistics.median(values):.{digits}f} "
        f"({min(values):.{digits}f}–{max(values):.{digits}f})"
    )


def clean_copy_section() -> str:
    """Measure the clean copy (bench/clean_copy.py) on 100 and 300 pages; return its section."""
    import clean_copy  # beside this file

    return clean_copy.section([clean_copy.measure(100, 60), clean_copy.measure(300, 60)])


def report(
    rows: list[dict[str, Any]],
    before: Before,
    args: argparse.Namespace,
    large: dict[str, Any] | None,
    letter_ms: dict[str, list[float]],
    plain_templates: dict[str, str],
    pdf: dict[str, list[float]],
    load: list[float],
) -> str:
    """Write the figures as BENCHMARKS.md, with each target met or missed."""
    lines = _preamble(args, load) + _runs_table(rows)
    if any(row["size"] == BEFORE_SIZE for row in rows):
        lines += ["", _before_sentence(before)]
    lines += [
        "",
        "Speed-up: letters per second on every core over one process (`[run] processes = 1`). "
        "Peak memory: each process's high-water mark (VmHWM), read with its name from /proc "
        "every 20 ms (a process that ends keeps its last reading), the largest of any run: "
        "our Python processes (the run itself and its rendering processes) apart from "
        "LibreOffice converting a signed letter to PDF in the week's run, which is not ours to "
        "shrink (— where none ran); the largest of any process is the max RSS the kernel kept "
        "for the largest single process of any run, LibreOffice included. First run, all "
        "processes together: the run and its rendering processes summed, sampled every 20 ms. "
        "The nothing-to-do floor: a process that starts the interpreter, imports the run and "
        "reads the register's cells with the cycle collector off, as the run reads them, and "
        "does nothing else.",
    ]
    prepared, plain, floor, ours = (
        letter_ms[name] for name in ("prepared", "plain docxtpl", "zip floor", "our zip")
    )
    ratio = statistics.median(prepared) / statistics.median(floor)
    lines += [
        "",
        f"## Per letter, in one process ({args.repeat} interleaved rounds of {args.letters} "
        "letters, every template in turn, the same placeholders; ms, median and range)",
        "",
        "| contender | ms a letter | × the zip floor |",
        "|---|---:|---:|",
        f"| templates prepared once (the renderer) | {spread(prepared)} | {ratio:.1f}× |",
        f"| plain docxtpl, the template read and patched for every letter (before) | "
        f"{spread(plain)} | {statistics.median(plain) / statistics.median(floor):.0f}× |",
        f"| the zip floor: the letter's parts already rendered, written into a copy of the "
        f"template's zip by Python's zipfile | {spread(floor)} | 1× |",
        f"| the same parts written by pipeline/letters/package.py, as the renderer writes them "
        f"| {spread(ours)} | {statistics.median(ours) / statistics.median(floor):.1f}× |",
        "",
        "Templates rendered by plain docxtpl because the prepared path cannot do them: "
        + (
            "; ".join(f"{name} ({why})" for name, why in sorted(plain_templates.items()))
            if plain_templates
            else "none"
        )
        + ".",
        "",
    ]
    if pdf:
        batch, both = (statistics.median(pdf[name]) for name in ("one batch", "two at once"))
        lines += [
            "## PDFs (40 letters, LibreOffice)",
            "",
            f"One LibreOffice batch call: {spread(pdf['one batch'], 1)} letters/s; two at once, "
            f"half each, as the run converts from {Converter.two_from} letters on two cores "
            f"(pipeline/records/convert.py): {spread(pdf['two at once'], 1)} letters/s "
            f"({both / batch:.2f}×). "
            + (
                "Two at once is not the faster here: set Converter.two_from higher."
                if both / batch < 1.0
                else f"A week that sends 40 letters pays about {40 / both:.0f} s for their PDFs."
            ),
            "",
        ]
    else:
        lines += ["PDFs: LibreOffice is not installed here.", ""]
    lines += _targets(rows, before, large, ratio, plain, floor)
    return "\n".join(lines) + "\n"


def _preamble(args: argparse.Namespace, load: list[float]) -> list[str]:
    options = {"before": args.before, "clean-copy": args.clean_copy}
    skipped = "".join(f" --no-{name}" for name, asked in options.items() if not asked)
    return [
        "# Benchmarks",
        "",
        f"Made by `make bench` (`python bench/run.py --sizes {args.sizes} --repeat "
        f"{args.repeat} --growth {args.growth}{skipped}`) on {os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}. Whole process "
        f"(`letters run`), median of {args.repeat} runs with the range in brackets; peak "
        "memory is the largest of them. Each register has five third parties per "
        "request, in every state (new, extended, paused, clean copy ready, closed, a refusal). "
        "Our modules' bytecode is compiled first, as Python keeps it after a first run, and "
        "each run starts on a settled disk (`sync`), so that the letters one run wrote are not "
        "still being written out while the next is timed. The machine's load (one-minute "
        f"average) was {load[0]:.1f} when the bench started and {load[-1]:.1f} when it ended: "
        "anything above 0 is other work sharing the cores, and slows every figure.",
        "",
    ]


def _runs_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| requests | letters | first run, 1 process (s) | first run, every core (s) | "
        "letters/s | speed-up | nothing to do (s) | its floor (s) | a reply and a signature (s) "
        "| peak memory, largest Python process (MB) | LibreOffice (MB) | largest of any process "
        "(MB) | first run, all processes together (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        office = _peak(row, "office")
        lines.append(
            f"| {row['size']} | {row['letters']} | {spread(row['single all'])} | "
            f"{spread(row['first all'])} | {row['letters'] / row['first']:.1f} | "
            f"{row['single'] / row['first']:.2f}× | {spread(row['nothing all'])} | "
            f"{spread(row['floor all'])} | {spread(row['week all'])} | "
            f"{_peak(row, 'python'):.0f} | {f'{office:.0f}' if office else '—'} | "
            f"{_peak(row, 'largest'):.0f} | {row['first together']:.0f} |"
        )
    return lines


def _peak(row: dict[str, Any], kind: str) -> float:
    """Return the peak memory of one kind (python, office, largest) of any run of a row."""
    return float(max(row[f"{name} {kind}"] for name in ("first", "nothing", "week")))


def _before_sentence(before: Before) -> str:
    what = (
        f"Before (commit {BEFORE}: plain docxtpl for every letter, each journaled in a commit of "
        f"its own), its first run on {BEFORE_SIZE:,} requests on every core"
    )
    if not before.runs:
        return (
            f"{what}: not measured in this run ({before.why_not}). The targets take its "
            f"figures measured on another machine at commit {BEFORE}, not side by side: "
            f"{BEFORE_LETTERS_PER_SECOND} letters/s, largest process {BEFORE_LARGEST_MB} MB."
        )
    seconds = [run.seconds for run in before.runs]
    return (
        f"{what}, measured side by side in this bench from that commit's own files, with its "
        f"own `make_register`, median of {len(seconds)}: {before.letters} letters in "
        f"{spread(seconds)} s, {spread([before.letters / run for run in seconds], 1)} "
        f"letters/s; largest Python process {before.python:.0f} MB."
    )


def _targets(
    rows: list[dict[str, Any]],
    before: Before,
    large: dict[str, Any] | None,
    ratio: float,
    plain: list[float],
    floor: list[float],
) -> list[str]:
    by_size = {row["size"]: row for row in rows}
    targets = [
        ("Per letter at most 3× the zip floor (before: "
         f"{statistics.median(plain) / statistics.median(floor):.0f}×)", f"{ratio:.1f}×",
         ratio <= 3),
    ]  # fmt: skip
    lines: list[str] = []
    if BEFORE_SIZE in by_size:
        big = by_size[BEFORE_SIZE]
        python, office = _peak(big, "python"), _peak(big, "office")
        rate = big["letters"] / big["first"]
        nothing = big["nothing"] / big["floor"]
        targets += [
            (f"1,000-request first run at least 8× the letters/s before "
             f"({before.rate:.1f} letters/s, {before.source})",
             f"{rate / before.rate:.1f}× ({rate:.0f} letters/s)",
             rate >= 8 * before.rate),
            ("… with the 2-core speed-up at least 1.9×", f"{big['single'] / big['first']:.2f}×",
             big["single"] / big["first"] >= 1.9),
            ("Nothing-to-do run on 1,000 requests at most 1.5× its floor",
             f"{nothing:.2f}× ({big['nothing']:.2f} s, floor {big['floor']:.2f} s)",
             nothing <= 1.5),
            ("Nothing-to-do run on 1,000 requests under 1 s", f"{big['nothing']:.2f} s",
             big["nothing"] < 1),
            (f"Peak memory no higher than before at 1,000 requests ({before.python:.0f} MB, "
             f"largest Python process, {before.source})",
             f"{python:.0f} MB (LibreOffice, not ours: "
             f"{f'{office:.0f} MB' if office else 'none ran'})",
             python <= before.python),
        ]  # fmt: skip
        if large is not None:
            memory = large["nothing largest"] / big["nothing largest"]
            register = large["register bytes"] / big["register bytes"]
            targets.append(
                (f"Nothing-to-do memory growing no faster than the register, 1,000 to "
                 f"{large['size']:,} requests",
                 f"{memory:.1f}× ({big['nothing largest']:.0f} to "
                 f"{large['nothing largest']:.0f} MB) for a register {register:.1f}× larger",
                 memory <= register)
            )  # fmt: skip
            lines += [
                f"Nothing to do on {large['size']:,} requests: {large['nothing']:.2f} s, "
                f"{large['nothing largest']:.0f} MB (its floor {large['floor largest']:.0f} MB).",
                "",
            ]
        if 100 in by_size:
            times = big["first"] / by_size[100]["first"]
            targets.append(
                ("The 1,000 first run no more than 12× the 100 one", f"{times:.1f}×", times <= 12)
            )
    lines += ["## Targets (2 cores)", "", "| target | measured | |", "|---|---:|---|"]
    lines += [
        f"| {name} | {figure} | {'met' if met else 'MISSED'} |" for name, figure, met in targets
    ]
    return lines


if __name__ == "__main__":
    main()
