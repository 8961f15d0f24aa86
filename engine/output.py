"""Writing what a command produces, so that nobody ever reads half of it.

A file is written to a temporary file beside it, flushed, fsynced and renamed over the target
(and the folder fsynced), so the target holds either its old content or the whole new one, even
after `kill -9` or a full disk. Targets are checked before any work: an output that is one of
the inputs, a folder, or in a folder that does not exist is refused (the folder is not created).
A device such as /dev/null is written directly. Standard output is checked too: closed, full or
a broken pipe is a one-line `OutputError`, never a traceback or a silent exit 0.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Iterable, Iterator, TextIO

from engine.errors import EngineError


class OutputError(EngineError):
    """An output cannot be written; nothing was replaced."""


def check_outputs(outputs: Iterable[Path | None], inputs: Iterable[Path] = ()) -> None:
    """Refuse, before anything is read or written, outputs that would destroy an input, that
    name a folder, or whose folder does not exist; and two outputs that are one file."""
    inputs = [path for path in inputs if path is not None]
    seen: list[Path] = []
    for output in outputs:
        if output is None:
            continue
        for source in inputs:
            if _same_file(output, source):
                raise OutputError(f"{output}: this is the input file {source}; write the output elsewhere (nothing was written)")
        for other in seen:
            if _same_file(output, other):
                raise OutputError(f"{output}: named as two outputs")
        seen.append(output)
        if output.is_dir():
            raise OutputError(f"{output}: is a folder; give a file name")
        folder = output.parent
        if not folder.is_dir():
            raise OutputError(f"{output}: folder {folder} does not exist (it is not created)")


def _same_file(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:  # one does not exist yet: compare where the names lead
        return one.resolve() == other.resolve()


@contextlib.contextmanager
def atomic_file(path: Path, encoding: str | None = "utf-8") -> Iterator[TextIO]:
    """A text file to write `path` through: it replaces `path` only when the block ends without
    an error, after flush and fsync. Any failure leaves `path` as it was and raises OutputError.
    `encoding=None`: a binary file (a Parquet file)."""
    path = Path(path)
    if path.exists() and not path.is_file():  # /dev/null, a FIFO: nothing to rename over
        with _writing(path, note=""), path.open("w" if encoding else "wb", encoding=encoding) as stream:
            yield stream
        return
    check_outputs([path])
    with _writing(path):
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with _writing(path):
            with os.fdopen(handle, "w" if encoding else "wb", encoding=encoding) as stream:
                yield stream
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, _mode_for(path))
            os.replace(temporary, path)
        _sync_folder(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_atomic(path: Path, content: str) -> None:
    """`path` holds `content`, whole, or is left as it was (OutputError)."""
    with atomic_file(path) as stream:
        stream.write(content)


@contextlib.contextmanager
def output_stream(path: Path | None) -> Iterator[TextIO]:
    """`atomic_file(path)`, or standard output (guarded) when no path is given."""
    if path is not None:
        with atomic_file(path) as stream:
            yield stream
        return
    with stdout_guard() as stream:
        yield stream


@contextlib.contextmanager
def stdout_guard() -> Iterator[TextIO]:
    """Standard output for a block that writes to it (directly or through a console): closed
    before it starts, full, or a pipe closed by the reader is an OutputError."""
    if sys.stdout is None or sys.stdout.closed:
        raise OutputError("standard output is closed; give --out FILE or redirect it")
    try:
        yield sys.stdout
        sys.stdout.flush()
    except OSError as error:
        silence_stdout()
        raise OutputError(f"cannot write to standard output: {_reason(error)}") from None


def silence_stdout() -> None:
    """After standard output failed: send what is left to /dev/null, so the interpreter's own
    flush at exit adds no second error."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        with contextlib.suppress(OSError, AttributeError, ValueError):
            os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


@contextlib.contextmanager
def _writing(path: Path, note: str = " (nothing was replaced)") -> Iterator[None]:
    try:
        yield
    except OSError as error:
        raise OutputError(f"cannot write {path}: {_reason(error)}{note}") from None


def _reason(error: BaseException) -> str:
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


def _sync_folder(folder: Path) -> None:
    """The rename itself survives a crash once the folder's entry is on disk."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _mode_for(path: Path) -> int:
    """The permissions the output gets: those of the file it replaces, or the usual ones of a
    new file under the process's umask (the temporary file is created private)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask
