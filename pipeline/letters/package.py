"""Write a letter's .docx: the template's zip, written once, with the letter's own parts added.

A .docx is a zip (PKWARE's APPNOTE.TXT, section 4.3): each part's local header and data, then
the central directory naming every part and where it starts, then the end record. The parts a
letter does not change (styles, settings, fonts, pictures) are the same bytes in every letter,
and so is their directory: both are kept here as the template gave them, and each letter adds
its own parts after them, then the directory with theirs, as Python's ``zipfile`` would write
them in append mode. Appending with ``zipfile`` re-read the whole directory and wrote its end
for every letter, twice: 0.9 ms of a letter's 1.6.

Only what python-docx writes is met here (small parts, no zip64, no comment); a package that
holds anything else is refused by ``Package.of``, and the renderer writes it with ``zipfile``.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

_LOCAL = struct.Struct("<4s2B4HL2L2H")  # a part's local header (APPNOTE 4.3.7)
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # its central directory record (4.3.12)
_END = struct.Struct("<4s4H2LH")  # the end of the central directory (4.3.16)
_VERSION = 20  # 2.0: deflate, as zipfile writes it
_DEFLATED = 8
_STORED = 0
_LARGEST = 0xFFFF_FFFF  # beyond this a part, or the zip, would need zip64
# A part's compression, time, date, CRC-32, sizes and name's length, in the local header and
# again in the central directory.
_Fields = tuple[int, ...]
_KEPT = 8  # parts kept written, for each template: a letterhead is the same in most letters


@dataclass(frozen=True)
class Entry:
    """How the template stores a part the letter renders: its name, date and compression."""

    name: str
    date_time: tuple[int, int, int, int, int, int]
    deflated: bool
    create_system: int = 0
    external_attr: int = 0
    shared: bool = False  # the same in most letters (a letterhead): written once, kept


@dataclass(frozen=True)
class Package:
    """The template's unchanged parts, written once: each letter adds its own with ``letter``."""

    entries: bytes  # every unchanged part's local header and data, as the template's zip has them
    directory: bytes  # their central directory records
    count: int
    _written: dict[tuple[str, bytes], tuple[bytes, _Fields]] = field(
        default_factory=dict, compare=False
    )

    @classmethod
    def of(cls, package: bytes) -> Package | None:
        """Take the zip ``package`` apart; None when it is not the plain zip python-docx writes."""
        if len(package) < _END.size:
            return None
        (signature, disk, start, here, count, size, offset, comment) = _END.unpack(
            package[-_END.size :]
        )
        if (
            signature != b"PK\005\006"
            or (disk, start, comment) != (0, 0, 0)
            or here != count
            or offset + size != len(package) - _END.size
        ):
            return None
        return cls(package[:offset], package[offset : offset + size], count)

    def letter(self, parts: list[tuple[Entry, bytes]]) -> bytes:
        """Return the .docx of the unchanged parts and ``parts``, added in their order."""
        written, directory = [self.entries], [self.directory]
        offset = len(self.entries)
        for entry, data in parts:
            local, fields = self._local(entry, data)
            # Made by (the template's system), needs 2.0, no flags; then as in the local header;
            # then no extra field, comment, disk or internal attributes.
            made = (_VERSION, entry.create_system, _VERSION, 0, 0)
            after = (0, 0, 0, 0, entry.external_attr, offset)
            directory.append(_CENTRAL.pack(b"PK\001\002", *made, *fields, *after) + _name(entry))
            written.append(local)
            offset += len(local)
        central = b"".join(directory)
        if offset + len(central) > _LARGEST:
            raise ValueError("a letter of over 4 GB")  # never met: a letter is some 40 kB
        count = self.count + len(parts)
        end = _END.pack(b"PK\005\006", 0, 0, count, count, len(central), offset, 0)
        return b"".join([*written, central, end])

    def _local(self, entry: Entry, data: bytes) -> tuple[bytes, _Fields]:
        """Return a part's local header and data, and the fields its directory record repeats
        (a shared part's written once for each of its few versions)."""
        key = (entry.name, data)
        found = self._written.get(key) if entry.shared else None
        if found is not None:
            return found
        if len(data) > _LARGEST:
            raise ValueError(f"{entry.name}: a part of over 4 GB")  # never met, as above
        if entry.deflated:  # as zipfile deflates, at zlib's default level
            compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
            stored = compressor.compress(data) + compressor.flush()
        else:
            stored = data
        time, date = _dos(entry.date_time)
        name = _name(entry)
        method = _DEFLATED if entry.deflated else _STORED
        fields = (method, time, date, zlib.crc32(data), len(stored), len(data), len(name), 0)
        # Needs 2.0, no flags, then the fields; no extra field.
        found = (_LOCAL.pack(b"PK\003\004", _VERSION, 0, 0, *fields) + name + stored, fields[:-1])
        if entry.shared and len(self._written) < _KEPT:
            self._written[key] = found
        return found


def _name(entry: Entry) -> bytes:
    """Return a part's name as its zip records it."""
    return entry.name.encode("ascii")


def _dos(moment: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    """Return a part's date and time as a zip keeps them: MS-DOS time, then date."""
    year, month, day, hour, minute, second = moment
    return hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day
