"""Clusters reach pandoc as a JSON AST: it must be exactly what pandoc's
Markdown reader makes of the same clusters, or go through that reader."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ntsbrief import pandoc_ast
from ntsbrief.bibliography import Bibliography
from ntsbrief.citeproc import Formatter, _run, pandoc_path, parse_pandoc_html
from ntsbrief.pandoc_input import for_pandoc
from ntsbrief.style import resolve_style
from ntsbrief.syntax import parse_cluster, read_cluster

NOCITE = "---\nnocite: |\n  @*\n---\n\n"


def read_by_pandoc(sources, nocite=True):
    """What pandoc's Markdown reader makes of each cluster: the citations of its Cite."""
    batch = (NOCITE if nocite else "") + pandoc_ast.markdown_batch(sources, list(range(len(sources))))
    divs = pandoc_ast.read_divs(_run([pandoc_path(), "--from=markdown", "--to=json"], batch)[0])
    return [divs[n] for n in range(len(sources))]


def built_citations(sources, nocite=True):
    return [None if inline is None else inline["c"][0] for inline in pandoc_ast.build(sources, nocite)]


FORMS = [
    "[@{a}]", "[@{a}, 12]", "[@{a}, 12, 19]", "[@{a}, 479–83]", "[@{a}, 115–6]", "[@{a} 12]", "[@{a},12]",
    "[see @{a}, 12; also @{b}]", "[see also @{a}; cf. @{b}, chap. 3]", "[-@{a}]", "[-@{a}, 326]",
    "@{a}", "@{a} [12]", "@{a} [pp. 3–5]", "[@{a}, (12) and 13–14]", "[@{a}, e.g. 12]",
    "[@{a}, see p.]", "[@{a}, p. 33; @{b}, p. 34; @{c}]", "[@{a}, para. 3]", "[@{a}, 12-15]",
    "[@{a}, *passim*]", "[@{a}, it's “x”]", "[@{a}, 12--15]", "[@{a}, ibid...]", "[@{a}, 12 _n_]",
    "[@{weird:key.1}, 3]", "[*see* @{a}]", "[@{a}, p. p. 3]", "[@{a}, 12\u00a013]",
    "-@{a}", "-@{a} [12]", "@{a} [see @{b}]", "@{a} [12; @{b}, 3]", "@{a} [-@{b} p. 30; see also @{c}]",
    "[e.g.,@{a}]", "[@{a}, \\@b; @{c}]",
] + [f"[@{{a}}, {abbreviation} 3]" for abbreviation in sorted(pandoc_ast.ABBREVIATIONS)]


def test_built_clusters_are_what_pandocs_reader_makes_of_them():
    built = built_citations(FORMS)
    read = read_by_pandoc(FORMS)
    assert sum(b is not None for b in built) >= 30  # the common forms are built, not read
    for source, mine, blocks in zip(FORMS, built, read, strict=True):
        if mine is not None:
            assert blocks[0]["t"] == "Para" and blocks[0]["c"][0]["t"] == "Cite", source
            assert mine == blocks[0]["c"][0]["c"][0], source


@pytest.mark.parametrize("source", ["[@{a}, *passim*]", "[@{a}, it's “x”]", "[@{a}, 12--15]", "[*see* @{a}]",
                                    "[@{a}, ibid...]", "[@{a}, 12 _n_]", "[@{a}, para. 3]", "[@{a}, p. p. 3]"])
def test_markdown_in_affixes_goes_to_pandocs_reader(source):
    assert pandoc_ast.build([source], True) == [None]


def test_every_abbreviation_is_one_pandoc_joins():
    for abbreviation in pandoc_ast.ABBREVIATIONS:
        suffix = read_by_pandoc([f"[@{{a}}, {abbreviation} 3]"])[0][0]["c"][0]["c"][0][0]["citationSuffix"]
        assert suffix[-1] == {"t": "Str", "c": f"{abbreviation}\u00a03"}, abbreviation


_word = st.one_of(
    st.sampled_from(["see", "also", "cf.", "p.", "pp.", "chap.", "12,", "479–83", "(12)", "and", "e.g.", "n.",
                     "No.", "para.", "12-15", "it's", "*x*", "_y_", "—", "–", "12:", "…", "..."]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="[]{}@;\n\r\\`<>^"), min_size=1, max_size=6),
)
_affix = st.lists(_word, max_size=4).map(" ".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_affix, st.booleans(), _affix), min_size=1, max_size=3), st.booleans())
def test_generated_clusters_agree_with_pandocs_reader(items, intext):
    body = "; ".join(f"{prefix} {'-' if dash else ''}@k{n}, {suffix}" for n, (prefix, dash, suffix) in enumerate(items))
    cluster = parse_cluster(body)
    if intext:
        found = read_cluster("@{k0} [" + items[0][2].replace("]", "") + "]")
        cluster = found.cluster if found is not None else None
    if cluster is None:
        return
    source = cluster.pandoc_text
    mine = built_citations([source])[0]
    if mine is not None:
        read = read_by_pandoc([source])[0]
        assert read[0]["c"][0]["c"][0] == mine, source


BIB = r"""
@article{a, author = {Chuang, Janie}, title = {Global Sheriff}, journal = {J}, year = {2006}}
@book{b, author = {Salt, John and Stein, Jeremy}, title = {Migration}, publisher = {P}, year = {1997}}
@misc{c, author = {Chac{\'o}n, Jennifer}, title = {Myopia}, year = {2006}}
"""


def test_formatted_output_is_the_same_by_either_route(tmp_path):
    """The whole run: the AST route against pandoc reading the Markdown batch."""
    store = Bibliography()
    store.add_text(BIB, "refs.bib")
    style = resolve_style("ntsbrief", tmp_path)
    sources = [form.replace("{weird:key.1}", "{a}") for form in FORMS]
    formatter = Formatter()
    via_ast = formatter.format(style, for_pandoc(store, ["a", "b", "c"]).text, sources)
    references = tmp_path / "cited.json"
    references.write_text(json.dumps(formatter.csl_items(for_pandoc(store, ["a", "b", "c"]).text)), encoding="utf-8")
    unique = list(dict.fromkeys(sources))
    markdown = NOCITE + pandoc_ast.markdown_batch(unique, list(range(len(unique)))) + "\n::: {#refs}\n:::\n"
    output = _run([pandoc_path(), "--from=markdown", "--to=html5", "--wrap=none", "--citeproc",
                   f"--csl={style.path}", f"--bibliography={references}", "--metadata=link-citations:true",
                   "--metadata=link-bibliography:true"], markdown)[0]
    via_markdown = parse_pandoc_html(output, unique)
    assert via_ast.clusters == via_markdown.clusters
    assert via_ast.entries == via_markdown.entries
    assert len(via_ast.clusters) == len(unique)
