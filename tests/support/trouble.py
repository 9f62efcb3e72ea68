"""Real trouble for a run: a full disk, a read-only folder, a folder this user may not write.

Nothing is pretended: ``letters run`` is started as a child process that meets the real
errors. For a full disk or a read-only folder it runs in a mount namespace of its own
(``unshare --mount``), where a folder is covered by a tiny file system with only so many bytes
free (tmpfs), or bound read-only onto itself; nobody else sees them, and they go when the child
ends (a full folder's files are copied out first, so the test can look at them). For a folder
it may not write, it runs as a user that owns the setting but not that folder (``nobody``,
through setpriv, when the tests run as root, since root may write anywhere).
"""

from __future__ import annotations

import contextlib
import functools
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path

import pytest

from pipeline.config import Config

from support.files import REPO

NOBODY = 65534
# Root mounts in a namespace of its own; another user in one where it is root (if allowed).
UNSHARE = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "-rm"]


@functools.cache
def _can(*command: str) -> bool:
    try:
        return subprocess.run(command, capture_output=True, check=False).returncode == 0
    except OSError:  # no such program
        return False


def require_mounts() -> None:
    """Skip the test where this machine lets no process mount a file system of its own."""
    probe = "d=$(mktemp -d) && mount -t tmpfs -o size=8k tmpfs $d && umount $d; rmdir $d"
    if not _can(*UNSHARE, "sh", "-c", probe):
        pytest.skip("needs unshare --mount and tmpfs, which this machine does not allow")


def run_in_trouble(
    config: Config,
    today: date,
    *,
    full: Mapping[Path, int] | None = None,
    read_only: Sequence[Path] = (),
    copied_out: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``letters run`` with each folder of ``full`` left only so many bytes free, and each
    of ``read_only`` read-only; then copy each full folder's files into ``copied_out``."""
    require_mounts()
    script = ["set -e"]
    for number, (folder, free) in enumerate((full or {}).items()):
        stash = f"{folder.parent}/.stash-{number}"
        quoted, size = shlex.quote(str(folder)), max(64 * 1024, _size(folder) * 2 + 64 * 1024)
        script += [
            f"cp -a {quoted} {stash}",
            f"mount -t tmpfs -o size={size} tmpfs {quoted}",
            f"cp -a {stash}/. {quoted}/ && rm -rf {stash}",
            # Fill it, then give back what is to stay free (tmpfs counts in pages of 4 KiB).
            f"dd if=/dev/zero of={quoted}/.filler bs=4k 2>/dev/null || true",
            f"truncate -s -{free} {quoted}/.filler" if free else "true",
        ]
    for folder in read_only:
        quoted = shlex.quote(str(folder))
        script += [f"mount --bind {quoted} {quoted}", f"mount -o remount,bind,ro {quoted}"]
    script += ["set +e", f"{shlex.join(_letters_run(config, today))}", "status=$?"]
    for number, folder in enumerate(full or {}):
        into = shlex.quote(str((copied_out or folder.parent) / f"{folder.name}-{number}"))
        script += [f"mkdir -p {into}", f"cp -a {shlex.quote(str(folder))}/. {into}/"]
        script += [f"rm -f {into}/.filler"]
    script += ["exit $status"]
    return subprocess.run(
        [*UNSHARE, "bash", "-c", "\n".join(script)],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip


def run_as_a_user_who_may_not_write(
    config: Config, today: date, folders: Sequence[Path]
) -> subprocess.CompletedProcess[str]:
    """Run ``letters run`` as a user who may write everywhere in the setting but ``folders``."""
    root = config.source.parent
    if os.geteuid() != 0:  # chmod stops this user itself
        for folder in folders:
            folder.chmod(0o555)
        try:
            return subprocess.run(
                _letters_run(config, today), capture_output=True, text=True, cwd=REPO, check=False
            )
        finally:
            for folder in folders:
                folder.chmod(0o755)
    if not _can("setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                sys.executable, "-c", "import pipeline"):  # fmt: skip
        pytest.skip("needs setpriv, and a Python and project the user nobody can run")
    for path in [root, *root.rglob("*")]:
        os.chown(path, NOBODY, NOBODY, follow_symlinks=False)
    for folder in folders:
        os.chown(folder, 0, 0)
        folder.chmod(0o755)  # root's: others may read it, not write in it
    try:
        return subprocess.run(
            ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
             *_letters_run(config, today)],
            capture_output=True, text=True, cwd=REPO, check=False,
            env={**os.environ, "HOME": str(root)},
        )  # fmt: skip
    finally:
        for path in [root, *root.rglob("*")]:
            os.chown(path, 0, 0, follow_symlinks=False)


@contextlib.contextmanager
def reachable_by_nobody(tmp_path: Path) -> Iterator[Path]:
    """Yield a folder for a setting that the user nobody can reach (pytest's are root's own)."""
    if os.geteuid() != 0:
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="letters-nobody-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _letters_run(config: Config, today: date) -> list[str]:
    return [sys.executable, "-m", "pipeline", "run", "--config", str(config.source),
            "--today", today.isoformat()]  # fmt: skip


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
