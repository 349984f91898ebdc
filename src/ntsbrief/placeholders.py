"""The generated pages (Notes, References, Full text) as files in the docs folder.

ntsbrief makes these pages when it builds the brief. They also exist as files in
the docs folder, holding only their list's marker and a notice, so that a site
generator that does not run the plugin (Zensical, MkDocs without ntsbrief) still
has every page the nav and the other pages link to, and says plainly that the
brief was built without ntsbrief rather than looking finished. The plugin replaces
such a file's whole text with the page it generates.

A file at a generated page's path that is not such a placeholder is the editor's
own page: the list is put in it, at its marker or at its end. A placeholder that
the editor has also written in is refused with the line of their text: replacing
the file would lose it silently.
"""

from __future__ import annotations

import html
import json
import re

from . import render

PLACEHOLDER_START = "<!-- ntsbrief:placeholder"
PLACEHOLDER_END = "<!-- /ntsbrief:placeholder -->"

MARKERS = (render.NOTES_MARKER, render.REFERENCES_MARKER, render.FULL_TEXT_MARKER)

# What each page would have shown, in the notice's first sentence.
_WHAT = {
    render.NOTES_MARKER: "the brief's notes, numbered across all its sections",
    render.REFERENCES_MARKER: "the works the brief cites",
    render.FULL_TEXT_MARKER: "the whole brief on one page, with its notes and references",
}

_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*\n", re.DOTALL)


def generated_page(title: str, marker: str) -> str:
    """The page's Markdown as the plugin builds it: its title and its list's marker.
    Themes print titles as HTML: the title is escaped, and given in front matter so
    MkDocs does not unescape it from the heading."""
    shown = html.escape(title)
    return f"---\ntitle: {json.dumps(shown)}\n---\n\n# {shown}\n\n{marker}\n"


def placeholder_file(title: str, marker: str) -> str:
    """The file kept in the docs folder for a generated page: the page without its
    list, and a notice that the plugin replaces (with the whole text)."""
    return (
        f"{generated_page(title, marker)}\n"
        f"{PLACEHOLDER_START}: ntsbrief replaces this whole file when it builds the site. "
        "Leave it as it is; write the brief in the other pages. -->\n\n"
        f"> **This brief was built without ntsbrief, so this page is empty.** It would show {_WHAT[marker]}.\n"
        "> The site generator that made it did not run ntsbrief's MkDocs plugin, so citations and note markers\n"
        "> in the other pages also show as they were typed, in square brackets. Build the brief with\n"
        "> `mkdocs build` or `properdocs build` (README, \"If MkDocs breaks\").\n\n"
        f"{PLACEHOLDER_END}\n"
    )


# Said at the first line an editor wrote into a placeholder (the build stops there, and check reports it).
EDITOR_TEXT_PROBLEM = (
    "this file is the placeholder of a page ntsbrief generates, and the build replaces its whole text; this line "
    f"would be lost: move it to another page, or delete the lines from '{PLACEHOLDER_START} …' to "
    f"'{PLACEHOLDER_END}' to make the page your own (the list is then put into it)"
)


def is_placeholder(text: str) -> bool:
    """Whether a page's text is (or contains) ntsbrief's placeholder."""
    return PLACEHOLDER_START in text


def editor_text_line(text: str) -> int | None:
    """In a placeholder, the line (1-based) of the first text that is not the
    placeholder's own: a heading, a list marker, the notice. None if there is none."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    front = _FRONT_MATTER_RE.match("\n".join(lines))
    first = front.group(0).count("\n") if front else 0
    inside = titled = False
    for number, line in enumerate(lines[first:], first + 1):
        stripped = line.strip()
        inside = inside or stripped.startswith(PLACEHOLDER_START)
        if inside:  # the notice, up to its end marker
            inside = not stripped.startswith(PLACEHOLDER_END)
            continue
        if not stripped or stripped in MARKERS:
            continue
        if stripped.startswith("# ") and not titled:  # the page's title, as the plugin writes it
            titled = True
            continue
        return number
    return None
