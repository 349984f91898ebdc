"""One work under two keys: detection (``sameworks``) and its report in a strict build."""

from ntsbrief import sameworks
from ntsbrief.bibliography import Bibliography, Entry
from ntsbrief.sameworks import SameWork, first_family_name, normal_doi, normal_text, same_works


def store(text: str) -> Bibliography:
    bibliography = Bibliography()
    bibliography.add_text(text, "refs.bib")
    return bibliography


def entries_of(items):
    """Entries made directly (parsing 20,000 would only slow the test down)."""
    return [Entry(key, "article", fields, raw="", path="refs.bib", line=n) for n, (key, fields) in enumerate(items, 1)]


def groups(text: str, keys=None) -> list[SameWork]:
    return same_works(store(text).entries, keys)


def test_same_doi_written_in_different_forms():
    found = groups("""
        @article{tan_debt_2019, author = {Tan, Wei}, title = {Debt and Bondage}, year = {2019},
                 doi = {https://doi.org/10.1000/ABC.12}}
        @article{tan2019debt, author = {Wei Tan}, title = {Debt, bondage and migration}, year = {2019},
                 doi = {doi:10.1000/abc.12}}
        @article{other, author = {Tan, Wei}, title = {Debt and Bondage}, year = {2019}, doi = {10.1000/abc.13}}
        @misc{notadoi1, title = {A}, doi = {n/a}}
        @misc{notadoi2, title = {B}, doi = {n/a}}
        """)
    assert found[0] == SameWork(("tan_debt_2019", "tan2019debt"), "same DOI 10.1000/abc.12")
    # 'other' has another DOI: the same title, year and author make it a copy of the first all the same.
    assert found[1:] == [SameWork(("tan_debt_2019", "other"), "same title, year and first author")]


def test_doi_forms_normalised():
    assert {normal_doi(v) for v in ("10.1/X_y", "DOI: 10.1/x_y", "http://dx.doi.org/10.1/x%5Fy",
                                    "{10.1/x\\_y}", " https://doi.org/10.1/X_Y ")} == {"10.1/x_y"}
    assert normal_doi("n/a") == normal_doi("") == normal_doi("https://example.org/10.1/x") == ""


def test_same_title_differing_only_in_case_braces_and_accents():
    found = groups(r"""
        @article{zotero, author = {M{\"u}ller, J{\"o}rg}, title = {{\'E}tude sur la {D}ette: {Malaysia}},
                 journal = {J}, year = {2019}}
        @article{scholar, author = {Jörg Müller and Tan, Wei}, title = {Étude sur la dette -- Malaysia},
                 journal = {J}, date = {2019-03-01}}
        """)
    assert found == [SameWork(("zotero", "scholar"), "same title, year and first author")]
    assert normal_text(r"Stra\ss e {\O}resund \emph{Debt} \& co") == normal_text("Straße Øresund Debt & Co")
    assert first_family_name("van der Berg, Jan and Lee, K.") == first_family_name("Jan van der Berg") == "berg"
    assert first_family_name("{United Nations Office} and Tan, W.") == "unitednationsoffice"


def test_different_years_or_first_authors_are_different_works():
    assert groups("""
        @report{a2010, author = {UNODC}, title = {Global Report on Trafficking in Persons}, year = {2010},
                institution = {UN}}
        @report{a2012, author = {UNODC}, title = {Global Report on Trafficking in Persons}, year = {2012},
                institution = {UN}}
        @article{b, author = {Lee, K. and Tan, W.}, title = {Debt}, year = {2019}, journal = {J}}
        @article{c, author = {Tan, W. and Lee, K.}, title = {Debt}, year = {2019}, journal = {J}}
        """) == []


def test_a_book_and_its_chapters_are_different_works():
    assert groups("""
        @book{book, editor = {Piper, Nicola}, title = {Migration}, publisher = {IOM}, year = {2005},
              doi = {10.1/book}}
        @incollection{intro, author = {Piper, Nicola}, title = {Migration}, crossref = {book}, doi = {10.1/book}}
        @incollection{ch2, author = {Tan, Wei}, title = {Debt}, booktitle = {Migration}, year = {2005},
                      doi = {10.1/book}}
        @incollection{ch3, author = {Tan, Wei}, title = {Bondage}, crossref = {book}, year = {2005},
                      doi = {10.1/book}}
        @incollection{other, author = {Tan, Wei}, title = {Debt}, booktitle = {Labour}, year = {2005}}
        """) == []


def test_the_same_chapter_twice_is_one_work():
    found = groups("""
        @book{book, editor = {Piper, Nicola}, title = {Migration}, publisher = {IOM}, year = {2005}}
        @incollection{viacrossref, author = {Tan, Wei}, title = {Debt}, crossref = {book}, year = {2005}}
        @inbook{inline, author = {Tan, Wei}, title = {Debt}, booktitle = {{M}igration}, year = {2005}}
        """)
    assert found == [SameWork(("viacrossref", "inline"), "same title, year and first author")]


def test_three_copies_are_one_group():
    found = groups("""
        @article{a, author = {Tan, W.}, title = {Debt}, journal = {J}, year = {2019}, doi = {10.1/x}}
        @article{b, author = {Tan, W.}, title = {Debt}, journal = {J}, year = {2019}, doi = {10.1/X}}
        @article{c, author = {Tan, Wei}, title = {DEBT}, journal = {J}, year = {2019}, doi = {doi:10.1/x}}
        """)
    assert found == [SameWork(("a", "b", "c"), "same DOI 10.1/x")]  # the same title adds nothing


def test_only_the_keys_asked_about():
    text = """
        @article{a, author = {Tan, W.}, title = {Debt}, journal = {J}, year = {2019}, doi = {10.1/x}}
        @article{b, author = {Tan, W.}, title = {Debt}, journal = {J}, year = {2019}, doi = {10.1/x}}
        @article{c, author = {Tan, W.}, title = {Debt}, journal = {J}, year = {2019}, doi = {10.1/x}}
        """
    assert groups(text, ["a"]) == []
    assert groups(text, ["c", "a"]) == [SameWork(("a", "c"), "same DOI 10.1/x")]


def test_a_large_store_is_indexed_not_compared_in_pairs(monkeypatch):
    # 20,000 entries (a tenth of them copies): each text is normalised a fixed number of
    # times, however large the store; comparing pairs would call no normaliser but take
    # quadratic time, so the call count and the one-pass index are what this pins down.
    calls = {"text": 0, "doi": 0}
    real_text, real_doi = sameworks.normal_text, sameworks.normal_doi

    def counted_text(value):
        calls["text"] += 1
        return real_text(value)

    def counted_doi(value):
        calls["doi"] += 1
        return real_doi(value)

    monkeypatch.setattr(sameworks, "normal_text", counted_text)
    monkeypatch.setattr(sameworks, "normal_doi", counted_doi)
    lines = []
    for n in range(20_000):
        work = n - 1 if n % 10 == 1 else n  # every tenth entry copies the one before it
        lines.append((f"k{n}", {"author": f"Author{work}, A.", "title": f"Title {work}", "journal": "J",
                                "year": str(2000 + work % 20)}))
    entries = {entry.key: entry for entry in entries_of(lines)}
    found = same_works(entries)
    assert len(found) == 2_000 and found[0] == SameWork(("k0", "k1"), "same title, year and first author")
    assert calls["doi"] == 20_000
    assert calls["text"] <= 2 * 20_000  # title, and the first author's name


# ----------------------------------------------------------- a real build

BIB = """\
@article{tan_debt_2019,
  author = {Tan, Wei},
  title = {Debt Bondage in {Malaysia}},
  journal = {Journal of Migration},
  year = {2019},
  doi = {10.1000/jm.2019.12}
}

@article{chuang2006, author = {Chuang, Janie}, title = {Global Sheriff}, journal = {MJIL}, year = {2006}}

@article{tan2019debt,
  author = {Wei Tan},
  title = {Debt bondage in Malaysia},
  journal = {J. Migr.},
  year = {2019},
  doi = {https://doi.org/10.1000/JM.2019.12}
}
"""


def test_a_strict_build_fails_when_both_copies_are_cited(site):
    plugin = {"bibliography": "refs.bib"}
    both = {"index.md": "# Home\n\nFirst [@tan_debt_2019, 4] and [@chuang2006].\n\nThen @tan2019debt [5].\n"}
    built = site(both, strict=True, plugin=plugin, extra_files={"refs.bib": BIB})
    assert built.returncode != 0
    assert built.warnings == ["refs.bib:11: 'tan2019debt' is the same work as 'tan_debt_2019' (line 1): "
                              "same DOI 10.1000/jm.2019.12; cite one key and delete the other"]
    one = {"index.md": "# Home\n\nFirst [@tan_debt_2019, 4] and [@chuang2006].\n"}
    built = site(one, strict=True, plugin=plugin, extra_files={"refs.bib": BIB})
    assert built.returncode == 0 and built.warnings == []  # the build reports only what the brief cites
