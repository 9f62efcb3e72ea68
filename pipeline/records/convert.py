"""Turn Word documents into PDFs with LibreOffice, many in one run of it, two at once for many."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import textwrap
import threading
from pathlib import Path

from pipeline.errors import LettersError, describe
from pipeline.records.sanitize import strip_external_links

NO_OFFICE_NOTE = (
    "LibreOffice is not installed, so letters are sent as .docx and the bundle holds only what "
    "is already PDF or an image. Install LibreOffice (https://www.libreoffice.org) to send PDFs."
)

# LibreOffice's own setting that refuses to load linked pictures and other linked content from
# anywhere but trusted places: written into the profile before its first start, so converting
# a reply in any format (.odt, .rtf, a .docx that is really HTML) fetches nothing.
_BLOCK_LINKS = (
    '<item oor:path="/org.openoffice.Office.Common/Security/Scripting">'
    '<prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>'
)
_PROFILE_SETTINGS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/'
    'registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/'
    f'XMLSchema-instance">\n{_BLOCK_LINKS}\n</oor:items>\n'
)

_OFFICE_PATHS = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)


def find_office() -> str | None:
    """Return the LibreOffice program to run, or None when it is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in _OFFICE_PATHS:
        if Path(candidate).is_file():
            return candidate
    return None


class Converter:
    """Turn Word documents into PDFs with LibreOffice.

    ``work`` is a scratch folder the caller owns (LibreOffice's profile lives there), and
    ``staging`` (by default ``work``) where the copies of the documents, the PDFs and
    LibreOffice's own temporary files are made: the run keeps it in the working folder and
    empties it at its next start, so no copy outlives a run that was killed. One converter
    must not be used by two processes at once: they would share the profile.
    """

    # Seconds allowed for one LibreOffice run: its first start makes a new profile.
    timeout = 60.0
    timeout_per_file = 5.0
    # From this many documents, two LibreOffice runs share them, each with its own profile:
    # measured by `make bench` (BENCHMARKS.md, PDFs), about 1.4× one run on 2 cores; below it,
    # the second start costs more than it saves.
    two_from = 8

    def __init__(self, office: str | None, work: Path, staging: Path | None = None) -> None:
        self.office = office
        self.work = work
        self.staging = staging or work
        self.problems: list[str] = []  # files the last docx_to_pdf call could not convert

    @property
    def available(self) -> bool:
        """Say whether Word documents can be converted (LibreOffice was found)."""
        return self.office is not None

    def docx_to_pdf(self, sources: list[Path], *, into: Path | None = None) -> dict[Path, Path]:
        """Convert Word documents in one LibreOffice run; map each converted source to its PDF.

        A file LibreOffice cannot read is left out and described in ``self.problems``. Each PDF
        is named after its source, in a numbered subfolder of ``into`` (a folder for this call
        alone; by default a new one under ``staging``), so same-named sources never collide.
        Each Word document is converted from a copy without its external links.
        """
        self.problems = []
        if self.office is None or not sources:
            return {}
        self.staging.mkdir(parents=True, exist_ok=True)
        run = Path(tempfile.mkdtemp(prefix="pdf-", dir=self.staging))
        try:
            return self._convert(list(dict.fromkeys(sources)), run, into or run / "pdf")
        finally:
            if into is not None or not any(run.iterdir()):
                shutil.rmtree(run, ignore_errors=True)

    def _convert(self, sources: list[Path], run: Path, into: Path) -> dict[Path, Path]:
        """Stage copies of ``sources`` in ``run``, convert them, and file each PDF in ``into``."""
        inbox, outbox = run / "in", run / "out"
        inbox.mkdir()
        # Copies under numbered names: files of the same name in different folders would
        # overwrite each other in one output folder, and LibreOffice never touches the originals.
        staged: dict[Path, str] = {}
        for number, source in enumerate(sources, start=1):
            stem = f"{number:04d}"
            copy = inbox / f"{stem}{source.suffix.lower()}"
            try:
                shutil.copyfile(source, copy)
                if copy.suffix == ".docx":
                    strip_external_links(copy)
            except OSError as error:
                self.problems.append(f"{source}: cannot be read ({describe(error)}).")
                continue
            staged[source] = stem
        try:
            if staged:
                self._run_batches(sorted(inbox.iterdir()), outbox, run / "temp")
            converted: dict[Path, Path] = {}
            for source, stem in staged.items():
                made = outbox / f"{stem}.pdf"
                if not made.is_file() or made.stat().st_size == 0:
                    self.problems.append(
                        f"{source}: LibreOffice could not convert it to PDF. Open it in Word or "
                        "LibreOffice to check it is a working document, then save it again."
                    )
                    continue
                named = into / stem / f"{source.stem}.pdf"
                named.parent.mkdir(parents=True, exist_ok=True)
                os.replace(made, named)
                converted[source] = named
            return converted
        finally:
            # Copies of personal data: keep none beyond the PDFs handed back.
            for folder in (inbox, outbox, run / "temp"):
                shutil.rmtree(folder, ignore_errors=True)

    def _run_batches(self, files: list[Path], outdir: Path, temp: Path) -> None:
        """Convert ``files`` into ``outdir``: in one LibreOffice run, or in two at once when
        there are many and two cores; raise as the first run that failed did."""
        runs = 2 if len(files) >= self.two_from and (os.cpu_count() or 1) >= 2 else 1
        if runs == 1:
            self._run_office(files, outdir, len(files), temp, "profile")
            return
        failed: list[LettersError] = []

        def convert(part: list[Path], number: int) -> None:
            try:
                self._run_office(part, outdir, len(part), temp / str(number), f"profile-{number}")
            except LettersError as error:
                failed.append(error)

        threads = [
            threading.Thread(target=convert, args=(files[number::runs], number + 1))
            for number in range(runs)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failed:
            raise failed[0]

    def _run_office(
        self, files: list[Path], outdir: Path, count: int, temp: Path, profile_name: str
    ) -> None:
        """Run one headless LibreOffice over ``files``, with the profile ``profile_name`` and
        its temporary files kept in ``temp``; raise when the process itself fails."""
        assert self.office is not None
        profile = (self.work / profile_name).resolve()
        _block_links(profile)
        temp.mkdir(parents=True, exist_ok=True)
        places = {name: str(temp) for name in ("TMPDIR", "TMP", "TEMP")}
        command = [
            self.office,
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            *(str(file) for file in files),
        ]
        timeout = self.timeout + self.timeout_per_file * count
        posix = os.name == "posix"
        try:
            # A session of its own, so a timeout can stop LibreOffice's helper processes too.
            process = subprocess.Popen(
                command,
                env={**os.environ, **places},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=posix,
            )
        except OSError as error:
            raise LettersError(
                f"{self.office}: LibreOffice could not be started ({error.strerror}). Reinstall "
                "LibreOffice, or uninstall it to send letters as .docx."
            ) from None
        try:
            _out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            if posix:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.kill()
            process.communicate()
            raise LettersError(
                f"LibreOffice did not finish converting {count} document(s) to PDF within "
                f"{timeout:.0f} seconds. Close any LibreOffice window, delete the folder "
                f"{profile} and run again."
            ) from None
        if process.returncode != 0 and not any(outdir.glob("*.pdf")):
            detail = _last_line(err.decode(errors="replace"))
            raise LettersError(
                f"LibreOffice stopped with an error (exit code {process.returncode}"
                f"{': ' + detail if detail else ''}) while converting letters to PDF. "
                f"Delete the folder {profile} and run again; if it happens again, reinstall "
                "LibreOffice."
            )


def _block_links(profile: Path) -> None:
    """Make the LibreOffice profile refuse linked content, before LibreOffice first reads it."""
    settings = profile / "user" / "registrymodifications.xcu"
    try:
        text = settings.read_text(encoding="utf-8")
    except FileNotFoundError:
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(_PROFILE_SETTINGS, encoding="utf-8")
        return
    if "BlockUntrustedRefererLinks" not in text:
        settings.write_text(text.replace("</oor:items>", f"{_BLOCK_LINKS}\n</oor:items>"))


def _last_line(text: str) -> str:
    """Return the last meaningful line of LibreOffice's error output, shortened."""
    lines = [line for line in text.splitlines() if line.strip() and "javaldx" not in line]
    return textwrap.shorten(lines[-1], 200) if lines else ""
