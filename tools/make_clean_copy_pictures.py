"""Draw docs/clean-copy-review.png and docs/clean-copy-clean.png with the real pipeline.

The demo (the example register, and registers/example-file/ as SAR-2026-002's file) is run in a
temporary folder: its review is built, approved as it is, and applied; then the same page of
the review and of the clean copy is drawn for the README.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pymupdf  # noqa: E402

from pipeline import config as config_module  # noqa: E402
from pipeline.run import weekly_run  # noqa: E402
from pipeline.setup import EXAMPLE_FILE_REF, demo_config, example_register  # noqa: E402

DAY = date(2026, 11, 30)
PAGE = 1  # the review's page after its cover: the Word document


def main() -> int:
    """Run the demo twice in a temporary folder and draw the two pictures."""
    with tempfile.TemporaryDirectory(prefix="pictures-") as scratch:
        root = Path(scratch)
        shutil.copytree(ROOT / "registers", root / "registers")
        (root / "letter_templates").symlink_to(ROOT / "letter_templates")
        config = config_module.load(demo_config(root))
        weekly_run(config, DAY, example_register=example_register(root))
        folder = config.paths.working_folder / EXAMPLE_FILE_REF
        review = folder / f"{EXAMPLE_FILE_REF} redaction review.pdf"
        shutil.copyfile(review, folder / "approved" / review.name)
        weekly_run(config, DAY, example_register=example_register(root))
        clean = folder / f"{EXAMPLE_FILE_REF} clean copy.pdf"
        with pymupdf.open(review) as document:
            _draw(document[PAGE], ROOT / "docs" / "clean-copy-review.png")
        with pymupdf.open(clean) as document:
            _draw(document[PAGE - 1], ROOT / "docs" / "clean-copy-clean.png")
    print("Wrote docs/clean-copy-review.png and docs/clean-copy-clean.png")
    return 0


def _draw(page: pymupdf.Page, target: Path) -> None:
    """Draw the top third of ``page``, where the notes are, at a readable size."""
    clip = pymupdf.Rect(0, 0, page.rect.width, page.rect.height / 3.5)
    page.get_pixmap(dpi=110, clip=clip, annots=True).save(target)


if __name__ == "__main__":
    sys.exit(main())
