"""Saving a folder as a whole: a save is seen complete or not at all.

A saved fit (:meth:`nnfit.Fit.save`) and a run folder (``nnfit fit``) are written into a
temporary sibling folder, ``.<name>.nnfit-new-<pid>-<token>``, ``manifest.json`` last (every
file's size and SHA-256), each file flushed to disk, and the sibling is then put in place in one
step, so that the folder is at every instant either the complete old save or the complete new
one, whatever stops the process (Ctrl-C, SIGTERM, SIGKILL, a full disk):

- Linux: ``renameat2(new, folder, RENAME_EXCHANGE)`` swaps the two folders atomically (macOS:
  ``renamex_np(..., RENAME_SWAP)``); the old one, now under the temporary name, is deleted.
- Elsewhere, or on a file system without the exchange: the old folder is renamed away to
  ``.<name>.nnfit-old-<pid>-<token>`` and the new one renamed in. Between these two renames the
  folder does not exist; the next save or load of it finishes the swap (:func:`recover`).
- A mount point cannot be renamed: its files are replaced one by one, ``manifest.json`` last,
  so a save stopped halfway is refused by :func:`~nnfit._runcheck.verify` (naming the file),
  never read mixed.

Siblings left by a killed save (their process is gone) are removed by the next save of the same
folder; nothing reads them. Files a user put into the folder (anything nnfit does not write) are
carried into the new one as hard links; a non-empty folder that holds no nnfit files is refused,
since replacing it would drop what is there.

Reading a folder back, with every file checked, is :mod:`nnfit._runcheck`. One file rewritten
on its own (a sweep's table, a figure) goes through :func:`_atomic_write`: a temporary file
renamed over the old one.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import json
import os
import re
import secrets
import shutil
import sys
import tempfile

from ._runcheck import MANIFEST, MANIFEST_FORMAT, _describe, verify
from .errors import InvalidOptionError, RunFolderError

# every file nnfit writes into a fit or run folder; anything else is the user's, kept on save
RUN_FILES = frozenset({"fit.json", "params.npz", "history.csv", MANIFEST, "config.toml",
                       "status.json", "report.html", "data.npz"})
# rewritten in place by ``nnfit report``: not in the manifest
DERIVED = frozenset({"report.html"})
_SIBLING = re.compile(r"^\.(?P<name>.+)\.nnfit-(?P<kind>new|old)-(?P<pid>\d+)-(?P<token>[0-9a-f]+)$")


# ------------------------------------------------------------------------------ writing
@contextlib.contextmanager
def replacing(folder):
    """Write a folder as a whole: ``with replacing(folder) as tmp: <write files into tmp>``.

    On a clean exit the user's own files are carried over from the old folder, the manifest is
    written and ``tmp`` takes the folder's place atomically (see the module docstring); on an
    exception (or a signal) ``tmp`` is removed and the folder is left as it was.

    Raises
    ------
    InvalidOptionError
        ``folder`` is a file, lies under a file, is a non-empty folder of other files, or
        cannot be written.
    """
    check_replaceable(folder)
    folder = os.path.realpath(os.fspath(folder))
    parent, name = os.path.split(folder)
    try:
        os.makedirs(parent, exist_ok=True)
        recover(folder)
        _remove_leftovers(folder)
        # a mount point cannot be renamed: its new files are made inside it
        in_place = os.path.ismount(folder)
        token = secrets.token_hex(4)
        tmp = os.path.join(folder if in_place else parent,
                           f".{name}.nnfit-new-{os.getpid()}-{token}")
        os.mkdir(tmp)  # 0o777 less the umask, as the folder nnfit made before
    except OSError as err:
        raise _unwritable(folder, err) from None
    try:
        yield tmp
        if not in_place:
            _carry_user_files(folder, tmp)
        _write_manifest(tmp)
        _fsync_dir(tmp)
        if in_place:
            _replace_files_in_place(tmp, folder)
        else:
            _swap_in(tmp, folder, token)
        _fsync_dir(parent)
    except OSError as err:
        raise _unwritable(folder, err) from None
    finally:
        # after an exchange ``tmp`` holds the old folder; before it, an unfinished new one:
        # either way it goes
        shutil.rmtree(tmp, ignore_errors=True)


def _unwritable(folder, err):
    what = err.strerror or str(err)
    where = f" ({err.filename})" if getattr(err, "filename", None) else ""
    return InvalidOptionError(f"cannot write the folder {folder!r}: {what}{where}; it is left as "
                              "it was; give a folder you can write to (with space left)")


def check_replaceable(folder):
    """Refuse a save to ``folder`` that would fail or drop files that are not nnfit's.

    Fine: a new path (under folders), an empty folder, or a folder nnfit saved to.
    """
    folder = os.fspath(folder)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise InvalidOptionError(f"{folder!r} is a file, not a folder; give a folder path for "
                                 "the run (a new one, or one nnfit saved to)")
    above = os.path.dirname(os.path.abspath(folder))
    while not os.path.exists(above):
        above = os.path.dirname(above)
    if not os.path.isdir(above):
        raise InvalidOptionError(f"{folder!r} lies under {above!r}, which is a file, not a "
                                 "folder; give a folder path for the run")
    if os.path.isdir(folder) and not is_nnfit_folder(folder):
        others = sorted(e for e in os.listdir(folder) if e not in RUN_FILES)
        shown = ", ".join(repr(e) for e in others[:3]) + (", ..." if len(others) > 3 else "")
        raise InvalidOptionError(
            f"{folder!r} already holds other files ({shown}) and no saved fit; nnfit replaces a "
            "run folder as a whole, so give a new or empty folder (or one nnfit saved to)")


def is_nnfit_folder(folder):
    """True for an empty folder or one that holds nnfit's files (a fit or a run)."""
    entries = [e for e in os.listdir(folder)
               if not e.startswith(".tmp-") and not _SIBLING.match(e)]
    return (not entries or "fit.json" in entries or MANIFEST in entries
            or set(entries) <= RUN_FILES)


def _carry_user_files(folder, tmp):
    """Hard-link (or copy) what the user put into the old folder into the new one."""
    if not os.path.isdir(folder):
        return
    for entry in os.scandir(folder):
        if entry.name in RUN_FILES or entry.name.startswith(".tmp-") or _SIBLING.match(entry.name):
            continue
        target = os.path.join(tmp, entry.name)
        if os.path.lexists(target):
            continue
        if entry.is_symlink():
            os.symlink(os.readlink(entry.path), target)
        elif entry.is_dir():
            shutil.copytree(entry.path, target, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry.path, target)


def _link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _write_manifest(tmp):
    files = {}
    for entry in sorted(os.scandir(tmp), key=lambda e: e.name):
        if entry.name in RUN_FILES and entry.name not in DERIVED and entry.is_file():
            files[entry.name] = _describe(entry.path, fsync=True)
        elif entry.name in DERIVED and entry.is_file():
            _describe(entry.path, fsync=True)
    path = os.path.join(tmp, MANIFEST)
    with open(path, "w") as f:
        json.dump({"format": MANIFEST_FORMAT, "files": files}, f, indent=1)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _swap_in(tmp, folder, token):
    """Put ``tmp`` where ``folder`` is; afterwards ``tmp`` holds the old folder (if any)."""
    if not os.path.lexists(folder):
        try:
            os.rename(tmp, folder)
            return
        except OSError as err:
            if err.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
            # another save created it meanwhile: swap with that one
    if _exchange(tmp, folder):
        return
    # no atomic exchange here: rename the old folder away, the new one in (recover() finishes
    # this swap if the process dies between the two renames)
    parent, name = os.path.split(folder)
    old = os.path.join(parent, f".{name}.nnfit-old-{os.getpid()}-{token}")
    os.rename(folder, old)
    try:
        os.rename(tmp, folder)
    except BaseException:
        os.rename(old, folder)
        raise
    os.rename(old, tmp)  # the caller removes tmp


def _exchange(a, b):
    """Swap two folders atomically; False where the system cannot."""
    fn = _exchange_function()
    if fn is None:
        return False
    if fn(os.fsencode(a), os.fsencode(b)) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), b)


_EXCHANGE = []


def _exchange_function():
    if not _EXCHANGE:
        _EXCHANGE.append(_load_exchange())
    return _EXCHANGE[0]


def _load_exchange():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except (OSError, TypeError):  # Windows: no C library by that name
        return None
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):  # glibc >= 2.28, musl
        fn = libc.renameat2
        fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        fn.restype = ctypes.c_int
        at_fdcwd, rename_exchange = -100, 2
        return lambda a, b: fn(at_fdcwd, a, at_fdcwd, b, rename_exchange)
    if sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        fn = libc.renamex_np
        fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
        fn.restype = ctypes.c_int
        rename_swap = 2
        return lambda a, b: fn(a, b, rename_swap)
    return None


def _replace_files_in_place(tmp, folder):
    """A mount point: replace its files one by one, the manifest last (see the docstring)."""
    names = sorted(os.listdir(tmp), key=lambda n: n == MANIFEST)
    for name in names:
        if name in RUN_FILES:
            os.replace(os.path.join(tmp, name), os.path.join(folder, name))
    for name in RUN_FILES - set(names):  # an older save's files this one does not write
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(folder, name))


# ------------------------------------------------------------------------------ leftovers
def _siblings(folder):
    """``(path, kind, pid, token)`` of the temporary siblings of ``folder``."""
    parent, name = os.path.split(folder)
    found = []
    for where in (parent, folder):  # inside: the new files of a mount point
        try:
            entries = os.listdir(where)
        except OSError:
            continue
        for entry in entries:
            m = _SIBLING.match(entry)
            if m and m["name"] == name:
                found.append((os.path.join(where, entry), m["kind"], int(m["pid"]), m["token"]))
    return found


def _alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def recover(folder):
    """Finish a save that died between its two renames (systems without the exchange).

    Nothing to do where ``folder`` exists. Returns True when it put a folder back.
    """
    folder = os.path.realpath(os.fspath(folder))
    if os.path.lexists(folder):
        return False
    found = [s for s in _siblings(folder) if not _alive(s[2])]
    olds = {(pid, token): path for path, kind, pid, token in found if kind == "old"}
    news = {(pid, token): path for path, kind, pid, token in found if kind == "new"}
    for key, old in olds.items():
        new = news.get(key)
        source = new if new is not None and _complete(new) else old
        try:
            os.rename(source, folder)
        except OSError:
            return False
        return True
    return False


def _complete(path):
    try:
        verify(path, names=None)
    except (RunFolderError, OSError):
        return False
    return os.path.exists(os.path.join(path, MANIFEST))


def _remove_leftovers(folder):
    for path, _, pid, _ in _siblings(folder):
        if not _alive(pid):
            shutil.rmtree(path, ignore_errors=True)


# ------------------------------------------------------------------------------ one file
def _atomic_write(path, write, mode):
    """Write through ``write(file)`` to a temporary file, then rename it over ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, mode) as f:
            write(f)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; the folder's files are not
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@functools.lru_cache(maxsize=None)
def _umask():
    """The process's umask (read once: setting it back and forth is not thread-safe)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
