"""The BibTeX store: entries with lines, located errors, the subset pandoc reads."""


from ntsbrief.bibliography import Bibliography
from ntsbrief.pandoc_input import PandocInput, for_pandoc

BIB = """\
@string{mjil = {Michigan Journal of International Law}}

@article{chuang2006,
  author = {Chuang, Janie},
  journal = mjil,
  year = 2006
}

@article{chuang2006,
  title = {A duplicate}
}

@book{broken,
  title = {never closed,

@incollection{chapter, author = {A, B}, title = {C}, crossref = {book2001}, year = 2001}
@book{book2001, editor = {Ed, Itor}, title = {The Book}, year = 2001}
@misc{unused, title = {not cited}}
"""


def load(tmp_path, text=BIB, name="refs.bib"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return Bibliography.load([path], display_root=tmp_path)


def test_entries_keep_their_lines_and_fields(tmp_path):
    store = load(tmp_path)
    entry = store.entries["chuang2006"]
    assert (entry.path, entry.line, entry.entry_type) == ("refs.bib", 3, "article")
    assert entry.field("author") == "Chuang, Janie"


def test_errors_are_located(tmp_path):
    messages = [str(d) for d in load(tmp_path).diagnostics]
    assert messages[0] == "refs.bib:9: duplicate BibTeX key 'chuang2006' (first defined at refs.bib:3)"
    assert messages[1].startswith("refs.bib:13: cannot parse this BibTeX block:")
    assert store_keys(tmp_path) == ["chuang2006", "chapter", "book2001", "unused"]


def store_keys(tmp_path):
    return list(load(tmp_path).entries)


def test_duplicates_across_files(tmp_path):
    (tmp_path / "a.bib").write_text("@misc{x, title={A}}\n", encoding="utf-8")
    (tmp_path / "b.bib").write_text("\n@misc{x, title={B}}\n", encoding="utf-8")
    store = Bibliography.load([tmp_path / "a.bib", tmp_path / "b.bib"], display_root=tmp_path)
    assert [str(d) for d in store.diagnostics] == ["b.bib:2: duplicate BibTeX key 'x' (first defined at a.bib:1)"]
    assert store.entries["x"].field("title") == "A"


def test_missing_file_is_a_diagnostic(tmp_path):
    store = Bibliography.load([tmp_path / "nope.bib"], display_root=tmp_path)
    assert [str(d) for d in store.diagnostics] == ["nope.bib: bibliography file not found"]


def test_subset_has_macros_and_crossref_parents_only(tmp_path):
    subset = for_pandoc(load(tmp_path), ["chapter", "chuang2006"]).text
    assert "@string{mjil" in subset
    assert "@book{book2001" in subset and "@incollection{chapter" in subset
    assert "unused" not in subset


def test_suggest_close_keys(tmp_path):
    store = load(tmp_path)
    assert store.suggest("chuang206") == "chuang2006"
    assert store.suggest("CHUANG2006") == "chuang2006"
    assert store.suggest("zzz") is None


def test_parsed_blocks_are_kept_on_disk_and_read_back_alike(tmp_path, monkeypatch):
    import bibtexparser

    from ntsbrief.cache import DiskCache

    path = tmp_path / "refs.bib"
    path.write_text(BIB + "@misc{dup, title = {A}, title = {B}}\n", encoding="utf-8")
    cache = DiskCache(tmp_path / "cache")
    first = Bibliography.load([path], tmp_path, cache=cache)
    [stored] = [p for p in cache.folder.iterdir() if not p.name.startswith(".")]

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed again")

    original = bibtexparser.parse_string
    monkeypatch.setattr(bibtexparser, "parse_string", no_parsing)
    second = Bibliography.load([path], tmp_path, cache=cache)
    assert second.entries == first.entries and second.macros == first.macros
    assert [str(d) for d in second.diagnostics] == [str(d) for d in first.diagnostics]
    assert len(list(first.diagnostics)) >= 3  # duplicate key, unparsable block, repeated field

    stored.write_bytes(stored.read_bytes()[:-20])  # cut short, as by a crash: parsed again, not misread
    monkeypatch.setattr(bibtexparser, "parse_string", original)
    third = Bibliography.load([path], tmp_path, cache=cache)
    assert third.entries == first.entries and stored.stat().st_size > 0


def test_an_unchanged_store_is_not_read_again(tmp_path):
    """A live preview rebuilds after every page edit: the store it read last is
    kept while its files say the same, and read anew once one changes."""
    (tmp_path / "a.bib").write_text("@misc{x, title={A}}\n", encoding="utf-8")
    (tmp_path / "b.bib").write_text("@misc{y, title={B}}\n", encoding="utf-8")
    paths = [tmp_path / "a.bib", tmp_path / "b.bib"]
    first = Bibliography.load(paths, display_root=tmp_path)
    assert Bibliography.load(paths, display_root=tmp_path, previous=first) is first
    assert Bibliography.load(paths[::-1], display_root=tmp_path, previous=first) is not first  # another order
    (tmp_path / "b.bib").write_text("@misc{y, title={C}}\n", encoding="utf-8")
    changed = Bibliography.load(paths, display_root=tmp_path, previous=first)
    assert changed is not first and changed.entries["y"].field("title") == "C"
    assert changed.digest == Bibliography.load(paths, display_root=tmp_path).digest != first.digest
    (tmp_path / "b.bib").unlink()
    gone = Bibliography.load(paths, display_root=tmp_path, previous=changed)
    assert list(gone.entries) == ["x"] and [str(d) for d in gone.diagnostics] == ["b.bib: bibliography file not found"]


def test_entries_for_pandoc_follow_the_store():
    store = Bibliography()
    store.add_text("@incollection{ch, title = {C}, crossref = {bk}}\n", "a.bib")
    given = PandocInput(store)
    assert given.bibtex(["ch"]) is given.bibtex(["ch"])  # remembered
    assert [name for name, _, _ in given.bibtex(["ch"]).entries] == ["ch"]
    store.add_text("@book{bk, title = {B}}\n", "b.bib")  # the parent arrives: asked again, it is there
    assert [name for name, _, _ in for_pandoc(store, ["ch"]).entries] == ["ch", "bk"]
