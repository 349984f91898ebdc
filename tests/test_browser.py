"""The real brief in a real browser: previews, followed links, search, touch and
accessibility (axe-core), with Debian's Chromium driven by Playwright.

The brief is built once (``mkdocs build --strict``) and served from this module
on 127.0.0.1; every request to anywhere else is blocked and reported, so the
site is shown to fetch nothing from outside at view time.

Without /usr/bin/chromium (or Playwright) the module is skipped, unless
NTSBRIEF_REQUIRE_BROWSER=1, as in CI, which makes it fail instead. Screenshots
are written to artifacts/screenshots/ at the repository root.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("NTSBRIEF_CHROMIUM", "/usr/bin/chromium")  # e.g. google-chrome on hosted runners
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
REQUIRED = os.environ.get("NTSBRIEF_REQUIRE_BROWSER") == "1"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SECTION = "introduction/"
VISIBLE_PREVIEW = ".ntsbrief-preview:not([hidden])"
LOCAL_SITES: list[str] = []  # the sites this module serves on 127.0.0.1: the only addresses a page may reach


UNAVAILABLE = None  # why the browser tests cannot run here, if they cannot
if not os.access(CHROMIUM, os.X_OK):
    UNAVAILABLE = (f"no Chromium at {CHROMIUM}: these tests drive Debian's Chromium (apt-get install -y chromium, "
                   "or set NTSBRIEF_CHROMIUM to a Chrome); .ci/run installs it and requires them")
try:
    import axe_playwright_python
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright
except ImportError as error:  # pragma: no cover - the test extra installs them
    UNAVAILABLE = f"{error.name} is not installed (pip install -c constraints.txt -e '.[test]')"
if UNAVAILABLE and not REQUIRED:
    pytest.skip(UNAVAILABLE, allow_module_level=True)
AXE = None if UNAVAILABLE else Path(axe_playwright_python.__file__).parent / "axe.min.js"


# -- the site, served locally --------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "site"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
                            cwd=ROOT, capture_output=True, text=True, check=False,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="module")
def base_url(built) -> str:
    handler = functools.partial(_QuietHandler, directory=str(built))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    LOCAL_SITES.append(f"http://127.0.0.1:{server.server_address[1]}/")
    yield LOCAL_SITES[-1]
    server.shutdown()
    server.server_close()


def _unavailable(reason: str):
    """Every test fails (NTSBRIEF_REQUIRE_BROWSER=1, as in CI) or is skipped."""
    if REQUIRED:
        pytest.fail(f"NTSBRIEF_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    if UNAVAILABLE:
        _unavailable(UNAVAILABLE)
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except PlaywrightError as error:
            _unavailable(f"Chromium at {CHROMIUM} does not start: {error}")
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser, base_url):
    """Browser contexts that may only talk to the local server; at the end of the
    test, any request that went (or tried to go) anywhere else fails it, and so
    does any uncaught script error."""
    contexts, outside, errors = [], [], []

    def make(**options):
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(base_url=base_url, **options)
        context.set_default_timeout(10_000)

        def local_only(route):
            if route.request.url.startswith(tuple(LOCAL_SITES)):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", local_only)
        context.on("request", lambda request: None if request.url.startswith((*LOCAL_SITES, "data:", "blob:"))
                   else outside.append(request.url))
        context.on("page", lambda page: page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}")))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not outside, f"requests outside the local server: {sorted(set(outside))}"
    assert not errors, f"script errors: {errors}"


@pytest.fixture
def page(new_context):
    return new_context().new_page()


def site_pages(built: Path) -> list[str]:
    """Every page of the built site, as paths relative to its root."""
    pages = sorted(p.parent.relative_to(built).as_posix() + "/" for p in built.rglob("index.html"))
    pages = ["" if p == "./" else p for p in pages]
    if (built / "404.html").exists():
        pages.append("404.html")
    return pages


def target_id(page) -> str | None:
    return page.evaluate("() => { const t = document.querySelector(':target'); return t && t.id; }")


def assert_highlighted_below_header(page, element_id: str) -> None:
    """The followed target is outlined and tinted (light palette), and shown below Material's sticky header."""
    element = page.locator(f"[id='{element_id}']")
    expect(element).to_be_in_viewport()
    style = element.evaluate("""e => { const s = getComputedStyle(e);
        return {outline: s.outlineStyle, width: parseFloat(s.outlineWidth), background: s.backgroundColor}; }""")
    assert style["outline"] == "solid" and style["width"] >= 1, style
    assert style["background"] not in ("rgba(0, 0, 0, 0)", "transparent"), style
    header_bottom = page.evaluate("() => document.querySelector('.md-header').getBoundingClientRect().bottom")
    top = element.evaluate("e => e.getBoundingClientRect().top")
    assert top >= header_bottom - 1, (top, header_bottom)


# -- followed links -------------------------------------------------------------------


def test_citation_leads_to_highlighted_entry_and_back_to_the_exact_citation(page):
    page.goto(SECTION)
    citation = page.locator("#cite-1 a[role='doc-biblioref']")
    href = citation.get_attribute("href")
    key = href.split("#", 1)[1]
    assert key.startswith("ref-")
    citation.click()
    page.wait_for_url(re.compile(r"/references/#" + re.escape(key) + "$"))
    assert target_id(page) == key
    assert_highlighted_below_header(page, key)

    page.locator(f"[id='{key}'] .ntsbrief-citedin a[href$='#cite-1']").click()
    page.wait_for_url(re.compile(r"/introduction/#cite-1$"))
    assert target_id(page) == "cite-1"
    assert_highlighted_below_header(page, "cite-1")


def test_note_marker_leads_to_the_note_at_the_page_end_and_on_to_the_notes_page_and_back(page):
    """marker → the note that ends the page → back to the marker; the note → its entry on
    the Notes page → back to the note at the page's end, and to the marker."""
    page.goto(SECTION)
    page.locator("#noteref-1 a").click()
    page.wait_for_url(re.compile(r"/introduction/#note-1$"))
    assert target_id(page) == "note-1"
    assert page.locator(".ntsbrief-page-notes #note-1").count() == 1
    assert_highlighted_below_header(page, "note-1")
    page.locator("#note-1 a[role='doc-backlink']").click()
    page.wait_for_url(re.compile(r"/introduction/#noteref-1$"))
    assert target_id(page) == "noteref-1"
    assert_highlighted_below_header(page, "noteref-1")

    page.goto(SECTION + "#note-1")
    page.locator("#note-1 a.ntsbrief-to-notes").click()
    page.wait_for_url(re.compile(r"/notes/#note-1$"))
    assert target_id(page) == "note-1"
    assert_highlighted_below_header(page, "note-1")
    page.locator("#note-1 a.ntsbrief-to-page-notes").click()
    page.wait_for_url(re.compile(r"/introduction/#note-1$"))
    assert target_id(page) == "note-1"
    page.goto("notes/#note-1")
    page.locator("#note-1 a[role='doc-backlink']").click()
    page.wait_for_url(re.compile(r"/introduction/#noteref-1$"))
    assert target_id(page) == "noteref-1"


def test_each_section_page_ends_with_its_own_notes_numbered_as_in_the_brief(page, built):
    notes_page = (built / "notes" / "index.html").read_text(encoding="utf-8")
    for path in ("introduction/", "unaddressed-protection-concerns/", "role-of-the-non-government-sector/"):
        page.goto(path)
        markers = page.locator("article a[role='doc-noteref']").evaluate_all(
            "links => [...new Set(links.map(a => a.getAttribute('href')))]")
        own = page.locator(".ntsbrief-page-notes li").evaluate_all("items => items.map(li => '#' + li.id)")
        assert own and own == sorted(markers, key=lambda h: int(h.split("-")[1])), path
        # The last thing the article holds, after the page's text.
        assert page.evaluate("() => document.querySelector('article .ntsbrief-page-notes') === "
                             "[...document.querySelector('article').children].filter(e => e.tagName !== 'A' "
                             "&& e.tagName !== 'SCRIPT').pop()")
        for anchor in own:  # the same text as on the Notes page
            text = page.locator(f"[id='{anchor[1:]}'] p").first.inner_text()
            words = re.sub(r"\s+", " ", text.split("↩")[0]).strip()
            assert words[:60] in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", notes_page)), anchor
    page.goto("conclusion/")
    assert page.locator(".ntsbrief-page-notes").count() == 0  # no notes, no list


# -- previews -----------------------------------------------------------------------------


def test_hovering_a_note_marker_previews_the_note_with_its_number(page, built):
    notes = (built / "notes" / "index.html").read_text(encoding="utf-8")
    note = re.search(r'<li id="note-1"[^>]*><p>(.*?)<a ', notes, re.DOTALL).group(1)
    expected = re.sub(r"<[^>]+>", "", note).split(".")[0]
    page.goto(SECTION)
    marker = page.locator("#noteref-1 a")
    marker.hover()
    tooltip = page.locator(VISIBLE_PREVIEW)
    expect(tooltip).to_have_count(1)
    expect(tooltip).to_be_visible()
    expect(tooltip).to_have_attribute("role", "tooltip")
    expect(tooltip).to_contain_text(expected)
    assert tooltip.inner_text().startswith("Note 1\n")
    assert tooltip.get_attribute("id") in marker.get_attribute("aria-describedby").split()

    # It sits next to the marker, inside the viewport.
    box, link = tooltip.bounding_box(), marker.bounding_box()
    viewport = page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]
    assert box["y"] >= link["y"] + link["height"] or box["y"] + box["height"] <= link["y"]

    # The pointer can travel into the preview (grace period) ...
    page.mouse.move(box["x"] + 20, box["y"] + 10, steps=4)
    page.wait_for_timeout(500)
    expect(tooltip).to_be_visible()
    # ... and it closes once the pointer has left both.
    page.mouse.move(5, viewport["height"] - 5)
    expect(page.locator(VISIBLE_PREVIEW)).to_have_count(0)


def test_keyboard_focus_previews_a_citation_and_escape_hides_it(page):
    page.goto(SECTION)
    # Start sequential navigation just before the first citation, then Tab to it.
    page.locator("article h1 .headerlink").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.closest('.citation') "
                            "&& document.activeElement.closest('.citation').id")
    assert focused == "cite-1"
    tooltip = page.locator(VISIBLE_PREVIEW)
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("Chuang")
    described = page.evaluate("() => document.activeElement.getAttribute('aria-describedby')")
    assert tooltip.get_attribute("id") in described.split()

    page.keyboard.press("Escape")
    expect(page.locator(VISIBLE_PREVIEW)).to_have_count(0)
    assert page.evaluate("() => document.activeElement.closest('.citation').id") == "cite-1"

    # Tab to the next citation: its preview; Tab away from it: hidden on blur.
    page.keyboard.press("Tab")
    expect(page.locator(VISIBLE_PREVIEW)).to_contain_text("Kaur")
    page.evaluate("() => document.activeElement.blur()")
    expect(page.locator(VISIBLE_PREVIEW)).to_have_count(0)


def still_here(page) -> bool:
    """No navigation since ``ntsbriefSamePage`` was set (Material may rewrite the
    URL's fragment as the reader scrolls, so the URL alone does not tell)."""
    return urlsplit(page.url).path == "/" + SECTION and page.evaluate("() => window.ntsbriefSamePage === true")


def test_touch_first_tap_previews_second_tap_follows(new_context):
    page = new_context(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2).new_page()
    page.goto(SECTION)
    page.evaluate("() => { window.ntsbriefSamePage = true; }")  # gone if the page is left
    marker = page.locator("#noteref-1 a")
    marker.tap()
    tooltip = page.locator(VISIBLE_PREVIEW)
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("Kuala Lumpur")
    page.wait_for_timeout(300)
    assert still_here(page)

    box = tooltip.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "section-phone-note-preview.png"))

    # A tap elsewhere closes it; a tap on another link previews that one instead.
    page.locator("article h1").tap()
    expect(page.locator(VISIBLE_PREVIEW)).to_have_count(0)
    citation = page.locator("#cite-1 a")
    citation.tap()
    expect(page.locator(VISIBLE_PREVIEW)).to_contain_text("Chuang")
    page.wait_for_timeout(300)
    assert still_here(page)
    citation.tap()
    page.wait_for_url(re.compile(r"/references/#ref-chuang2006$"))


def test_previews_and_targets_on_a_page_that_holds_its_own_notes_and_references(page, built):
    """The single-page full text: links to #note-N and #ref-KEY on the same page."""
    if not (built / "full-text" / "index.html").exists():
        pytest.skip("this brief has no full-text/ page")
    page.goto("full-text/")
    marker = page.locator("a[role='doc-noteref'][href='#note-1']").first
    note = page.locator("[id='note-1']")
    expect(note).to_have_count(1)
    marker.hover()
    tooltip = page.locator(VISIBLE_PREVIEW)
    expect(tooltip).to_be_visible()
    expected = note.locator("p").first.evaluate(
        "p => Array.from(p.childNodes).filter(n => !(n.matches && n.matches('.ntsbrief-backref')))"
        ".map(n => n.textContent).join('')")
    assert " ".join(tooltip.inner_text().split()) == "Note 1 " + " ".join(expected.split())
    marker.click()
    expect(page.locator(VISIBLE_PREVIEW)).to_have_count(0)
    page.wait_for_url(re.compile(r"/full-text/#note-1$"))
    assert target_id(page) == "note-1"
    assert_highlighted_below_header(page, "note-1")

    citation = page.locator("a[role='doc-biblioref'][href^='#ref-']").first
    citation.scroll_into_view_if_needed()
    citation.hover()
    expect(page.locator(VISIBLE_PREVIEW)).to_be_visible()
    key = citation.get_attribute("href")[1:]
    entry = page.locator(f"[id='{key}']").inner_text()
    assert page.locator(VISIBLE_PREVIEW).inner_text().split()[:3] == entry.split()[:3]


# -- print ------------------------------------------------------------------------------------


def test_print_shows_the_text_without_the_site_chrome(new_context, built):
    page = new_context().new_page()
    path = "full-text/" if (built / "full-text" / "index.html").exists() else "references/"
    page.goto(path)
    # One external link whose text is not its URL, to see the URL printed after it.
    page.evaluate("""() => document.querySelector('article p').insertAdjacentHTML('beforeend',
        ' <a id="probe" href="https://example.org/report">a report</a>')""")
    page.emulate_media(media="print")
    for chrome in (".md-header", ".md-sidebar--primary", ".md-footer", ".md-search", ".md-top"):
        assert page.locator(chrome).first.evaluate("e => getComputedStyle(e).display") == "none", chrome
    after = "s => getComputedStyle(document.querySelector(s), '::after').content"
    assert page.evaluate(after, "#probe") == '" (https://example.org/report)"'
    assert page.evaluate(after, "a[role='doc-biblioref']") in ("none", "normal")
    assert page.evaluate(after, ".csl-entry a[href^='http']") in ("none", "normal")  # its text is its URL
    assert page.evaluate("() => getComputedStyle(document.querySelector('.csl-entry')).breakInside") == "avoid"
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path=str(SCREENSHOTS / f"print-{path.strip('/')}.png"))


# -- search ---------------------------------------------------------------------------------


def test_search_finds_the_debt_bondage_section(page):
    page.goto("")
    page.keyboard.press("s")
    query = page.locator("input.md-search__input")
    expect(query).to_be_focused()
    query.type("debt bondage")
    # With search.highlight the link carries the query: .../unaddressed-protection-concerns/?h=debt+bondage#debt-bondage
    result = page.locator(".md-search-result__item a[href*='/unaddressed-protection-concerns/'][href$='#debt-bondage']")
    expect(result.first).to_be_visible()
    expect(result.first.locator("h2")).to_have_text("Debt Bondage")
    result.first.click()
    page.wait_for_url(re.compile(r"/unaddressed-protection-concerns/(\?[^#]*)?#debt-bondage$"))
    expect(page.locator("h2#debt-bondage")).to_be_in_viewport()


# -- accessibility ----------------------------------------------------------------------------

NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; }"
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
}"""


def serious(page) -> list[dict]:
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(AXE_RUN) if v["impact"] in ("serious", "critical")]


def both_palettes(page, where: str) -> list[str]:
    """axe on the page as shown, in the light then the dark (slate) palette."""
    found = []
    page.add_style_tag(content=NO_TRANSITIONS)
    for scheme in ("default", "slate"):
        page.evaluate("s => document.body.setAttribute('data-md-color-scheme', s)", scheme)
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert (scheme == "slate") == (background != "rgb(255, 255, 255)"), (scheme, background)
        found += [f"{where} [{scheme}] {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
                  for v in serious(page)]
    return found


def test_axe_finds_no_serious_violation_on_any_page_in_either_palette(new_context, built):
    page = new_context(reduced_motion="reduce").new_page()
    pages = site_pages(built)
    assert {"", "introduction/", "notes/", "references/"} <= set(pages)
    found = []
    for path in pages:
        page.goto(path)
        found += both_palettes(page, path or "/")
    # The states our script and stylesheet add: an open preview, a highlighted target.
    page.goto(SECTION)
    page.locator("article h1 .headerlink").focus()
    page.keyboard.press("Tab")
    expect(page.locator(VISIBLE_PREVIEW)).to_be_visible()
    found += both_palettes(page, SECTION + " (preview open)")
    page.goto("references/#ref-chuang2006")
    found += both_palettes(page, "references/#ref-chuang2006")
    page.goto("notes/#note-1")
    found += both_palettes(page, "notes/#note-1")
    assert not found, "axe: serious or critical violations\n" + "\n".join(found)


# -- screenshots --------------------------------------------------------------------------------


def test_screenshots_of_a_section_page(new_context):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desktop = new_context(viewport=DESKTOP).new_page()
    desktop.goto(SECTION)
    desktop.locator("#cite-1 a").hover()
    expect(desktop.locator(VISIBLE_PREVIEW)).to_be_visible()
    desktop.wait_for_timeout(250)  # the fade-in
    desktop.screenshot(path=str(SCREENSHOTS / "section-desktop-citation-preview.png"))

    dark = new_context(viewport=DESKTOP, color_scheme="dark").new_page()
    dark.goto(SECTION)
    assert dark.evaluate("() => document.body.getAttribute('data-md-color-scheme')") == "slate"
    dark.locator("#noteref-1 a").hover()
    expect(dark.locator(VISIBLE_PREVIEW)).to_be_visible()
    dark.wait_for_timeout(250)
    dark.screenshot(path=str(SCREENSHOTS / "section-desktop-dark-note-preview.png"))

    phone = new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True).new_page()
    phone.goto(SECTION)
    phone.screenshot(path=str(SCREENSHOTS / "section-phone.png"))
    phone.goto("references/#ref-kaur2011")
    phone.wait_for_timeout(600)
    phone.screenshot(path=str(SCREENSHOTS / "references-phone-target.png"))

    for name in ("section-desktop-citation-preview", "section-desktop-dark-note-preview", "section-phone",
                 "references-phone-target"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000, name


# -- notes where readers look, the publication's lists, the full text -------------------------


def test_previews_show_the_notes_number_and_an_unverified_works_dagger(page, built):
    references = (built / "references" / "index.html").read_text(encoding="utf-8")
    unverified = re.findall(r'<div id="ref-([^"]+)" class="csl-entry" role="listitem">(?:(?!</div>).)*'
                            r'class="ntsbrief-unverified"', references, re.DOTALL)
    verified = [key for key in re.findall(r'<div id="ref-([^"]+)" class="csl-entry"', references)
                if key not in unverified]
    assert unverified and verified
    checked = {True: 0, False: 0}
    for path in ("introduction/", "unaddressed-protection-concerns/", "role-of-the-non-government-sector/"):
        page.goto(path)
        for link in page.locator("a[role='doc-biblioref']").all():
            key = link.get_attribute("href").split("#ref-", 1)[1]
            dagger = key in unverified
            if checked[dagger] >= 2:
                continue
            link.scroll_into_view_if_needed()
            link.hover()
            tooltip = page.locator(VISIBLE_PREVIEW)
            expect(tooltip).to_be_visible()
            text = tooltip.inner_text()
            assert ("†" in text) == dagger, (key, text)
            # a screen reader hears why, not the dagger (the description is the tooltip's text)
            assert ("(details not fully verified)" in tooltip.text_content()) == dagger, key
            page.mouse.move(2, 300)
            expect(page.locator(VISIBLE_PREVIEW)).to_have_count(0)
            checked[dagger] += 1
    assert checked == {True: 2, False: 2}, checked

    page.goto("unaddressed-protection-concerns/")
    marker = page.locator("a[role='doc-noteref']").nth(2)
    number = marker.inner_text()
    marker.scroll_into_view_if_needed()
    marker.focus()
    expect(page.locator(VISIBLE_PREVIEW)).to_be_visible()
    assert page.locator(VISIBLE_PREVIEW).inner_text().startswith(f"Note {number}\n")


def test_the_notes_page_is_grouped_by_section_with_the_brief_wide_numbers(page):
    page.goto("notes/")
    headings = page.locator("article h2.ntsbrief-notes-section")
    titles = headings.all_inner_texts()
    assert titles == ["Introduction", "Unaddressed Protection Concerns of Trafficked Persons",
                      "The Role of the Non-Government Sector"]
    numbers = []
    for index in range(len(titles)):
        group = headings.nth(index).locator("xpath=following-sibling::ol[1]")
        numbers += [int(n) for n in group.locator("> li").evaluate_all("items => items.map(li => li.value)")]
    assert numbers == list(range(1, len(numbers) + 1))  # 1..N, across the groups
    assert page.locator("article li[id^='note-']").count() == len(numbers)
    # Each heading leads to its section.
    headings.nth(1).locator("a").click()
    page.wait_for_url(re.compile(r"/unaddressed-protection-concerns/$"))
    expect(page.locator("article h1")).to_contain_text("Unaddressed Protection Concerns")


def test_cited_in_reads_as_section_titles_with_letters_for_several_places(page):
    page.goto("references/")
    lines = page.locator(".ntsbrief-citedin").all_inner_texts()
    assert lines and all(line.startswith("Cited in: ") for line in lines)
    sections = ("Introduction", "Unaddressed Protection Concerns of Trafficked Persons",
                "The Role of the Non-Government Sector", "Conclusion")
    place = "(?:" + "|".join(map(re.escape, sections)) + ")"
    for line in lines:  # "Introduction a, b; Conclusion"
        assert re.fullmatch(rf"Cited in: {place}(?: [a-z]+(?:, [a-z]+)+)?(?:; {place}(?: [a-z]+(?:, [a-z]+)+)?)*",
                            line.strip()), line
    assert any(re.search(r" a, b", line) for line in lines)
    # Each letter's accessible name says where and which; every link leads to a citation.
    letters = page.locator(".ntsbrief-citedin a[aria-label]")
    assert letters.count() >= 2
    for index in range(letters.count()):
        link = letters.nth(index)
        label, text = link.get_attribute("aria-label"), link.inner_text()
        assert re.fullmatch(rf"{place}, citation {text}", label), label
    first = letters.first
    href = first.get_attribute("href")
    first.click()
    page.wait_for_url(re.compile(re.escape(href.split("/")[-2]) + r"/#cite-\d+$"))
    assert target_id(page) == href.split("#")[1]


def test_the_full_text_has_one_h1_a_table_of_contents_and_the_notes_and_references_at_the_end(page, built):
    if not (built / "full-text" / "index.html").exists():
        pytest.skip("this brief has no full-text/ page")
    page.goto("full-text/")
    assert page.locator("h1").count() == 1
    assert page.locator("article h1").inner_text().startswith("Full text")
    contents = page.locator("nav.ntsbrief-full-text-contents a")  # (the landing page's own is in its part)
    entries = contents.evaluate_all("links => links.map(a => [a.getAttribute('href'), a.textContent])")
    assert [text for _, text in entries] == ["Home", "Introduction",
                                             "Unaddressed Protection Concerns of Trafficked Persons",
                                             "The Role of the Non-Government Sector", "Conclusion",
                                             "Notes", "References"]
    for href, _ in entries:
        assert page.locator(f"[id='{href[1:]}']").count() == 1, href
    # The parts in order; the notes and references last; no page's own notes list inside.
    parts = page.locator("article section.ntsbrief-part").evaluate_all("s => s.map(e => e.id)")
    assert parts[-2:] == ["part-notes", "part-references"]
    assert page.locator("article .ntsbrief-page-notes").count() == 0
    assert page.locator("#part-notes li[id^='note-']").count() == page.locator("a[role='doc-noteref']").evaluate_all(
        "links => new Set(links.map(a => a.getAttribute('href'))).size")
    assert page.locator("#part-notes h3.ntsbrief-notes-section").count() == 3
    # A contents link, and a section heading of the notes, stay on the page.
    contents.nth(2).click()
    page.wait_for_url(re.compile(r"/full-text/#part-unaddressed-protection-concerns$"))
    page.locator("#part-notes h3 a").first.click()
    page.wait_for_url(re.compile(r"/full-text/#part-introduction$"))


# -- margin notes (the margin_notes option), on a copy of the brief -----------------------------


@pytest.fixture(scope="module")
def margin_url(tmp_path_factory) -> str:
    import shutil
    root = tmp_path_factory.mktemp("margin")
    for name in ("content", "citations", ".cache"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, root / name)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "      cite_title: Cite this Alert\n" in config
    (root / "mkdocs.yml").write_text(config.replace("      cite_title: Cite this Alert\n",
                                                    "      cite_title: Cite this Alert\n      margin_notes: true\n"),
                                     encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(root / "site")],
                            cwd=root, capture_output=True, text=True, check=False,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    handler = functools.partial(_QuietHandler, directory=str(root / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    LOCAL_SITES.append(f"http://127.0.0.1:{server.server_address[1]}/")
    yield LOCAL_SITES[-1]
    server.shutdown()
    server.server_close()


def _margin_layout(page) -> dict:
    return page.evaluate("""() => {
      const article = document.querySelector('article');
      const text = [...article.querySelectorAll(':scope > p')].map(p => p.getBoundingClientRect().right);
      const notes = [...document.querySelectorAll('.ntsbrief-page-notes li')].map(li => {
        const marker = [...article.querySelectorAll('a[role="doc-noteref"]')]
          .find(a => a.getAttribute('href') === '#' + li.id && !a.closest('.ntsbrief-page-notes'));
        const box = li.getBoundingClientRect();
        return {id: li.id, position: getComputedStyle(li).position, left: box.left, top: box.top,
                bottom: box.bottom, marker: marker ? marker.getBoundingClientRect().top : null};
      });
      const last = [...article.querySelectorAll(':scope > p')].pop().getBoundingClientRect().bottom;
      return {margin: article.classList.contains('ntsbrief-has-margin-notes'), textRight: Math.max(...text),
              lastText: last, notes};
    }""")


def test_margin_notes_sit_beside_their_markers_on_a_wide_screen_and_end_the_page_on_a_phone(
        new_context, margin_url):
    desktop = new_context(viewport=DESKTOP).new_page()
    desktop.goto(margin_url + "unaddressed-protection-concerns/")
    layout = _margin_layout(desktop)
    assert layout["margin"] and len(layout["notes"]) > 5
    for before, note in zip([None, *layout["notes"]], layout["notes"], strict=False):
        assert note["position"] == "absolute", note
        assert note["left"] >= layout["textRight"], (note, layout["textRight"])  # beside the text, not over it
        assert note["top"] >= note["marker"] - 2, note  # never above its marker
        if before is not None:
            assert note["top"] >= before["bottom"], (before, note)  # never over the one before
    first = layout["notes"][0]
    assert abs(first["top"] - first["marker"]) < 8, first  # level with its marker
    # A followed marker shows its note, beside it; the reader can go back from there.
    desktop.locator("a[role='doc-noteref']").first.click()
    target = target_id(desktop)
    assert target and target.startswith("note-")
    expect(desktop.locator(f"[id='{target}']")).to_be_in_viewport()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desktop.goto(margin_url + "unaddressed-protection-concerns/")
    desktop.locator("a[role='doc-noteref']").nth(3).scroll_into_view_if_needed()
    desktop.wait_for_timeout(200)
    desktop.screenshot(path=str(SCREENSHOTS / "margin-notes-desktop.png"))
    assert not both_palettes(desktop, "margin notes at 1280 px")

    phone = new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True).new_page()
    phone.goto(margin_url + "unaddressed-protection-concerns/")
    layout = _margin_layout(phone)
    assert not layout["margin"]
    assert all(note["position"] == "static" for note in layout["notes"])
    assert layout["notes"][0]["top"] > layout["lastText"]  # the list that ends the page
    phone.locator(".ntsbrief-page-notes").scroll_into_view_if_needed()
    phone.screenshot(path=str(SCREENSHOTS / "margin-notes-phone.png"))

    # Off by default: the Alert's own site keeps its notes at the end at any width.
    plain = new_context(viewport=DESKTOP).new_page()
    plain.goto("unaddressed-protection-concerns/")
    assert not _margin_layout(plain)["margin"]


def test_screenshots_of_notes_references_and_full_text(new_context):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desktop = new_context(viewport=DESKTOP).new_page()
    desktop.goto("unaddressed-protection-concerns/")
    desktop.locator(".ntsbrief-page-notes").scroll_into_view_if_needed()
    desktop.screenshot(path=str(SCREENSHOTS / "section-notes-desktop.png"))
    desktop.goto("notes/")
    desktop.screenshot(path=str(SCREENSHOTS / "notes-page.png"), full_page=True)
    desktop.goto("references/")
    desktop.locator(".ntsbrief-citedin").filter(has_text=", b").first.scroll_into_view_if_needed()
    desktop.screenshot(path=str(SCREENSHOTS / "references-page.png"))
    desktop.goto("full-text/")
    desktop.screenshot(path=str(SCREENSHOTS / "full-text.png"))
    desktop.goto("unaddressed-protection-concerns/")
    marker = desktop.locator("a[role='doc-noteref']").nth(1)
    marker.scroll_into_view_if_needed()
    marker.hover()
    expect(desktop.locator(VISIBLE_PREVIEW)).to_be_visible()
    desktop.wait_for_timeout(250)
    desktop.screenshot(path=str(SCREENSHOTS / "note-preview-with-number.png"))
    for name in ("section-notes-desktop", "notes-page", "references-page", "full-text",
                 "note-preview-with-number"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000, name
