"""Error logs in the data folder's logs/: owner-only files, appended to, never reached through a symlink."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from model import fs

DIR = "logs"


def open_log(root, name: str) -> int:
    """A file descriptor appending to logs/<name> in the data folder, made owner-only (folder 0700, file 0600).
    A symlink planted at logs/ or at the file is never followed: opening it fails with OSError."""
    folder = fs.work_dir(root, DIR)  # logs/ in the data folder; this server's own disk when the store is an object store
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    dfd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        fd = os.open(name, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=dfd)
    finally:
        os.close(dfd)
    try:
        os.fchmod(fd, 0o600)  # a log made before logs were private keeps no wider mode
    except OSError:
        pass
    return fd


def append(root, name: str, text: str) -> Path:
    """Append one entry (a UTC time stamp line, then `text`) to logs/<name>; returns the file's path. Raises OSError."""
    fd = open_log(root, name)
    try:
        os.write(fd, f"--- {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')}\n{text.rstrip()}\n".encode("utf-8", "replace"))
    finally:
        os.close(fd)
    return fs.work_dir(root, DIR) / name
