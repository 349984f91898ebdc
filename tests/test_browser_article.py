"""The brief as an article, in a real browser (issue 16): the landing page's
title block, abstract and generated contents; the reading measure, heading
hierarchy, quiet citations that never break inside, 24 px note targets; print;
the tags a shared link shows; axe in both palettes; screenshots.

The harness (the site built once and served on 127.0.0.1, Chromium, nothing
fetched from outside, axe) is test_browser.py's; this module is skipped or
required exactly as that one is.
"""

from __future__ import annotations

import json
import re
import statistics

import pytest
from test_browser import (  # the shared harness; fixtures are used by name
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    both_palettes,
    site_pages,
)
from test_browser import base_url as base_url  # noqa: PLC0414 - re-exported fixtures
from test_browser import browser as browser  # noqa: PLC0414
from test_browser import built as built  # noqa: PLC0414
from test_browser import new_context as new_context  # noqa: PLC0414
from test_browser import page as page  # noqa: PLC0414

from ntsbrief.landing import MONTHS

LANDING = ""
SECTION = "unaddressed-protection-concerns/"  # headings of two levels, the "(Joshi, 2002:32–6)" citation

# Characters on each line of a paragraph, as laid out: one client rectangle per
# character, grouped by the line it sits on.
LINE_LENGTHS = """p => {
  const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const lines = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      range.setStart(node, i); range.setEnd(node, i + 1);
      const r = range.getClientRects()[0];
      if (!r || !r.width) continue;
      let line = lines.find(l => Math.abs(l.bottom - r.bottom) < r.height / 2);
      if (!line) { line = {bottom: r.bottom, count: 0}; lines.push(line); }
      line.count += 1;
    }
  }
  return lines.sort((a, b) => a.bottom - b.bottom).map(l => l.count);
}"""


# A heading's text without its permalink ("¶", shown on hover).
HEADING = "h => [...h.childNodes].filter(n => !(n.classList && n.classList.contains('headerlink')))" \
          ".map(n => n.textContent).join('').trim()"


def _brief_entry(built) -> dict:
    """The brief's own record as the site publishes it (its CSL-JSON download)."""
    return json.loads((built / "downloads" / "kaur2011protection.json").read_text(encoding="utf-8"))[0]


def _shown(locator) -> bool:
    return locator.evaluate("e => getComputedStyle(e).display !== 'none' && e.getClientRects().length > 0")


# -- the landing page ------------------------------------------------------------------


def test_title_block_says_what_the_brief_entry_says(page, built):
    entry = _brief_entry(built)
    page.goto(LANDING)
    block = page.locator(".ntsbrief-title-block")
    author = entry["author"][0]
    assert block.locator(".ntsbrief-byline").inner_text() == f"{author['given']} {author['family']}"
    year, month = entry["issued"]["date-parts"][0]
    assert block.locator(".ntsbrief-issue").inner_text() == (
        f"{entry['genre']}, {MONTHS[month - 1]} {year} (Issue {entry['number']})")
    assert block.locator(".ntsbrief-issue time").get_attribute("datetime") == f"{year}-{month:02d}"
    assert block.locator(".ntsbrief-publisher").inner_text() == f"{entry['publisher']}, {entry['publisher-place']}"
    # It follows the title, and its button reaches "Cite this" from the top of the page.
    assert page.evaluate("() => document.querySelector('article h1').nextElementSibling.className") \
        == "ntsbrief-title-block"
    cite = block.locator("a.ntsbrief-cite-button")
    assert cite.is_visible() and cite.inner_text() == "Cite this Alert"
    assert cite.bounding_box()["y"] + cite.bounding_box()["height"] < DESKTOP["height"]  # above the fold
    assert block.locator(".ntsbrief-pdf-button").get_attribute("href") == "brief.pdf"  # the typeset PDF
    cite.click()
    page.wait_for_url(re.compile(r"#cite-this$"))
    box = page.locator("#cite-this").bounding_box()
    assert 0 <= box["y"] < DESKTOP["height"], box


def test_summary_is_set_as_the_abstract(page):
    page.goto(LANDING)
    abstract = page.locator("[role='doc-abstract']")
    assert abstract.count() == 1
    assert abstract.inner_text().startswith("This NTS Alert discusses the protection gaps")
    style = abstract.evaluate("e => { const s = getComputedStyle(e); return [s.borderLeftStyle, "
                              "parseFloat(s.borderLeftWidth), parseFloat(s.paddingLeft)]; }")
    assert style[0] == "solid" and style[1] >= 2 and style[2] > 0, style


def test_contents_list_every_page_of_the_nav_in_order(page):
    page.goto(LANDING)
    nav = page.evaluate("""() => [...document.querySelectorAll('.md-nav--primary a.md-nav__link[href]')]
        .map(a => new URL(a.href).pathname).filter(p => p !== '/')""")
    contents = page.evaluate("""() => [...document.querySelectorAll('nav.ntsbrief-contents a[href]')]
        .map(a => new URL(a.href).pathname)""")
    assert nav and contents == nav
    # Each under its own heading, as its page shows it.
    for href in contents[:2]:
        title = page.locator(f"nav.ntsbrief-contents a[href='{href.lstrip('/')}']").inner_text()
        other = page.context.new_page()
        other.goto(href.lstrip("/"))
        assert other.locator("article h1").evaluate(HEADING) == title
        other.close()


# -- long-form typography ---------------------------------------------------------------


def test_reading_measure_is_60_to_75_characters_at_desktop_width(page):
    page.goto(SECTION)
    paragraphs = page.locator("article > p")
    lengths = []
    for index in range(paragraphs.count()):
        lines = paragraphs.nth(index).evaluate(LINE_LENGTHS)
        lengths += lines[:-1]  # a paragraph's last line is short by nature
    assert len(lengths) > 20
    median = statistics.median(lengths)
    assert 60 <= median <= 75, (median, lengths)


def test_headings_step_down_in_size(page):
    page.goto(SECTION)
    style = "t => { const s = getComputedStyle(document.querySelector('article ' + t)); " \
            "return [parseFloat(s.fontSize), parseInt(s.fontWeight)]; }"
    sizes, weights = {}, {}
    for tag in ("h1", "h2", "p"):
        sizes[tag], weights[tag] = page.evaluate(style, tag)
    weights.pop("p")
    assert sizes["h1"] > sizes["h2"] * 1.2 > sizes["p"] * 1.2, sizes
    assert min(weights.values()) >= 500, weights


def test_citation_links_are_quieter_than_ordinary_links(page):
    page.goto(SECTION)
    page.evaluate("""() => document.querySelector('article > p').insertAdjacentHTML('beforeend',
        ' <a id="ordinary" href="https://example.org/">an ordinary link</a>')""")
    style = "s => { const c = getComputedStyle(document.querySelector(s)); return [c.textDecorationLine, " \
            "c.textDecorationStyle, parseFloat(c.textDecorationThickness) || 0]; }"
    citation = page.evaluate(style, ".citation a[role='doc-biblioref']")
    ordinary = page.evaluate(style, "#ordinary")
    assert citation[0] == "underline" and citation[1] == "dotted", citation  # still told from text (axe)
    assert ordinary[1] == "solid", ordinary
    assert citation[2] <= ordinary[2], (citation, ordinary)


def test_a_short_citation_never_breaks_inside(new_context):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(SECTION)
    joshi = page.locator(".citation", has_text="(Joshi, 2002:32–6)").first
    assert joshi.inner_text() == "(Joshi, 2002:32–6)"
    # The column narrowed a few pixels at a time puts every citation at every
    # place of its line, a line end among them: none is ever split.
    # (An element has a rectangle per child on one line: lines are told by their tops.)
    broken = page.evaluate("""() => {
        const lines = e => new Set([...e.getClientRects()].map(r => Math.round(r.top))).size;
        const article = document.querySelector('article');
        const split = new Set();
        for (let width = 200; width <= 420; width += 3) {
            article.style.width = width + 'px';
            for (const link of article.querySelectorAll('.citation a[role="doc-biblioref"]'))
                if (lines(link) > 1) split.add(link.textContent);
            for (const cite of article.querySelectorAll('.citation'))
                if (cite.querySelectorAll('a').length === 1 && cite.textContent.length < 40
                    && lines(cite) > 1) split.add(cite.textContent);
        }
        return [...split];
    }""")
    assert broken == []


def test_note_markers_are_24_px_targets_that_keep_the_lines_even(new_context):
    for viewport in (DESKTOP, PHONE):
        page = new_context(viewport=viewport).new_page()
        page.goto(SECTION)
        markers = page.locator("a[role='doc-noteref']")
        assert markers.count() > 3
        for index in range(markers.count()):
            box = markers.nth(index).bounding_box()
            assert box["width"] >= 24 and box["height"] >= 24, (viewport, index, box)
        # A paragraph with markers is a whole number of lines: the targets do not push lines apart.
        lines = page.evaluate("""() => [...document.querySelectorAll('article p')]
            .filter(p => p.querySelector('a[role="doc-noteref"]'))
            .map(p => p.getBoundingClientRect().height / parseFloat(getComputedStyle(p).lineHeight))""")
        assert lines and all(abs(n - round(n)) < 0.05 for n in lines), (viewport, lines)


# -- print ------------------------------------------------------------------------------------


def test_print_shows_the_article_without_what_only_works_on_screen(new_context, built):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_context(viewport={"width": 794, "height": 1123}).new_page()  # A4 at 96 dpi
    page.goto(LANDING)
    page.evaluate("""() => document.querySelector('[role="doc-abstract"] p').insertAdjacentHTML('beforeend',
        ' <a id="probe" href="https://example.org/report">a report</a>')""")
    page.emulate_media(media="print")
    for hidden in (".ntsbrief-actions", "nav.ntsbrief-contents", "h2#contents", ".ntsbrief-downloads",
                   ".md-header", ".md-sidebar--primary", ".md-footer", ".md-button"):
        assert not _shown(page.locator(hidden).first), hidden
    for shown in (".ntsbrief-title-block", ".ntsbrief-byline", "[role='doc-abstract']", ".ntsbrief-cite-entry"):
        assert _shown(page.locator(shown).first), shown
    after = "s => getComputedStyle(document.querySelector(s), '::after').content"
    assert page.evaluate(after, "#probe") == '" (https://example.org/report)"'
    page.evaluate("() => document.getElementById('probe').remove()")
    page.screenshot(path=str(SCREENSHOTS / "print-landing.png"), full_page=True)

    page.goto(SECTION)
    page.emulate_media(media="print")
    assert not _shown(page.locator(".md-sidebar--secondary").first)
    box = page.locator("a[role='doc-noteref']").first.bounding_box()
    assert box["height"] < 24  # on paper a marker is a superscript, not a touch target
    page.screenshot(path=str(SCREENSHOTS / "print-section.png"), full_page=True)

    page.goto("references/")
    page.emulate_media(media="print")
    assert not _shown(page.locator(".ntsbrief-citedin").first)
    assert not _shown(page.locator(".ntsbrief-downloads").first)

    if (built / "full-text" / "index.html").exists():
        page.goto("full-text/")
        page.emulate_media(media="print")
        assert not _shown(page.locator(".ntsbrief-citedin").first)
        # Notes, then references, after the last section.
        order = page.evaluate("""() => { const top = s => document.querySelector(s).getBoundingClientRect().top;
            return [top('.ntsbrief-part:nth-last-of-type(3)'), top('#notes'), top('#references')]; }""")
        assert order == sorted(order), order


def test_printed_pages_are_numbered(page):
    """The @page bottom margin box as Chromium parsed it (a browser that drops
    margin rules would leave the page rule without it)."""
    page.goto(SECTION)
    rules = page.evaluate("""() => [...document.styleSheets].flatMap(sheet => {
        try { return [...sheet.cssRules]; } catch (e) { return []; } })
        .filter(rule => rule instanceof CSSPageRule).map(rule => rule.cssText)""")
    assert any("@bottom-center" in rule and "counter(page)" in rule for rule in rules), rules
    assert len(page.pdf(format="A4")) > 10_000


# -- metadata ---------------------------------------------------------------------------------


def test_every_page_has_its_open_graph_and_twitter_tags(page, built):
    entry = _brief_entry(built)
    author = entry["author"][0]
    for path in site_pages(built):
        if path == "404.html":
            continue
        page.goto(path)
        tags = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
            'meta[property^="og:"], meta[property^="article:"], meta[name^="twitter:"]')]
            .map(m => [m.getAttribute('property') || m.getAttribute('name'), m.content]))""")
        description = page.evaluate("() => document.querySelector('meta[name=description]').content")
        assert tags["og:description"] == tags["twitter:description"] == description, path
        assert "Malaysia's" in description  # an apostrophe, escaped in the attribute and read back whole
        assert tags["twitter:card"] == "summary" and tags["og:type"] == "article", path
        assert tags["article:author"] == f"{author['given']} {author['family']}", path
        assert tags["article:published_time"] == "{}-{:02d}".format(*entry["issued"]["date-parts"][0])
        if path == LANDING:
            assert tags["og:title"] == entry["title"] == page.locator("article h1").evaluate(HEADING)
        else:
            # The page's title as the theme gives it (its front matter's, else its heading or nav title).
            assert tags["og:title"] == tags["twitter:title"] == page.title().split(" - ")[0], path
        assert page.locator("link[rel='canonical']").count() <= 1  # the theme's only, when site_url is set


# -- accessibility and screenshots ------------------------------------------------------------


def test_axe_finds_nothing_serious_on_the_landing_and_a_section_in_either_palette(new_context):
    found = []
    for viewport in (DESKTOP, PHONE):
        page = new_context(viewport=viewport, reduced_motion="reduce").new_page()
        for path in (LANDING, SECTION):
            page.goto(path)
            found += both_palettes(page, f"{path or '/'} at {viewport['width']} px")
    assert not found, "axe: serious or critical violations\n" + "\n".join(found)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_of_the_article(new_context, scheme):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    suffix = "" if scheme == "light" else "-dark"
    names = []
    for viewport, width in ((DESKTOP, "desktop"), (PHONE, "phone")):
        options = {"viewport": viewport, "color_scheme": scheme}
        if viewport is PHONE:
            options.update(device_scale_factor=2, is_mobile=True, has_touch=True)
        page = new_context(**options).new_page()
        # The section is test_browser.py's (its section-phone.png is this page at this width too).
        for path, name in ((LANDING, "landing"), ("introduction/", "section")):
            page.goto(path)
            page.wait_for_timeout(200)
            shot = SCREENSHOTS / f"{name}-{width}{suffix}.png"
            page.screenshot(path=str(shot), full_page=name == "landing")
            names.append(shot)
    for shot in names:
        assert shot.stat().st_size > 10_000, shot.name
