#!/usr/bin/env bash
# Install the system packages SAR letters and its tests use, those that are missing (apt).
#
# `make test`, `make check` and .ci/run call it. It installs only what is missing, with sudo
# when not root. When it cannot (no apt here, or not root and no sudo without a password), it
# says so in one line and carries on: the tests that need a missing program then skip, or,
# under CI=true, fail. It never fails the build itself.
set -uo pipefail

# One package a line, with what it is for: add a package here and every caller installs it.
PACKAGES=(
    libreoffice-writer       # letters and the bundle's Word parts to PDF (its tests run it)
    libreoffice-calc         # registers saved by LibreOffice Calc, made for their tests
    libreoffice-draw         # a redaction review saved by LibreOffice Draw, for its test
    fonts-liberation2        # metric-compatible stand-ins for Arial, Times New Roman, Courier,
    fonts-crosextra-carlito  # Calibri
    fonts-crosextra-caladea  # and Cambria, so letters keep their layout
    tesseract-ocr            # OCR (through OCRmyPDF) of scans: the replies and the child's file
    tesseract-ocr-eng        # its English
    tesseract-ocr-cym        # and Welsh data
    ghostscript              # PDF pages to images for OCR and redaction
)
# OCRmyPDF needs nothing more: the review asks it for no optimising (pngquant, jbig2) and no
# page cleaning (unpaper), and PyMuPDF brings its own MuPDF.

say() { printf 'System packages: %s\n' "$*"; }

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
    say "not installed (no apt-get on this machine): install LibreOffice and Tesseract yourself;" \
        "until then the tests that need them are skipped."
    exit 0
fi

missing=()
for package in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)
    [[ "$status" == *" installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ "$(id -u)" -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)  # hosted CI runners are not root, and have sudo without a password
else
    say "${missing[*]} missing, and this user cannot install them (not root, no sudo without" \
        "a password): run \`sudo $0\` once; until then the tests that need them are skipped."
    exit 0
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "${as_root[@]}" apt-get update -qq >"$log" 2>&1; then
    tail -n 5 "$log"
    say "apt-get update failed (above), so ${missing[*]} were not installed; the tests that" \
        "need them are skipped."
    exit 0
fi

# A package this system's apt does not know would make apt-get install nothing at all.
known=() unknown=()
for package in "${missing[@]}"; do
    policy=$(apt-cache policy "$package" 2>/dev/null)
    if [[ "$policy" == *"Candidate: "[^\(]* ]]; then
        known+=("$package")
    else
        unknown+=("$package")
    fi
done
[[ ${#unknown[@]} -gt 0 ]] && say "apt on this machine has no ${unknown[*]}: install them yourself."
[[ ${#known[@]} -eq 0 ]] && exit 0

say "installing ${known[*]}"
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${known[@]}" >"$log" 2>&1; then
    tail -n 5 "$log"
    say "apt-get could not install ${known[*]} (above); the tests that need them are skipped."
fi
exit 0
