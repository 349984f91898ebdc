"""Shared helpers: small real MkDocs sites built in tmp_path."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


@dataclass
class Built:
    root: Path
    returncode: int
    log: str

    def html(self, page: str) -> str:
        """The <article> of a built page ('' for the home page, 'notes', ...)."""
        path = self.root / "site" / page / "index.html" if page else self.root / "site" / "index.html"
        text = path.read_text(encoding="utf-8")
        start = text.index("<article")
        return text[start: text.index("</article>", start)]

    @property
    def warnings(self) -> list[str]:
        return [line.split("ntsbrief: ", 1)[1] for line in self.log.splitlines()
                if line.startswith("WARNING") and "ntsbrief: " in line]


def write_site(root: Path, pages: dict[str, str], plugin: dict | None = None, nav: list | None = None,
               extra_files: dict[str, str] | None = None, extensions: list | None = None,
               config_extra: dict | None = None) -> Path:
    docs = root / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    for name, text in (extra_files or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    config = {
        "site_name": "Test brief",
        "theme": {"name": "material", "font": False},
        "markdown_extensions": extensions if extensions is not None else ["admonition", "tables"],
        "plugins": ["search", {"ntsbrief": plugin or {}}],
    }
    if nav is not None:
        config["nav"] = nav
    config.update(config_extra or {})
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return root


def build(root: Path, strict: bool = False) -> Built:
    command = [sys.executable, "-m", "mkdocs", "build", "--clean", "-f", str(root / "mkdocs.yml")]
    if strict:
        command.append("--strict")
    result = subprocess.run(command, capture_output=True, text=True, cwd=root, check=False,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    log = result.stdout + result.stderr
    assert "Traceback" not in log, log
    return Built(root, result.returncode, log)


@pytest.fixture
def site(tmp_path):
    """Write and build a site: ``site(pages, plugin=..., nav=..., strict=...)``."""

    def make(pages, strict=False, **kwargs):
        write_site(tmp_path, pages, **kwargs)
        return build(tmp_path, strict=strict)

    return make


# -- for tests that run `mkdocs serve` -------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False
