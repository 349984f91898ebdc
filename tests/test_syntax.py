"""The citation, note and interview syntax, as a table: input, what is found.

Each row's clusters are also read by pandoc itself (``test_table_is_pandocs_reading``):
the table is pandoc's reading written down, not ours."""

import pytest
from conformance.pandoc_reading import clusters as pandoc_clusters
from conformance.pandoc_reading import read

from ntsbrief.syntax import constructs, parse_cluster, read_cluster, scan_source


def found(text):
    """(kind, keys or label) for each construct, clusters as (keys, modes)."""
    result = []
    for construct in constructs(text):
        if construct.kind == "cluster":
            result.append(("cite", tuple(construct.cluster.keys), modes(construct.cluster)))
        else:
            result.append((construct.kind, construct.label))
    return result


def modes(cluster):
    return "".join(mode[0] for mode in cluster.modes)  # A, N or S


TABLE = [
    ("[@chuang2006]", [("cite", ("chuang2006",), "N")]),
    ("[@chuang2006, 490]", [("cite", ("chuang2006",), "N")]),
    ("[@saltstein1997, 479–83]", [("cite", ("saltstein1997",), "N")]),
    ("[@motus2004, 40; @vijeyarasa2010, 91–2]", [("cite", ("motus2004", "vijeyarasa2010"), "NN")]),
    ("[see @piper2005, 212; also @marshall2001]", [("cite", ("piper2005", "marshall2001"), "NN")]),
    ("@piper2005 [212] argues", [("cite", ("piper2005",), "A")]),
    ("@piper2005\n[212] argues", [("cite", ("piper2005",), "A")]),
    ("[-@chuang2006]", [("cite", ("chuang2006",), "S")]),
    ("as -@chuang2006 shows", [("cite", ("chuang2006",), "S")]),
    ("[@Doe:2020.a-b_c/d]", [("cite", ("Doe:2020.a-b_c/d",), "N")]),
    ("[@{a{b}c}, 5] and [@{odd key}]", [("cite", ("a{b}c",), "N")]),
    ("ends a sentence @piper2005.", [("cite", ("piper2005",), "A")]),
    ("note[^n1] and[^long-label]", [("note", "n1"), ("note", "long-label")]),
    ("[interviews: ngo-1, legal-2]", [("interviews", "ngo-1, legal-2")]),
    ("write to a.b@example.org or <mailto:someone@example.org>", []),
    ("x/@a y:@b (@c) z,@d", [("cite", ("a",), "A"), ("cite", ("b",), "A"), ("cite", ("c",), "A"),
                              ("cite", ("d",), "A")]),
    ("x.@a x..@b x...@c x-@d x--@e x_@f é@g `code`@h", [("cite", ("c",), "A"), ("cite", ("d",), "A"),
                                                       ("cite", ("e",), "A"), ("cite", ("f",), "A"),
                                                       ("cite", ("h",), "A")]),
    ("@a@b", [("cite", ("a",), "A"), ("cite", ("b",), "A")]),
    ("[a link @x](https://example.org/@y)", [("cite", ("x",), "A")]),
    ("![see @x](figure.png)", [("cite", ("x",), "A")]),
    ('<span title="see @x">t</span>', []),
    ("[just brackets] and [contact x@y.org]", []),
    ("\\@escaped and \\[@bracket escaped]", [("cite", ("bracket",), "A")]),
    # The classes of issue 12, each as pandoc reads it.
    ("the band [8–13 Hz; @smith2004] of", [("cite", ("smith2004",), "A")]),
    ('[so-called "split peaks"; @lee2011]', [("cite", ("lee2011",), "A")]),
    ("[@a;; @b]", [("cite", ("a",), "A"), ("cite", ("b",), "A")]),
    ("[@a, @b; @c]", [("cite", ("a", "c"), "NN")]),
    ("@item1 [-@item2 p. 30; see also @item3]", [("cite", ("item1", "item2", "item3"), "ASN")]),
    ("@a [p. 3; @d]", [("cite", ("a", "d"), "AN")]),
    ("text [@key]: more", [("cite", ("key",), "N")]),
    ("[e.g.,@key]", [("cite", ("key",), "N")]),
    ("[@a][@b]", [("cite", ("a",), "A"), ("cite", ("b",), "N")]),
    ("[@a][^n]", [("cite", ("a",), "N"), ("note", "n")]),
    ("[@a]{.smallcaps} [@b](url)", [("cite", ("a",), "A"), ("cite", ("b",), "A")]),
    ("[@a, *x; y*] [@b, `x; y`] [@c, \"x; y\"]", [("cite", ("a",), "N"), ("cite", ("b",), "N"),
                                                ("cite", ("c",), "N")]),
    ("[see [x] @a] [@b, see [p] too]", [("cite", ("a",), "N"), ("cite", ("b",), "N")]),
    ("[see @a\n\n@b]", [("cite", ("a",), "A"), ("cite", ("b",), "A")]),
    ("$@k$ and $x$ @j", [("cite", ("j",), "A")]),
    ("[see @k, 5*] [@a, * b] [@c, x_] [@d, _x]", [("cite", ("k",), "A"), ("cite", ("a",), "N"),
                                                   ("cite", ("c",), "N"), ("cite", ("d",), "A")]),
    ("*a*@b, **a**@c, _a_@d, a_b_@e, *@f*@g", [("cite", ("e",), "A"), ("cite", ("f",), "A")]),
    ("\\a@b, \\emph{x}@c, \\--@d, \\a-@e, a-@f", [("cite", ("b",), "A"), ("cite", ("c",), "A"),
                                                  ("cite", ("d",), "S"), ("cite", ("e",), "S"), ("cite", ("f",), "A")]),
    ("@-x@a and @_y@b", [("cite", ("a",), "A"), ("cite", ("_y",), "A"), ("cite", ("b",), "A")]),
    ("US$5 and @k says $6", [("cite", ("k",), "A")]),
    ("$$ @k $$ @j", [("cite", ("j",), "A")]),
    ("costs $5 @k $ x", [("cite", ("k",), "A")]),
    ("$@a$\u0663 and $@b$3", [("cite", ("b$3",), "A")]),  # math closes before any digit but 0-9
    ("@a[@e", [("cite", ("a",), "A"), ("cite", ("e",), "A")]),
    ("@{\x1c} and @{a\u2028b} and @{a\u00a0b}", [("cite", ("\x1c",), "A"), ("cite", ("a\u2028b",), "A")]),
]


@pytest.mark.parametrize("text, expected", TABLE, ids=[t for t, _ in TABLE])
def test_inline_syntax(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", [t for t, _ in TABLE], ids=[t for t, _ in TABLE])
def test_table_is_pandocs_reading(text):
    """pandoc reads the same works, in the same clusters and modes (a citation it
    nests in another's suffix aside: ntsbrief keeps that one as text)."""
    theirs = [(tuple(c["keys"]), "".join(mode[0] for mode in c["modes"]))  # A, N or S
              for c in pandoc_clusters(read(text)) if "Cite" not in c["context"]
              and not ("Figure" in c["context"] and "Image" in c["context"])]  # a caption, again as alt text
    ours = [(keys, mode) for kind, *rest in found(text) if kind == "cite" for keys, mode in [rest]]
    assert ours == theirs


def test_cluster_parts_and_pandoc_form():
    cluster = parse_cluster("see @piper2005, 212; also -@marshall2001")
    assert [(i.prefix, i.key, i.suffix, i.suppress_author) for i in cluster.items] == [
        ("see ", "piper2005", ", 212", False),
        ("also ", "marshall2001", "", True),
    ]
    assert cluster.pandoc_text == "[see @{piper2005}, 212; also -@{marshall2001}]"


@pytest.mark.parametrize("text, pandoc_text", [
    ("@a", "@{a}"),
    ("-@a", "-@{a}"),
    ("@a [p. 3]", "@{a} [p. 3]"),
    ("@a [see @b]", "@{a} [see @{b}]"),
    ("@a [p. 3; @b]", "@{a} [p. 3; @{b}]"),
    ("[@a, @b; @c]", "[@{a}, \\@b; @{c}]"),
])
def test_pandoc_form_reads_back_as_the_same_cluster(text, pandoc_text):
    cluster = read_cluster(text).cluster
    assert cluster.pandoc_text == pandoc_text
    again = read_cluster(pandoc_text)
    assert again.end == len(pandoc_text) and again.cluster == cluster


def test_scan_source_lines_skip_code_and_comments():
    source = "\n".join([
        "Intro [@a, 1] and[^n].",           # 1
        "",                                  # 2
        "```",                               # 3
        "[@in_fence]",                       # 4
        "```",                               # 5
        "`[@in_span]` <!-- [@in_comment] -->",  # 6
        "A cluster over [see",               # 7
        "@b, 2] lines.",                     # 8
        "",                                  # 9
        "[^n]: Note with [@c].",             # 10
        "",                                  # 11
        "> [see",                            # 12
        "> @d, 4]",                          # 13
    ])
    assert [(o.kind, o.text, o.line) for o in scan_source(source)] == [
        ("cluster", "[@a, 1]", 1),
        ("note", "[^n]", 1),
        ("cluster", "[see @b, 2]", 7),
        ("notedef", "n", 10),
        ("cluster", "[@c]", 10),
        ("cluster", "[see @d, 4]", 12),
    ]


def test_fences_are_code_only_where_the_extension_is_on():
    source = "See [see\n```\n@a, 3] and [@b].\n\n~~~\n[@c]\n~~~\n"
    assert [o.text for o in scan_source(source, fences=False)] == ["[see ``` @a, 3]", "[@b]", "[@c]"]
    assert [o.text for o in scan_source(source, fences=True)] == ["[see ``` @a, 3]", "[@b]"]


def test_raw_html_blocks_are_not_scanned_as_python_markdown_does_not_read_them():
    source = "<table><tr><td>\n[@a] in raw HTML\n</td></tr></table>\n\nText [@a] and <b>[@b]</b>.\n"
    assert [(o.text, o.line) for o in scan_source(source)] == [("[@a]", 5), ("[@b]", 5)]


def test_a_failed_bracket_leaves_no_citation_marked_as_nested():
    # "[@e" never closes: pandoc reads "@e" again as a citation of its own.
    assert [c.nested for c in constructs("@a[@e and @b [see @c")] == [(), (), (), ()]


@pytest.mark.parametrize("text, pandoc_text, nested", [
    ("[@a, *@b*]", "[@{a}, *\\@b*]", ("b",)),
    ('[@a, "@b"]', '[@{a}, "\\@b"]', ("b",)),
    ("[@a, see @b [p. 3; @c]; @d]", "[@{a}, see \\@b [p. 3; \\@c]; @{d}]", ("b", "c")),
    ("[**@a** @b]", "[**\\@a** @{b}]", ("a",)),
])
def test_citations_pandoc_would_nest_in_an_affix_are_text_wherever_they_sit(text, pandoc_text, nested):
    """pandoc's citeproc prints only a nested citation (``[@a, *@b*]`` shows b
    alone): every one is escaped, in emphasis, quotes and brackets too, and reported."""
    [construct] = [c for c in constructs(text) if c.kind == "cluster"]
    assert construct.cluster.pandoc_text == pandoc_text
    assert construct.nested == nested
