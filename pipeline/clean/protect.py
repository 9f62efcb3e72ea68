"""Protect the clean copy for email: AES-256 encryption with a password made for the request.

The password is given to the requester by phone or in a separate letter, never in the same
email as the copy; the to-do list shows it until the request is closed.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pymupdf

from pipeline.errors import LettersError
from pipeline.folders import whole

# No 0/O, 1/I/l or 5/S: read out over the phone without a doubt.
_ALPHABET = "ABCDEFGHJKMNPQRTUVWXYZ2346789"
_GROUPS, _GROUP = 4, 4  # 16 characters: about 78 bits


def new_password() -> str:
    """Return a new password in groups of four, easy to read out: ``KQ7M-3XPD-…``."""
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(_GROUP)) for _ in range(_GROUPS))
    return "-".join(groups)


def protect(clean: Path, target: Path, password: str) -> None:
    """Write ``clean`` at ``target`` encrypted with AES-256: it opens only with ``password``."""
    permissions = (
        pymupdf.PDF_PERM_PRINT | pymupdf.PDF_PERM_PRINT_HQ | pymupdf.PDF_PERM_ACCESSIBILITY
    )
    try:
        document = pymupdf.open(clean)
    except (pymupdf.FileDataError, RuntimeError) as error:
        raise LettersError(
            f"{clean}: cannot be read as a PDF ({error}), so it was not protected for email; "
            "save the clean copy again as a PDF, then run again."
        ) from error
    if document.needs_pass:
        document.close()
        raise LettersError(
            f"{clean}: it has a password of its own, so it was not protected for email; save "
            "the clean copy again as a PDF without a password, then run again."
        )
    # The copy's own properties (author, software, dates) say nothing the requester needs.
    document.set_metadata({})
    document.del_xml_metadata()
    with document, whole(target) as partial:
        document.save(
            partial,
            encryption=pymupdf.PDF_ENCRYPT_AES_256,
            user_pw=password,
            owner_pw=secrets.token_urlsafe(24),  # no one may change it: the owner's is thrown away
            permissions=permissions,
            garbage=3,
            deflate=True,
        )
