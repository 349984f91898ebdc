"""The on-disk cache: one folder (``.cache/ntsbrief`` by default), a file per key.

Keys are digests of everything that can change a result, so an entry is never
stale; the folder is safe to delete, and a file that cannot be read or written
only costs time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import marshal
import sys
import threading
from pathlib import Path


def digest(*parts: str) -> str:
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
    def __init__(self, folder: Path | None):
        self.folder = folder  # None: nothing is kept

    def read_json(self, key: str):
        """The JSON value stored under ``key``, parsed; None for a miss (a truncated
        file is one)."""
        if self.folder is None:
            return None
        try:
            return json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write_json(self, key: str, text: str) -> None:
        self._write(f"{key}.json", text.encode("utf-8"))

    # Python's own serialisation, for tuples of strings and numbers that are read in
    # every build: many times quicker to load than JSON, and tuples stay tuples.
    # Its format belongs to the Python version, which is part of the file name.
    _MARSHAL = f"py{sys.version_info[0]}{sys.version_info[1]}-m{marshal.version}"

    def read_marshal(self, key: str):
        if self.folder is None:
            return None
        try:
            return marshal.loads((self.folder / f"{key}.{self._MARSHAL}").read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return None

    def write_marshal(self, key: str, value) -> None:
        self._write(f"{key}.{self._MARSHAL}", marshal.dumps(value))

    def _write(self, name: str, data: bytes) -> None:
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = self.folder / f".{name}.{threading.get_ident()}.tmp"
            temporary.write_bytes(data)
            temporary.replace(self.folder / name)  # readers see a whole file or none
        except OSError:
            pass

    def has_marker(self, key: str) -> bool:
        return self.folder is not None and (self.folder / f"{key}.done").exists()

    def set_marker(self, key: str) -> None:
        self._write(f"{key}.done", b"")
