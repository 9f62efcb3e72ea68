"""Write the run's to-do list and the status table, for the screen and for printing."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pipeline.model import Problem, Request
from pipeline.outcome import Outcome
from pipeline.progress import Progress


def _uk(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def status_table(progress: Sequence[tuple[Request, Progress]]) -> list[str]:
    """Return the open requests as aligned lines: both deadlines, days left, status."""
    rows = [
        ("Ref", "Requester", "Received", "Promised by", "Legal deadline", "Days left", "Status")
    ]
    for request, where in progress:
        if request.closed is not None:
            continue
        rows.append(
            (
                request.ref,
                request.requester,
                _uk(request.received),
                _uk(where.deadlines.promised_by),
                _uk(where.deadlines.legal_deadline),
                "" if where.days_left is None else str(where.days_left),
                where.status,
            )
        )
    if len(rows) == 1:
        return ["  No open requests."]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  "
        + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        + "  "
        + row[-1]
        for row in rows
    ]


def problem_lines(problems: Sequence[Problem]) -> list[str]:
    """Return one line per problem in the register."""
    return [f"  {problem}" for problem in problems]


def to_do(outcome: Outcome) -> str:
    """Return the run's to-do list as printable text."""
    base = outcome.working_folder
    lines = [
        f"SAR letters — weekly run for {outcome.today:%A} {outcome.today.day} "
        f"{outcome.today:%B %Y}" + (" (dry run: nothing was changed)" if outcome.dry_run else ""),
        f"Register: {outcome.register}",
        f"Letters folder: {base}",
        "",
    ]
    verb = "Would generate" if outcome.dry_run else "Generated"
    lines.append(f"{verb} {len(outcome.generated)} new letter(s).")
    for _letter, target in outcome.generated:
        lines.append(f"  {_relative(target, base)}")
    if outcome.regenerated:
        lines.append("")
        lines.append(
            f"{'Would regenerate' if outcome.dry_run else 'Regenerated'} "
            f"{len(outcome.regenerated)} letter(s) that had gone from their folder "
            "(deleted by mistake?):"
        )
        lines.extend(f"  {_relative(target, base)}" for _letter, target in outcome.regenerated)
    for gone in outcome.cannot_regenerate:
        lines.append(f"  Could not regenerate {gone}.")
    lines += ["", f"Letters to sign ({len(outcome.to_sign)}):"]
    if outcome.to_sign:
        lines.append(
            "  Open each in Word, check it, sign it, and save it into the request's signed/ "
            "folder (as .docx, or a scanned .pdf of the same name)."
        )
        for path in outcome.to_sign:
            mark = "  (goes by post)" if path.name in outcome.by_post else ""
            lines.append(f"  {_relative(path, base)}{mark}")
    else:
        lines.append("  None.")
    for ref in outcome.late_extensions:
        lines.append(
            f"  Note: the extension notice for {ref} goes after the first month; "
            "the requester should have been told within one month of receipt."
        )
    lines += ["", f"Replies to read and decide ({len(outcome.undecided)}):"]
    if outcome.undecided:
        lines.append(
            "  Read each reply, then type Consents or Refuses under Decision on the Third "
            "parties sheet, with your reasons under Decision notes."
        )
    for party in outcome.undecided:
        assert party.reply_received is not None
        lines.append(
            f"  {party.ref}/{party.party} {party.display_name}: replied {_uk(party.reply_received)}"
            + (f" ({party.reply})" if party.reply else "")
        )
    if not outcome.undecided:
        lines.append("  None.")
    lines += ["", "Requests at risk or overdue:"]
    urgent = [(r, p) for r, p in outcome.progress if p.overdue or p.at_risk]
    for request, where in urgent:
        label = "OVERDUE" if where.overdue else "AT RISK"
        lines.append(
            f"  {label}  {request.ref} ({request.requester}): {where.status}; promised by "
            f"{_uk(where.deadlines.promised_by)}, legal deadline "
            f"{_uk(where.deadlines.legal_deadline)}, {where.days_left} working day(s) left"
        )
    if not urgent:
        lines.append("  None.")
    lines += ["", "Open requests:", *status_table(outcome.progress)]
    lines += ["", f"Rows with problems ({len(outcome.problems)}):"]
    if outcome.problems:
        lines.append(
            "  Nothing was generated for these rows. Fix them in the register and run again."
        )
        lines.extend(problem_lines(outcome.problems))
    else:
        lines.append("  None.")
    lines.append("")
    if outcome.dry_run:
        lines.append("Register: not written (dry run).")
    elif outcome.register_error:
        lines.append(f"Register NOT written: {outcome.register_error}")
    elif outcome.register_written:
        lines.append(f"Register updated; the previous version is saved as {outcome.backup}.")
    else:
        lines.append("Register: nothing to update.")
    return "\n".join(lines) + "\n"


def save_to_do(outcome: Outcome, text: str) -> Path:
    """Save the to-do list in the working folder as a dated text file, all or nothing."""
    outcome.working_folder.mkdir(parents=True, exist_ok=True)
    target = outcome.working_folder / f"To-do {outcome.today.isoformat()}.txt"
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, target)
    return target
