"""Draw PDFs with Pillow: scans and photos as they are, an email's text as plain A4 pages.

Only a request bundle needs these, so Pillow is imported only when a bundle is built.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, ImageSequence

from pipeline.errors import LettersError, describe
from pipeline.folders import whole

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


def image_to_pdf(source: Path, target: Path) -> None:
    """Write an image (every page of a TIFF) as a PDF, one page per frame, upright."""
    if source.suffix.lower() in {".heic", ".heif"}:
        _read_heif()
    try:
        with whole(target) as partial, Image.open(source) as image:
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
        raise LettersError(
            f"{source}: this image cannot be read ({describe(e)}). Open it and save it again "
            "as PDF, JPEG or PNG, or print it and add it by hand."
        ) from None


@functools.cache
def _read_heif() -> None:
    """Teach Pillow to read HEIC/HEIF, the photos of an iPhone (pillow-heif, only when needed)."""
    import pillow_heif

    pillow_heif.register_heif_opener()


def text_to_pdf(title: str, lines: list[str], target: Path) -> None:
    """Write ``title`` and ``lines`` as plain A4 pages of text (no LibreOffice needed)."""
    body_font = _font(_FONTS, _BODY_PX)
    title_font = _font(_BOLD_FONTS, _TITLE_PX)
    width = _PAGE[0] - 2 * _MARGIN
    pages = _paginate(
        [(title_font, line) for line in _wrap(title, title_font, width)]
        + [(body_font, "")]
        + [(body_font, line) for text in lines for line in _wrap(text, body_font, width)]
    )
    try:
        with whole(target) as partial:
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
        raise LettersError(f"{target}: cannot be written ({describe(error)}).") from None


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
