"""Open Graph and Twitter card tags: what a link to any page of the brief shows
when it is shared (title, description, author, date, address).

The canonical ``<link>`` is the theme's (Material writes it from ``site_url``);
``og:url`` repeats that address for readers that look only at Open Graph. Every
value is escaped for its attribute here. Nothing here knows the site generator.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PageFacts:
    """What is said of one page when it is shared; text, not HTML."""

    title: str
    site_name: str
    description: str = ""
    url: str | None = None  # absolute (canonical) address, when the site's address is known
    authors: Sequence[str] = ()
    date: str = ""  # ISO 8601: "2011-08"


def tags(facts: PageFacts) -> list[tuple[str, str, str]]:
    """``(attribute, name, content)`` of each tag: Open Graph's use ``property``, Twitter's ``name``."""
    found = [("property", "og:type", "article"), ("property", "og:site_name", facts.site_name),
             ("property", "og:title", facts.title)]
    if facts.description:
        found.append(("property", "og:description", facts.description))
    if facts.url:
        found.append(("property", "og:url", facts.url))
    found += [("property", "article:author", author) for author in facts.authors]
    if facts.date:
        found.append(("property", "article:published_time", facts.date))
    found += [("name", "twitter:card", "summary"), ("name", "twitter:title", facts.title)]
    if facts.description:
        found.append(("name", "twitter:description", facts.description))
    return [(kind, name, content) for kind, name, content in found if content]


def tags_html(facts: PageFacts) -> str:
    """The tags as ``<meta>`` elements, one a line, every value escaped."""
    return "\n".join(f'<meta {kind}="{html.escape(name, quote=True)}" content="{html.escape(content, quote=True)}">'
                     for kind, name, content in tags(facts))


def plain(title_html: str) -> str:
    """A title as the theme prints it (HTML text: escaped, maybe with markup) as plain text."""
    return " ".join(html.unescape(_TAG_RE.sub("", title_html)).split())


_TAG_RE = re.compile(r"<[^>]*>")
