"""Open a file to tail only if it is a regular file reached without symbolic links.

The directories an operator wrote in a glob pattern (up to its first wildcard) are
trusted as configured. Below them, every directory is opened with ``O_NOFOLLOW``
relative to its parent, and the file itself with ``O_NOFOLLOW | O_NONBLOCK``: a
symlink planted in a log directory cannot point the tailer at another file, and a
FIFO cannot block it (a non-blocking open returns at once; ``fstat`` then shows it
is not a regular file). Opening relative to descriptors leaves no window between
the check and the open.
"""

from __future__ import annotations

import errno
import fcntl
import glob
import os
import stat

from secops.errors import CollectError

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class RefusedFileError(CollectError):
    """A matched path is not a regular file, or is reached through a symbolic link."""


def untrusted_depth(pattern: str) -> int:
    """How many trailing components of a match the operator did not write literally.

    ``/var/log/app/*.log`` → 1 (the file); ``/var/log/*/app.log`` → 2; a pattern
    without wildcards → 1: the file itself is always checked.
    """
    parts = pattern.split(os.sep)
    for i, part in enumerate(parts):
        if glob.has_magic(part):
            return max(len(parts) - i, 1)
    return 1


def open_regular(path: str, depth: int = 1) -> int:
    """A read-only descriptor of regular file ``path``, checking its last ``depth``
    components for symbolic links; raises RefusedFileError, or OSError if it vanished."""
    parts = path.split(os.sep)
    cut = len(parts) - min(depth, len(parts))
    names = parts[cut:]
    if not all(names):
        raise RefusedFileError("cannot check this path for symbolic links", where=path)
    root = os.sep.join(parts[:cut]) or (os.sep if path.startswith(os.sep) else ".")
    dir_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for name in names[:-1]:
            try:
                sub = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise RefusedFileError(
                        f"directory {name!r} on the way is a symbolic link", where=path
                    ) from exc
                raise
            os.close(dir_fd)
            dir_fd = sub
        try:
            fd = os.open(names[-1], _FILE_FLAGS, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise RefusedFileError("a symbolic link", where=path) from exc
            raise
    finally:
        os.close(dir_fd)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise not_regular(mode, path)
    # Reads of a regular file never block; clear the flag all the same.
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    return fd


def not_regular(mode: int, path: str) -> RefusedFileError:
    """The refusal of ``path``, naming what it is instead of a regular file."""
    return RefusedFileError(f"not a regular file but {_kind(mode)}", where=path)


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "a special file"
