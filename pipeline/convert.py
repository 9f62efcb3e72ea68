"""Make PDFs: Word documents with LibreOffice; scans, photos and email text with Pillow."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import signal
import subprocess
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, ImageSequence

from pipeline.errors import LettersError

NO_OFFICE_NOTE = (
    "LibreOffice is not installed, so letters are sent as .docx and the bundle holds only what "
    "is already PDF or an image. Install LibreOffice (https://www.libreoffice.org) to send PDFs."
)

_OFFICE_PATHS = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)

# Text pages: A4 at 300 dots per inch in black and white (crisp, and about 70 kB a page where
# 150 dpi grey costs 400 kB), 2 cm margins, 10.5 pt type.
_DPI = 300
_PAGE = (2480, 3508)
_MARGIN = 236
_BODY_PX = 44
_TITLE_PX = 60
_LEADING = 1.35
_FONTS = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf", "arial.ttf")
_BOLD_FONTS = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "Arial Bold.ttf", "arialbd.ttf")
_FONT_FOLDERS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/truetype/liberation2",
)

# Pillow would stamp its PDFs with the clock's time; the pipeline takes time only as a parameter.
_NO_DATES: dict[str, None] = {"creationDate": None, "modDate": None}

# Largest printable area for a scan or photo: A4 either way round, in inches.
_A4_INCHES = (210 / 25.4, 297 / 25.4)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


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
    """Make PDFs; ``work`` is a scratch folder the caller owns (LibreOffice's profile lives there).

    One converter must not be used by two processes at once: they would share the profile.
    """

    # Seconds allowed for one LibreOffice run: its first start makes a new profile.
    timeout = 60.0
    timeout_per_file = 5.0

    def __init__(self, office: str | None, work: Path) -> None:
        self.office = office
        self.work = work
        self.problems: list[str] = []  # files the last docx_to_pdf call could not convert

    @property
    def available(self) -> bool:
        """Say whether Word documents can be converted (LibreOffice was found)."""
        return self.office is not None

    def docx_to_pdf(self, sources: list[Path], *, into: Path | None = None) -> dict[Path, Path]:
        """Convert Word documents in one LibreOffice run; map each converted source to its PDF.

        A file LibreOffice cannot read is left out and described in ``self.problems``. Each PDF
        is named after its source, in a numbered subfolder of ``into`` (a folder for this call
        alone; by default a new one under ``work``), so same-named sources never collide.
        """
        self.problems = []
        if self.office is None or not sources:
            return {}
        self.work.mkdir(parents=True, exist_ok=True)
        run = Path(tempfile.mkdtemp(prefix="pdf-", dir=self.work))
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
            try:
                shutil.copyfile(source, inbox / f"{stem}{source.suffix.lower()}")
            except OSError as error:
                self.problems.append(f"{source}: cannot be read ({_reason(error)}).")
                continue
            staged[source] = stem
        try:
            if staged:
                self._run_office(sorted(inbox.iterdir()), outbox, len(staged))
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
            shutil.rmtree(inbox, ignore_errors=True)
            shutil.rmtree(outbox, ignore_errors=True)

    def _run_office(self, files: list[Path], outdir: Path, count: int) -> None:
        """Run one headless LibreOffice over ``files``; raise when the process itself fails."""
        assert self.office is not None
        profile = (self.work / "profile").resolve()
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

    def image_to_pdf(self, source: Path, target: Path) -> None:
        """Write an image (every page of a TIFF) as a PDF, one page per frame, upright."""
        partial = target.with_name(f".{target.name}.partial")
        try:
            with Image.open(source) as image:
                for number, frame in enumerate(_upright_frames(image)):
                    # JPEG inside the PDF for grey and colour; black and white stays lossless.
                    quality = {} if frame.mode == "1" else {"quality": 90}
                    frame.save(
                        partial,
                        "PDF",
                        append=number > 0,
                        resolution=_fitting_dpi(frame, image.info.get("dpi")),
                        title=source.stem,
                        **_NO_DATES,
                        **quality,
                    )
        # A damaged or hostile image (replies are untrusted) can fail in Pillow's decoders with
        # almost any exception; it is one file, reported, not a crash.
        except Exception as e:
            _discard(partial)
            raise LettersError(
                f"{source}: this image cannot be read ({_reason(e)}). Open it and save it again "
                "as PDF, JPEG or PNG, or print it and add it by hand."
            ) from None
        os.replace(partial, target)

    def text_to_pdf(self, title: str, lines: list[str], target: Path) -> None:
        """Write ``title`` and ``lines`` as plain A4 pages of text (no LibreOffice needed)."""
        body_font = _font(_FONTS, _BODY_PX)
        title_font = _font(_BOLD_FONTS, _TITLE_PX)
        width = _PAGE[0] - 2 * _MARGIN
        pages = _paginate(
            [(title_font, line) for line in _wrap(title, title_font, width)]
            + [(body_font, "")]
            + [(body_font, line) for text in lines for line in _wrap(text, body_font, width)]
        )
        partial = target.with_name(f".{target.name}.partial")
        try:
            for number, page in enumerate(pages):  # page by page: one page in memory at a time
                _draw_page(page).save(
                    partial,
                    "PDF",
                    append=number > 0,
                    resolution=float(_DPI),
                    title=title,
                    **_NO_DATES,
                )
        except OSError as error:
            _discard(partial)
            raise LettersError(f"{target}: cannot be written ({_reason(error)}).") from None
        os.replace(partial, target)


def _upright_frames(image: Image.Image) -> Iterator[Image.Image]:
    """Yield each frame turned the way the camera or scanner meant, in a mode PDF can hold."""
    for frame in ImageSequence.Iterator(image):
        upright = ImageOps.exif_transpose(frame) or frame
        yield _pdf_mode(upright)


def _pdf_mode(image: Image.Image) -> Image.Image:
    """Return ``image`` as black-and-white, grey or RGB; transparency becomes white paper."""
    if image.mode in ("1", "L", "RGB"):
        return image.copy()
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGB", rgba.size, "white")
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper
    if image.mode.startswith("I") or image.mode == "F":
        return image.convert("I").point(lambda value: value / 256).convert("L")  # 16-bit scans
    return image.convert("RGB")


def _fitting_dpi(image: Image.Image, stated: object) -> float:
    """Choose a resolution that keeps the image's stated size but never larger than A4."""
    try:  # TIFF states it as a fraction, JPEG and PNG as numbers; many photos not at all
        dpi = max(float(stated[0]), 1.0)  # type: ignore[index]
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
        dpi = 72.0
    short, long = sorted(image.size)
    return max(dpi, short / _A4_INCHES[0], long / _A4_INCHES[1])


@functools.cache
def _font(names: tuple[str, ...], size: int) -> Font:
    """Find a TrueType font that has accented letters; else Pillow's own."""
    for name in names:
        for candidate in (name, *(str(Path(folder) / name) for folder in _FONT_FOLDERS)):
            try:
                return ImageFont.truetype(candidate, size)
            except OSError:
                continue
    return ImageFont.load_default(size=size)


def _wrap(text: str, font: Font, width: int) -> list[str]:
    """Break one line of text into lines that fit ``width`` pixels; keep blank lines."""
    text = _UNPRINTABLE.sub("", text.expandtabs(4)).rstrip()
    if not text:
        return [""]
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        trial = f"{current} {word}" if current else word
        if font.getlength(trial) <= width:
            current = trial
            continue
        if current:
            lines.append(current)
        while font.getlength(word) > width:  # a web address or similar: break it anywhere
            cut = max(1, _fits(word, font, width))
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    lines.append(current)
    return lines


def _fits(word: str, font: Font, width: int) -> int:
    """Return how many leading characters of ``word`` fit ``width`` pixels."""
    low, high = 0, len(word)  # halving: a pasted block of base64 may be thousands long
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(word[:middle]) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def _paginate(lines: list[tuple[Font, str]]) -> list[list[tuple[Font, str]]]:
    """Split lines into pages that fit between the margins."""
    height = _PAGE[1] - 2 * _MARGIN
    pages: list[list[tuple[Font, str]]] = [[]]
    used = 0.0
    for font, text in lines:
        step = _line_height(font)
        if used + step > height and pages[-1]:
            pages.append([])
            used = 0.0
        pages[-1].append((font, text))
        used += step
    return pages


def _line_height(font: Font) -> float:
    return float(getattr(font, "size", _BODY_PX)) * _LEADING


def _draw_page(lines: list[tuple[Font, str]]) -> Image.Image:
    """Draw one page of lines in black on white."""
    page = Image.new("1", _PAGE, 1)
    draw = ImageDraw.Draw(page)
    y = float(_MARGIN)
    for font, text in lines:
        draw.text((_MARGIN, y), text, fill=0, font=font)
        y += _line_height(font)
    return page


# Control characters draw as boxes; a reply may hold any of them.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


def _last_line(text: str) -> str:
    """Return the last meaningful line of LibreOffice's error output, shortened."""
    lines = [line for line in text.splitlines() if line.strip() and "javaldx" not in line]
    return textwrap.shorten(lines[-1], 200) if lines else ""


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _discard(partial: Path) -> None:
    """Remove a half-written file, if there is one to remove."""
    with contextlib.suppress(OSError):
        partial.unlink(missing_ok=True)
