"""The citation and note syntax, as a table: input, what is found, its keys."""

import pytest

from ntsbrief.syntax import INLINE_RE, kind_of, parse_cluster, scan_source


def found(text):
    """(kind, keys or label) for each construct the inline pattern accepts."""
    result = []
    for match in INLINE_RE.finditer(text):
        kind = kind_of(match)
        if kind == "skip":
            continue
        if kind == "note":
            result.append(("note", match["note"]))
        elif kind == "interviews":
            result.append(("interviews", match["interviews"]))
        elif match["cluster"] is not None:
            cluster = parse_cluster(match["cluster"])
            if cluster is not None:
                result.append(("cite", tuple(cluster.keys)))
        else:
            result.append(("intext", (match["intext"].strip("{}"),)))
    return result


TABLE = [
    ("[@chuang2006]", [("cite", ("chuang2006",))]),
    ("[@chuang2006, 490]", [("cite", ("chuang2006",))]),
    ("[@saltstein1997, 479–83]", [("cite", ("saltstein1997",))]),
    ("[@hendrix2010, 182, 185]", [("cite", ("hendrix2010",))]),
    ("[@motus2004, 40; @vijeyarasa2010, 91–2]", [("cite", ("motus2004", "vijeyarasa2010"))]),
    ("[see @piper2005, 212; also @marshall2001]", [("cite", ("piper2005", "marshall2001"))]),
    ("@piper2005 [212] argues", [("intext", ("piper2005",))]),
    ("[-@chuang2006]", [("cite", ("chuang2006",))]),
    ("[@Doe:2020.a-b_c/d]", [("cite", ("Doe:2020.a-b_c/d",))]),
    ("[@{odd key (2020)}, 5]", [("cite", ("odd key (2020)",))]),
    ("ends a sentence @piper2005.", [("intext", ("piper2005",))]),
    ("note[^n1] and[^long-label]", [("note", "n1"), ("note", "long-label")]),
    ("[interviews: ngo-1, legal-2]", [("interviews", "ngo-1, legal-2")]),
    ("write to a.b@example.org", []),
    ("<mailto:someone@example.org>", []),
    ("https://example.org/@user and www.example.org/@x", []),
    ("[a link @x](https://example.org)", []),
    ('<span title="see @x">t</span>', []),
    ("[just brackets] and [contact x@y.org]", []),
    ("\\@escaped and \\[@bracket escaped]", [("intext", ("bracket",))]),
]


@pytest.mark.parametrize("text, expected", TABLE, ids=[t for t, _ in TABLE])
def test_inline_syntax(text, expected):
    assert found(text) == expected


def test_cluster_parts_and_pandoc_form():
    cluster = parse_cluster("see @piper2005, 212; also -@marshall2001")
    assert [(i.prefix, i.key, i.suffix, i.suppress_author) for i in cluster.items] == [
        ("see ", "piper2005", ", 212", False),
        (" also ", "marshall2001", "", True),
    ]
    assert cluster.pandoc_text == "[see @{piper2005}, 212; also -@{marshall2001}]"


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
    ])
    assert [(o.kind, o.text, o.line) for o in scan_source(source)] == [
        ("cluster", "[@a, 1]", 1),
        ("note", "[^n]", 1),
        ("cluster", "[see @b, 2]", 7),
        ("notedef", "n", 10),
        ("cluster", "[@c]", 10),
    ]


def test_kind_of_names_the_branch_that_matched():
    """``kind_of`` reads the branch from the group a match closed last; it must
    agree with the groups themselves for every branch, suffix or not."""
    text = ("<b>x</b> https://x.org/@a [link @a](u) [^n1] [interviews: i1, i2] [see @a, 12; @b] "
            "@c [3] @d and [-@e] [@{odd key}] ")
    closed = set()
    for match in INLINE_RE.finditer(text):
        expected = next((k for k in ("skip", "note", "interviews", "cluster") if match[k] is not None), "cluster")
        assert kind_of(match) == expected, match.group(0)
        closed.add(match.lastgroup)
    assert closed == {"skip", "note", "interviews", "cluster", "intext", "intext_suffix"}
