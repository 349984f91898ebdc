"""The on-disk cache: one folder (``.cache/ntsbrief`` by default), a file per key.

Keys are digests of everything that can change a result, so an entry is never
stale; the folder is safe to delete, and a file that cannot be read or written
only costs time.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path


def digest(*parts: str) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode("utf-8"))
        hasher.update(b"\0")
    return hasher.hexdigest()


class DiskCache:
    def __init__(self, folder: Path | None):
        self.folder = folder  # None: nothing is kept

    def read_json(self, key: str) -> str | None:
        """The text stored under ``key``, if it is whole JSON (a truncated file is a miss)."""
        if self.folder is None:
            return None
        try:
            text = (self.folder / f"{key}.json").read_text(encoding="utf-8")
            json.loads(text)
            return text
        except (OSError, ValueError):
            return None

    def write_json(self, key: str, text: str) -> None:
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = self.folder / f".{key}.{threading.get_ident()}.tmp"
            temporary.write_text(text, encoding="utf-8")
            temporary.replace(self.folder / f"{key}.json")  # readers see a whole file or none
        except OSError:
            pass

    def has_marker(self, key: str) -> bool:
        return self.folder is not None and (self.folder / f"{key}.done").exists()

    def set_marker(self, key: str) -> None:
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"{key}.done").touch()
        except OSError:
            pass
