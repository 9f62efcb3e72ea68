"""The register's sheets and columns, exactly as DESIGN section 2 names them."""

from dataclasses import dataclass

from pipeline.model import BEST_INTERESTS, GROUNDS, LEGAL_ADVICE, SERIOUS_HARM, THIRD_PARTY_GROUND

__all__ = ["BEST_INTERESTS", "GROUNDS", "LEGAL_ADVICE", "SERIOUS_HARM", "THIRD_PARTY_GROUND"]

REQUESTS = "Requests"
THIRD_PARTIES = "Third parties"
LETTERS = "Letters"
COMPLAINTS = "Complaints"
WITHHELD = "Withheld"


@dataclass(frozen=True)
class Column:
    """One column of a register sheet."""

    header: str
    pipeline: bool = False  # written by the pipeline (grey header), else the manager's
    width: int = 16
    # A column registers made by an earlier version lack: read as blank while it is missing,
    # and added at the end of row 1 at the next write-back (DESIGN section 2).
    added: bool = False


REQUEST_COLUMNS: tuple[Column, ...] = (
    Column("Ref", width=14),
    Column("Received", width=12),
    Column("Requester", width=22),
    Column("Relationship", width=18),
    Column("Requester email", width=26),
    Column("Requester address", width=34),
    Column("Child", width=20),
    Column("Child date of birth", width=12),
    Column("Request letter", width=24),
    Column("ID requested", width=12, added=True),
    Column("ID received", width=12, added=True),
    Column("Clarification asked", width=13),
    Column("Clarification received", width=13),
    Column("Extended", width=10),
    Column("Extension reason", width=30),
    Column("Clean copy ready", width=12),
    Column("Meeting", width=17),
    Column("Closed", width=12),
    Column("Notes", width=30),
    Column("Acknowledged", pipeline=True, width=13),
    Column("Promised by", pipeline=True, width=13),
    Column("Legal deadline", pipeline=True, width=13),
    Column("Days left", pipeline=True, width=9),
    Column("Status", pipeline=True, width=28),
)

THIRD_PARTY_COLUMNS: tuple[Column, ...] = (
    Column("Ref", width=14),
    Column("Name", width=22),
    Column("Organisation", width=30),
    Column("Kind", width=15),
    Column("Role", width=18),
    Column("Email", width=26),
    Column("Address", width=34),
    Column("Decision", width=11),
    Column("Decision notes", width=30),
    Column("Also known as", width=24, added=True),
    Column("Party", pipeline=True, width=7),
    Column("Letter sent", pipeline=True, width=12),
    Column("Reminder sent", pipeline=True, width=13),
    Column("Reply received", pipeline=True, width=13),
    Column("Reply", pipeline=True, width=28),
)

# The Letters sheet is the pipeline's, except Posted, which the manager types for letters
# that went by post.
LETTER_COLUMNS: tuple[Column, ...] = (
    Column("Letter", pipeline=True, width=30),
    Column("Ref", pipeline=True, width=14),
    Column("Party", pipeline=True, width=7),
    Column("Kind", pipeline=True, width=22),
    Column("Recipient", pipeline=True, width=26),
    Column("Generated", pipeline=True, width=12),
    Column("Signed", pipeline=True, width=12),
    Column("Sent", pipeline=True, width=12),
    Column("By", pipeline=True, width=7),
    Column("To", pipeline=True, width=30),
    Column("File", pipeline=True, width=50),
    Column("Message id", pipeline=True, width=30),
    Column("Posted", width=12),
)

# Complaints to the setting (DPA 2018 s.164A), one row each.
COMPLAINT_COLUMNS: tuple[Column, ...] = (
    Column("Ref", pipeline=True, width=13, added=True),
    Column("Received", width=12),
    Column("Complainant", width=22),
    Column("Email", width=26),
    Column("Address", width=34),
    Column("Request", width=14),
    Column("Summary", width=40),
    Column("Outcome", width=40),
    Column("Closed", width=12),
    Column("Acknowledge by", pipeline=True, width=13),
    Column("Acknowledged", pipeline=True, width=13),
    Column("Status", pipeline=True, width=28),
)

# What the owner decided to keep out of a request's copy, and on what ground, one row each:
# the response letter tells the parent, and the consents record keeps the reasons.
WITHHELD_COLUMNS: tuple[Column, ...] = (
    Column("Ref", width=14),
    Column("What", width=40),
    Column("Ground", width=16),
    Column("Party", width=7),
    Column("Opinion from", width=26),
    Column("Opinion date", width=12),
    Column("Reasons", width=40),
)

SHEETS: dict[str, tuple[Column, ...]] = {
    REQUESTS: REQUEST_COLUMNS,
    THIRD_PARTIES: THIRD_PARTY_COLUMNS,
    LETTERS: LETTER_COLUMNS,
    COMPLAINTS: COMPLAINT_COLUMNS,
    WITHHELD: WITHHELD_COLUMNS,
}
# Sheets registers made by an earlier version lack: read as empty while missing, and added
# at the next write-back.
ADDED_SHEETS = frozenset({COMPLAINTS, WITHHELD})

RELATIONSHIPS = (
    "Mother",
    "Father",
    "Parent",
    "Carer",
    "Person with parental responsibility",
    "Other",
)
KINDS = ("Family member", "Agency")
DECISIONS = ("Consents", "Refuses")
EXTENDED = ("Yes", "No")

# Drop-down lists the blank register offers, by sheet and column.
CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    (REQUESTS, "Relationship"): RELATIONSHIPS,
    (REQUESTS, "Extended"): EXTENDED,
    (THIRD_PARTIES, "Kind"): KINDS,
    (THIRD_PARTIES, "Decision"): DECISIONS,
    (WITHHELD, "Ground"): GROUNDS,
}
