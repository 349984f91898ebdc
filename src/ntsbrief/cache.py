"""The on-disk cache: one folder (``.cache/ntsbrief`` by default), a file per key.

Keys are digests of everything that can change a result, so an entry is never
stale; the folder is safe to delete, and a file that cannot be read or written
only costs time.

Each file starts with a seal: a digest of its name and content. A file whose
seal does not match (truncated, damaged, edited by hand, or moved to another
key's name) is a miss: it is made again, never read, never published. (The seal
finds damage; it is no signature against someone who can write the folder and
recompute it: such a person can as well edit the brief's sources.)
"""

from __future__ import annotations

import functools
import hashlib
import json
import marshal
import sys
import threading
from pathlib import Path
from typing import Any


def digest(*parts: str) -> str:
    """The SHA-256 hex digest of ``parts``, each ended by a NUL (so that ``("ab", "c")``
    and ``("a", "bc")`` differ): the cache's keys."""
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode("utf-8", "surrogatepass"))  # text read from a file that is not all UTF-8
        hasher.update(b"\0")
    return hasher.hexdigest()


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """Of this package's own code: results it computes are keyed by it, so that a
    changed version (released or not) never reads what an older one made."""
    folder = Path(__file__).parent
    return digest(*(f"{path.name}\0{path.read_text(encoding='utf-8')}" for path in sorted(folder.glob("*.py"))))


class DiskCache:
    """The cache in ``folder`` (None: a cache that keeps nothing). Reads that miss, and
    writes that fail, return None or do nothing: the caller computes the value again."""

    def __init__(self, folder: Path | None):
        self.folder = folder  # None: nothing is kept

    def read_json(self, key: str) -> Any:
        """The JSON value stored under ``key``, parsed; None for a miss (a file
        whose seal does not match is one)."""
        data = self._read(f"{key}.json")
        if data is None:
            return None
        try:
            return json.loads(data)
        except (ValueError, RecursionError):
            return None

    def write_json(self, key: str, text: str) -> None:
        """Store ``text`` (JSON) under ``key``; ``read_json`` parses it."""
        self._write(f"{key}.json", text.encode("utf-8"))

    # Python's own serialisation, for tuples of strings and numbers that are read in
    # every build: many times quicker to load than JSON, and tuples stay tuples.
    # Its format belongs to the Python version, which is part of the file name.
    _MARSHAL = f"py{sys.version_info[0]}{sys.version_info[1]}-m{marshal.version}"

    def read_marshal(self, key: str) -> Any:
        """The value ``write_marshal`` stored under ``key`` by this Python version; None for a miss."""
        data = self._read(f"{key}.{self._MARSHAL}")  # sealed: marshal is never given damaged data
        if data is None:
            return None
        try:
            return marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            return None

    def write_marshal(self, key: str, value: Any) -> None:
        """Store ``value`` (tuples, strings, numbers: what ``marshal`` can write) under ``key``."""
        self._write(f"{key}.{self._MARSHAL}", marshal.dumps(value))

    def _read(self, name: str) -> bytes | None:
        """The content stored as ``name`` if its seal matches, else None."""
        if self.folder is None:
            return None
        try:
            stored = (self.folder / name).read_bytes()
        except OSError:
            return None
        seal, newline, data = stored.partition(b"\n")
        return data if newline and seal == _seal(name, data) else None

    def _write(self, name: str, data: bytes) -> None:
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = self.folder / f".{name}.{threading.get_ident()}.tmp"
            temporary.write_bytes(_seal(name, data) + b"\n" + data)
            temporary.replace(self.folder / name)  # readers see a whole file or none
        except OSError:
            pass

    def read_latest(self, name: str, key: str) -> bytes | None:
        """What ``write_latest(name, key, …)`` stored last, if it was stored under ``key``."""
        data = self._read(name)
        stored_key, newline, value = (data or b"").partition(b"\n")
        return value if newline and stored_key == key.encode("ascii") else None

    def write_latest(self, name: str, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` as the only value of ``name`` (a large result that
        only its latest version is worth keeping of)."""
        self._write(name, key.encode("ascii") + b"\n" + data)

    def has_marker(self, key: str) -> bool:
        """Whether ``set_marker(key)`` was called (in this build or an earlier one)."""
        return self._read(f"{key}.done") is not None

    def set_marker(self, key: str) -> None:
        """Record that the work named by ``key`` is done: an empty, sealed file."""
        self._write(f"{key}.done", b"")


_SEAL_VERSION = b"ntsbrief-cache-1 "


def _seal(name: str, data: bytes) -> bytes:
    """The first line of a cache file: a digest of its name (the key) and content."""
    return _SEAL_VERSION + hashlib.sha256(name.encode("utf-8") + b"\0" + data).hexdigest().encode("ascii")
