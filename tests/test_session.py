"""The live session on its own: what it keeps across builds and when it lets go."""

from ntsbrief import render
from ntsbrief.records import PageRecord
from ntsbrief.session import ConvertedPage, LiveSession, PageOutput, TextMemo, patched


def converted(key="a.md"):
    return ConvertedPage(PageRecord(key, f"docs/{key}", "text", 0, None, render.Marks()), "<p>x</p>", {"t": 1})


def test_pages_are_given_back_while_the_inputs_stay_the_same(tmp_path):
    session = LiveSession(None)
    session.begin([b"mkdocs.yml v1"])
    session.keep("a.md", converted())
    session.begin([b"mkdocs.yml v1"])
    assert session.converted("a.md") is not None
    session.begin([b"mkdocs.yml v2"])  # the configuration or the register changed
    assert session.converted("a.md") is None


def test_pages_no_longer_in_the_site_are_forgotten():
    session = LiveSession(None)
    session.begin([b""])
    session.keep("a.md", converted("a.md"))
    session.keep("b.md", converted("b.md"))
    session.search_entries["b.md"] = [{"location": "b/"}]
    session.keep_only({"a.md"})
    assert session.converted("a.md") is not None and session.converted("b.md") is None
    assert "b.md" not in session.search_entries


def test_written_gives_what_the_page_last_showed_until_the_navigation_changes():
    session = LiveSession(None)
    first, second = PageOutput("<p>1</p>", "", "", ()), PageOutput("<p>2</p>", "", "", ())
    assert session.navigation("nav 1")
    assert session.written("a.md", first) is None
    assert not session.navigation("nav 1")
    assert session.written("a.md", second) == first
    assert session.navigation("nav 2")  # every page shows the navigation: nothing is known to be written
    assert session.written("a.md", second) is None


def test_the_marks_and_formatter_live_as_long_as_the_session():
    session = LiveSession(None)
    marks, formatter = session.marks, session.formatter
    session.begin([b"changed"])
    assert session.marks is marks and session.formatter is formatter


BUILT = ('<html><head><title>T</title>\n<meta name="x">\n</head><body><article><p>Old (1)</p></article>\n'
         '<script id="p">{"note-1": 1}</script>\n</body></html>')


def test_a_page_is_patched_where_the_brief_decides_it_and_nowhere_else():
    before = PageOutput("<p>Old (1)</p>", '<script id="p">{"note-1": 1}</script>', '<meta name="x">', ("T",))
    after = PageOutput("<p>Old (2)</p>", '<script id="p">{"note-2": 2}</script>', '<meta name="x">', ("T",))
    assert patched(BUILT, before, after) == BUILT.replace("(1)", "(2)").replace('"note-1": 1', '"note-2": 2')


def test_a_page_is_not_patched_when_that_would_be_a_guess():
    before = PageOutput("<p>Old (1)</p>", "", "", ("T",))
    # the table of contents changed: the theme shows it, the page is built again
    assert patched(BUILT, before, PageOutput("<p>New</p>", "", "", ("U",))) is None
    # a part newly added has no place to go
    assert patched(BUILT, before, PageOutput("<p>Old (1)</p>", "<script>x</script>", "", ("T",))) is None
    # the old text is not in the file exactly once (another plugin changed it)
    assert patched(BUILT.replace("Old (1)", "OLD (1)"), before, PageOutput("<p>New</p>", "", "", ("T",))) is None
    assert patched(BUILT + "<p>Old (1)</p>", before, PageOutput("<p>New</p>", "", "", ("T",))) is None


def test_a_text_memo_makes_again_only_what_changed_and_forgets_what_a_build_did_not_use():
    memo, made = TextMemo(), []

    def make(text):
        return lambda: made.append(text) or text.upper()

    assert memo.get("a.md", "one", make("one")) == "ONE"
    memo.forget_unused()
    assert memo.get("a.md", "one", make("one")) == "ONE"  # kept
    assert memo.get("a.md", "two", make("two")) == "TWO"  # the page changed
    assert made == ["one", "two"]
    memo.forget_unused()
    memo.forget_unused()  # a build that used nothing
    assert memo.get("a.md", "two", make("two")) == "TWO" and made == ["one", "two", "two"]
