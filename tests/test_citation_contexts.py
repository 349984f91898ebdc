"""Citations where pandoc reads them but HTML constrains them: inside links,
image alt text, lists, tables and block quotes, and inside another citation.
Real MkDocs builds of one small page."""

import re
from html.parser import HTMLParser

BIB = """\
@book{alpha2001, author = {Alpha, Ann}, title = {Alpha}, year = {2001}, publisher = {P}}
@book{beta2002, author = {Beta, Bob}, title = {Beta}, year = {2002}, publisher = {P}}
@book{gamma2003, author = {Gamma, Cy}, title = {Gamma}, year = {2003}, publisher = {P}}
"""

PAGE = """\
# Contexts

First [@alpha2001].

- In a list [@beta2002].

Between [@gamma2003].

| Source |
|---|
| In a table [@alpha2001, 4] |

> In a quote [@beta2002, 5].

After [see @gamma2003, 6](https://example.org/a) and [**@alpha2001**](https://example.org/b).

![A caption that cites [@beta2002]
on two lines, "quoted"](figure.png)

Last [@alpha2001, 9].
"""


def build_page(site, page=PAGE, strict=False):
    built = site({"index.md": page}, strict=strict, plugin={"bibliography": "refs.bib"},
                 extra_files={"refs.bib": BIB}, extensions=["tables", "attr_list"])
    return built, built.html("")


class Structure(HTMLParser):
    """Links inside links, and each ``img`` with its attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.nested_links = 0
        self.images: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.nested_links += self.depth > 0
            self.depth += 1
        if tag == "img":
            self.images.append(dict(attrs))

    def handle_endtag(self, tag):
        if tag == "a":
            self.depth -= 1


def test_cite_ids_follow_reading_order_through_lists_tables_and_quotes(site):
    _, html = build_page(site)
    ids = re.findall(r'<span class="citation" id="(cite-\d+)"', html)
    texts = re.findall(r'<span class="citation" id="cite-\d+" data-cites="([^"]+)"', html)
    # First, list, Between, table, quote, link text x2, Last (the alt text has no anchor)
    assert texts == ["alpha2001", "beta2002", "gamma2003", "alpha2001", "beta2002", "gamma2003", "alpha2001",
                     "alpha2001"]
    assert ids == sorted(ids, key=lambda i: int(i.split("-")[1])) and len(set(ids)) == len(ids)


def test_citations_in_link_text_are_formatted_and_never_a_link_in_a_link(site):
    _, html = build_page(site)
    structure = Structure()
    structure.feed(html)
    assert structure.nested_links == 0
    see = re.search(r'<a href="https://example.org/a">(.*?)</a>', html).group(1)
    bold = re.search(r'<a href="https://example.org/b">(.*?)</a>', html).group(1)
    # Both forms alike: the formatted citation, unlinked, inside the author's link.
    assert re.sub(r"<[^>]+>", "", see) == "see Gamma (2003), 6"  # in-text, as pandoc reads it
    assert re.sub(r"<[^>]+>", "", bold) == "Alpha (2001)"
    assert 'class="citation"' in see and 'class="citation"' in bold


def test_citation_in_multi_line_alt_text_is_plain_text_in_an_intact_img(site):
    _, html = build_page(site)
    structure = Structure()
    structure.feed(html)
    [image] = structure.images
    assert image["alt"] == 'A caption that cites (Beta, 2002)\non two lines, "quoted"'
    assert image["src"].endswith("figure.png")
    # No caption text outside the tag, no markup or placeholder inside it.
    assert html.count("on two lines") == 1
    img_tag = re.search(r"<img [^>]*>", html).group(0)
    assert "<span" not in img_tag and "ntsbrief-ref" not in img_tag


def test_a_citation_inside_a_locator_is_text_and_reported_where_it_is(site):
    page = "# T\n\nText\nhere [@alpha2001, @beta2002; @gamma2003].\n"
    built, html = build_page(site, page, strict=True)
    assert built.returncode != 0
    assert "docs/index.md:4: '@beta2002' inside the citation of 'alpha2001' is printed as text" in built.log
    text = re.sub(r"<[^>]+>", "", re.search(r'<span class="citation".*?</span>\)?', html).group(0))
    assert text == "(Alpha, 2001, @beta2002; Gamma, 2003)"


def test_a_pandoc_inline_note_is_reported_where_it_is(site):
    page = "# T\n\nText `^[code]` and\nmore.^[See @alpha2001.] End.\n"
    built, html = build_page(site, page, strict=True)
    assert built.returncode != 0
    assert built.warnings == ["docs/index.md:4: '^[...]' is an inline note in pandoc, not here: write '[^label]' "
                              "and define '[^label]: text' in the same file"]
    assert "^[code]" in html and "Alpha" in html  # code untouched; the citation in it still read
