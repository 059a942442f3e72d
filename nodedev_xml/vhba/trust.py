"""Directories nodedev-xml may trust with what it runs: none another user can change.

As sshd (``StrictModes``) and systemd do: every directory from ``/`` down to
the state directory must be owned by root or by this user, and none may be
writable by another user, except a sticky one above it (``/tmp``: another
user cannot rename or remove what is not theirs there); the state directory
itself is never group- or world-writable.  Directories are created ``0755``
(parents) and ``0700`` (the directory itself) whatever the umask, and opened
``O_NOFOLLOW``: a symbolic link where a directory of ours should be is
refused, never followed or chmod-ed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import pwd
import stat

from ..errors import DefinitionError

__all__ = ["check_trusted", "make_private_dir", "open_private_dir", "owner_name"]

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def owner_name(uid: int) -> str:
    """``uid 65534 (nobody)``."""
    try:
        return f"uid {uid} ({pwd.getpwuid(uid).pw_name})"
    except KeyError:
        return f"uid {uid}"


def _trusted_owner(uid: int) -> bool:
    return uid in (0, os.geteuid())


def check_trusted(path: str) -> None:
    """Raise :class:`DefinitionError` (naming the directory and why) when ``path`` or
    a directory above it (after resolving links) could be changed by another user.
    Components that do not exist yet are not checked (they will be made ours)."""
    real = os.path.realpath(path)
    parts = [p for p in real.split(os.sep) if p]
    current = os.sep
    for i in range(len(parts) + 1):
        if i:
            current = os.path.join(current, parts[i - 1])
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            return
        except OSError as e:
            raise DefinitionError(f"cannot check: {e.strerror}", source=current) from None
        last = i == len(parts)
        if not stat.S_ISDIR(st.st_mode):
            if last:
                raise DefinitionError("exists but is not a directory", source=current)
            return
        if not _trusted_owner(st.st_uid):
            raise DefinitionError(
                f"owned by {owner_name(st.st_uid)}, not by root or this user: refused"
                " (a directory another user owns could steer what is started)",
                source=current,
            )
        writable = st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        if writable and (last or not st.st_mode & stat.S_ISVTX):
            raise DefinitionError(
                f"writable by other users (mode {stat.S_IMODE(st.st_mode):04o}): refused"
                " (anyone could plant a definition there); chmod go-w it",
                source=current,
            )


def make_private_dir(path: str, *, top: str | None = None) -> None:
    """Create ``path`` and its missing parents, whatever the umask: ``0700`` from
    ``top`` (default ``path``) down, ``0755`` above it (each mode set on the new
    directory's own descriptor, never through a link).  Raises ``OSError``."""
    private = os.path.abspath(top if top is not None else path)
    missing: list[str] = []
    probe = os.path.abspath(path)
    while not _there(probe):
        missing.append(probe)
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    for new in reversed(missing):
        inside = new == private or new.startswith(private + os.sep)
        mode = 0o700 if inside else 0o755
        with contextlib.suppress(FileExistsError):
            os.mkdir(new, mode)
        fd = os.open(new, _DIR_FLAGS)
        try:
            st = os.fstat(fd)
            if st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) != mode:
                os.fchmod(fd, mode)
        finally:
            os.close(fd)


def _there(path: str) -> bool:
    """Whether ``path`` exists; one this user cannot even look at counts as there
    (creating it would only say "Permission denied" about what exists)."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return True


def open_private_dir(name: str, *, dir_fd: int | None, source: str) -> int:
    """Open directory ``name`` (relative to ``dir_fd``) ``O_NOFOLLOW``; it must be
    ours: owned by this user (or root), and made ``0700`` through its descriptor
    when it is looser.  Raises ``OSError`` (``ELOOP``: a symbolic link) and
    :class:`DefinitionError` for a directory another user owns."""
    fd = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    try:
        st = os.fstat(fd)
        if not _trusted_owner(st.st_uid):
            raise DefinitionError(f"owned by {owner_name(st.st_uid)}: refused", source=source)
        if st.st_mode & 0o077 and st.st_uid == os.geteuid():
            os.fchmod(fd, 0o700)  # definitions are for their owner's eyes only
    except BaseException:
        os.close(fd)
        raise
    return fd


def describe_denied(path: str, exc: OSError) -> str:
    """What is really wrong when ``path`` cannot be opened: for ``EACCES``, who owns
    it and its mode (a non-root user reading root's state directory)."""
    if exc.errno == errno.ELOOP:
        return "a symbolic link: refused"
    if exc.errno in (errno.EACCES, errno.EPERM):
        # the nearest directory this user can see is the one that keeps them out
        probe = os.path.abspath(path)
        while True:
            try:
                st = os.stat(probe)
                break
            except OSError:
                parent = os.path.dirname(probe)
                if parent == probe:
                    return exc.strerror or str(exc)
                probe = parent
        where = "" if probe == os.path.abspath(path) else f"{probe} is "
        return (
            f"{exc.strerror} ({where}owned by {owner_name(st.st_uid)}, mode"
            f" {stat.S_IMODE(st.st_mode):04o}; run as that user or root)"
        )
    return exc.strerror or str(exc)
