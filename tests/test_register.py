"""The interview register: validation with lines, and the generated note text."""

import datetime as dt

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ntsbrief.register import Interview, Register, Wording, format_dates, interview_note

REGISTER = """\
# interviews for the brief
interviews:
  hr-expert:
    interviewee: expert on Malaysian national human rights issues
    date: 2011-06-14
    place: Kuala Lumpur
  ngo:
    interviewee: NGO practitioners
    dates: [2011-06-13, 2011-06-14]
    place: Kuala Lumpur
    private:
      names: [Ms Confidential]
      organisation: Secret Org
  legal:
    interviewee: legal specialist
    date: 2011-06-14
    place: Kuala Lumpur
  official:
    interviewee: government official with work experience at shelters for trafficked victims
    dates: [2011-06-15, 2011-06-16]
    place: Kuala Lumpur
    article: a
wordings:
  note-14:
    interviews: [legal]
    wording: Personal interviews with legal specialist, Kuala Lumpur, 14 June 2011.
    private:
      why: Ms Confidential said so
  note-20:
    interviews: [ngo, official]
    wording: >-
      Personal interviews with (1) NGO practitioners; and (2) government official with work experience
      at shelters for trafficked victims, Kuala Lumpur, 13–14, and 15–16 June 2011 respectively.
"""
OFFICIAL = "government official with work experience at shelters for trafficked victims"


@pytest.fixture
def register():
    result = Register(path="citations/interviews.yaml")
    result.add_text(REGISTER)
    assert not list(result.diagnostics)
    return result


def test_private_fields_never_enter_the_model(register):
    assert "Confidential" not in repr(register.interviews) and "Secret" not in repr(register.interviews)


def test_articles_and_wordings_enter_the_model(register):
    assert register.interviews["official"].article == "a" and register.interviews["legal"].article is None
    assert register.interviews["note-20"] == Wording(
        "note-20", f"Personal interviews with (1) NGO practitioners; and (2) {OFFICIAL}, Kuala Lumpur, 13–14, and "
                   "15–16 June 2011 respectively.", ("ngo", "official"), 29)


@pytest.mark.parametrize("ids, text", [
    (["hr-expert"], "Personal interview with expert on Malaysian national human rights issues, Kuala Lumpur, "
     "14 June 2011."),
    (["ngo"], "Personal interviews with NGO practitioners, Kuala Lumpur, 13 and 14 June 2011."),
    (["ngo", "legal"], "Personal interviews with (1) NGO practitioners; and (2) legal specialist, Kuala Lumpur, "
                       "13 and 14 June 2011."),
    (["ngo", "official"], "Personal interviews with (1) NGO practitioners; and (2) government official with work "
                          "experience at shelters for trafficked victims, Kuala Lumpur, 13–14, and 15–16 June 2011, "
                          "respectively."),
    # an article only before a lone interviewee, as the Alert prints it
    (["official"], f"Personal interviews with a {OFFICIAL}, Kuala Lumpur, 15 and 16 June 2011."),
    # a wording cited alone is the note's text as printed ...
    (["note-14"], "Personal interviews with legal specialist, Kuala Lumpur, 14 June 2011."),
    (["note-20"], f"Personal interviews with (1) NGO practitioners; and (2) {OFFICIAL}, Kuala Lumpur, 13–14, and "
                  "15–16 June 2011 respectively."),
    # ... and cited with others it stands for its interviews
    (["note-20", "legal"], f"Personal interviews with (1) NGO practitioners; (2) {OFFICIAL}; and (3) legal specialist, "
                           "Kuala Lumpur, 13–16 June 2011."),
    (["legal", "ngo", "hr-expert"], "Personal interviews with (1) legal specialist; (2) NGO practitioners; and "
                                    "(3) expert on Malaysian national human rights issues, Kuala Lumpur, "
                                    "13 and 14 June 2011."),
])
def test_note_text(register, ids, text):
    assert register.note_text(ids) == text


def test_places_that_differ_go_with_each_party():
    a = Interview("a", "NGO practitioner", (dt.date(2011, 6, 13),), "Kuala Lumpur", 1)
    b = Interview("b", "legal specialist", (dt.date(2011, 6, 13),), "Penang", 2)
    assert interview_note([a, b]) == ("Personal interviews with (1) NGO practitioner, Kuala Lumpur; and "
                                      "(2) legal specialist, Penang, 13 June 2011.")


@pytest.mark.parametrize("days, text", [
    ([(6, 13)], "13 June 2011"),
    ([(6, 13), (6, 14)], "13 and 14 June 2011"),
    ([(6, 13), (6, 14), (6, 15)], "13–15 June 2011"),
    ([(6, 13), (6, 15)], "13 and 15 June 2011"),
    ([(6, 13), (6, 14), (6, 16)], "13–14 and 16 June 2011"),
    ([(6, 30), (7, 1)], "30 June and 1 July 2011"),
])
def test_format_dates(days, text):
    assert format_dates([dt.date(2011, m, d) for m, d in days]) == text


@pytest.mark.parametrize("yaml_text, line, message", [
    ("interviews:\n  a:\n    interviewee: x\n    date: 2011-06-13\n    name: Someone\n", 5, "unknown field 'name'"),
    ("interviews:\n  a:\n    date: 2011-06-13\n", 2, "'interviewee' is required"),
    ("interviews:\n  a:\n    interviewee: x\n    date: 13 June\n", 4, "dates are written YYYY-MM-DD"),
    ("interviews:\n  a:\n    interviewee: x\n", 2, "exactly one of 'date' or 'dates'"),
    ("interviews:\n  a: [1, 2]\n", 2, "an entry is a mapping"),
    ("people: []\n", 1, "top-level 'interviews:'"),
    ("interviews:\n  a: {interviewee: x, date: 2011-06-13\n", 3, "invalid YAML"),
    ("interviews:\n  a:\n    interviewee: x\n    date: 2011-06-13\n    article: A government\n", 5,
     "interview 'a': 'article' is one of 'a', 'an', 'the'"),
] + [(f"interviews:\n  a:\n    interviewee: NGO practitioner\n    date: 2011-06-13\nwordings:\n{text}", line, message)
     for text, line, message in [
    ("  w:\n    interviews: [a]\n    wording: Personal interview with NGO practitioner, 13 June 2011.\n"
     "    name: Someone\n", 9, "wording 'w': unknown field 'name'"),
    ("  w:\n    interviews: [a]\n", 6, "wording 'w': 'wording' is required"),
    ("  w:\n    wording: Personal interview with NGO practitioner, 13 June 2011.\n", 6,
     "wording 'w': 'interviews' is required"),
    ("  w:\n    interviews:\n      - a\n      - b\n"
     "    wording: Personal interview with NGO practitioner, 13 June 2011.\n",
     9, "wording 'w': unknown interview 'b' in 'interviews'"),
    ("  w:\n    interviews: [w]\n    wording: Personal interview with NGO practitioner, 13 June 2011.\n", 7,
     "wording 'w': unknown interview 'w'"),
    ("  w:\n    interviews: [a]\n    wording: Personal interview with NGO practitioners, 13 June 2011.\n", 8,
     "wording 'w': the wording does not give the interviewee 'NGO practitioner' of interview 'a'"),
    ("  w:\n    interviews: [a]\n    wording: Personal interview with NGO practitioner, 14 June 2011.\n", 8,
     "wording 'w': the wording does not give the date 13 June 2011 of interview 'a'"),
    ("  w:\n    interviews: [a]\n    wording: Personal interview with (13) NGO practitioner, June 2011.\n", 8,
     "wording 'w': the wording does not give the date 13 June 2011 of interview 'a'"),
    ("  a:\n    interviews: [a]\n    wording: Personal interview with NGO practitioner, 13 June 2011.\n", 6,
     "wording 'a': duplicate id (first at line 2)"),
    ("  - a\n", 6, "'wordings:' must map wording ids to wordings"),
]])
def test_bad_register_entries_are_located(yaml_text, line, message):
    register = Register(path="interviews.yaml")
    register.add_text(yaml_text)
    [diagnostic] = list(register.diagnostics)
    assert (diagnostic.path, diagnostic.line) == ("interviews.yaml", line)
    assert message in diagnostic.message


def test_a_wording_of_an_invalid_interview_points_to_it():
    register = Register(path="interviews.yaml")
    register.add_text("interviews:\n  a:\n    interviewee: x\n    date: 13 June\n"
                      "wordings:\n  w:\n    interviews: [a]\n    wording: x, 13 June 2011.\n")
    assert [(d.line, d.message) for d in register.diagnostics] == [
        (4, "interview 'a': dates are written YYYY-MM-DD, e.g. 2011-06-13 (not '13 June')"),
        (7, "wording 'w': interview 'a' in 'interviews' is not valid (see its own message)")]
    assert register.invalid == {"a", "w"}


def test_a_broken_edit_keeps_the_last_valid_entries(register):
    half_typed = REGISTER.replace("date: 2011-06-14\n    place: Kuala Lumpur\n  ngo:",
                                  "date: 2011-06-1\n    place: Kuala Lumpur\n  ngo:", 1)
    edited = Register(path="citations/interviews.yaml")
    edited.add_text(half_typed)
    assert "hr-expert" not in edited.interviews
    edited.keep_invalid_from(register)
    assert edited.interviews["hr-expert"] == register.interviews["hr-expert"]
    broken = Register(path="citations/interviews.yaml")
    broken.add_text(REGISTER + "  oops: [\n")
    broken.keep_invalid_from(register)
    assert broken.interviews == register.interviews
    assert "showing the last good version" in str(list(broken.diagnostics)[-1])


# ------------------------------------------------ nothing under private: is published


STR, MAP, SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


@pytest.mark.parametrize("yaml_text, line, message", [
    ("interviews:\n  a:\n    private: {name: &who Ms Secret}\n    interviewee: *who\n    date: 2011-06-13\n", 4,
     "interview 'a': field 'interviewee' takes a value from under 'private:' (a YAML alias of the value anchored at "
     "line 3), which would publish it: write the published text out"),
    ("interviews:\n  a:\n    private: &p {interviewee: Ms Secret}\n    <<: *p\n    date: 2011-06-13\n", 4,
     "interview 'a': field '<<' takes a value from under 'private:'"),
    ("interviews:\n  a:\n    private:\n      where: &w Secret Shelter\n    interviewee: x\n    place: *w\n"
     "    date: 2011-06-13\n", 6, "interview 'a': field 'place' takes a value from under 'private:'"),
    ("interviews:\n  a:\n    private: {when: &d 2011-06-13}\n    interviewee: x\n    dates: [2011-06-12, *d]\n", 5,
     "interview 'a': field 'dates' takes a value from under 'private:'"),
    ("interviews:\n  a:\n    private: {n: &n Ms Secret}\n    interviewee: x\n    date: 2011-06-13\n"
     "  *n : {interviewee: y, date: 2011-06-13}\n", 6, "this interview's id takes a value from under 'private:'"),
    ("interviews:\n  a:\n    private: {e: &e {interviewee: Ms Secret, date: 2011-06-13}}\n    interviewee: x\n"
     "    date: 2011-06-13\n  b: *e\n", 6, "this interview's entry takes a value from under 'private:'"),
    ("interviews:\n  a:\n    private: {k: &k interviewee}\n    *k : Ms Secret\n    date: 2011-06-13\n", 3,
     "interview 'a': field at this line takes a value from under 'private:'"),
    ("private: {w: &w Ms Secret said so 13 June 2011}\ninterviews:\n  a: {interviewee: x, date: 2011-06-13}\n"
     "wordings:\n  w:\n    interviews: [a]\n    wording: *w\n", 7,
     "wording 'w': field 'wording' takes a value from under 'private:'"),
    ("interviews:\n  a:\n    interviewee: x\n    date: 2011-06-13\n    private: {id: &i a}\n"
     "wordings:\n  w: {interviews: [*i], wording: 'x, 13 June 2011.'}\n", 7,
     "wording 'w': field 'interviews' takes a value from under 'private:'"),
])
def test_an_alias_into_private_is_refused_where_it_is_used(yaml_text, line, message):
    register = Register(path="interviews.yaml")
    register.add_text(yaml_text)
    assert [(d.line, d.message[: len(message)]) for d in register.diagnostics] == [(line, message)]
    assert "Secret" not in repr(register.interviews) and "Secret" not in str(list(register.diagnostics))


def test_published_values_may_be_shared_and_copied_into_private():
    register = Register(path="interviews.yaml")
    register.add_text("interviews:\n  a:\n    interviewee: &who NGO practitioners\n    place: &kl Kuala Lumpur\n"
                      "    date: &d 2011-06-13\n    private: {about: *who, seen: [*d, *kl]}\n"
                      "  b: {interviewee: *who, place: *kl, date: *d}\n")
    assert list(register.diagnostics) == []
    assert register.note_text(["a", "b"]) == ("Personal interviews with (1) NGO practitioners; and (2) NGO "
                                              "practitioners, Kuala Lumpur, 13 June 2011.")


def _scalar(value: str) -> yaml.ScalarNode:
    return yaml.ScalarNode(STR, value)


@st.composite
def registers(draw):
    """A register's YAML with random sharing of nodes (the serializer writes a node
    used twice as an anchor where it first appears, and aliases after), and whether
    a published place uses a node first written under ``private:``."""
    secrets = [_scalar(f"SECRET{n}x") for n in range(4)]
    private_lists = [yaml.SequenceNode(SEQ, [secrets[n], secrets[n + 1]]) for n in (0, 2)]
    published = {"interviewee": [_scalar("NGO practitioners"), _scalar("legal specialist")],
                 "place": [_scalar("Kuala Lumpur")], "article": [_scalar("a")],
                 "date": [_scalar("2011-06-13"), _scalar("2011-06-14")]}
    written_private: list[yaml.Node] = []  # written under private: so far, in document order
    written_public: list[yaml.Node] = []
    leaks = False
    entries = []
    for number in range(draw(st.integers(1, 3))):
        ident = _scalar(f"e{number}")
        if written_private and draw(st.integers(0, 9)) == 0:  # an id from private
            ident, leaks = draw(st.sampled_from(written_private)), True
        pairs = []
        private_values = [(_scalar("names"), private_lists[number % 2]), (_scalar("contact"), secrets[number])]
        if written_public and draw(st.booleans()):  # a published value copied into private: fine
            private_values.append((_scalar("about"), draw(st.sampled_from(written_public))))
        private = yaml.MappingNode(MAP, private_values)
        private_first = draw(st.booleans())
        if private_first:
            pairs.append((_scalar("private"), private))
            written_private += [private, private_lists[number % 2], *private_lists[number % 2].value, secrets[number]]
        for name in draw(st.permutations(["interviewee", "place", "article", "date"]))[: draw(st.integers(1, 4))]:
            key = _scalar(name)
            if written_private and draw(st.integers(0, 9)) == 0:  # a field's name from private
                key, leaks = draw(st.sampled_from(written_private)), True
            source = draw(st.sampled_from(["own", "own", "shared", "private"]))
            if source == "private" and written_private:
                value, leaks = draw(st.sampled_from(written_private)), True
            elif source == "shared" and written_public:
                value = draw(st.sampled_from(written_public))
            else:
                value = draw(st.sampled_from(published[name]))
                if not any(value is n for n in written_private):
                    written_public.append(value)
            pairs.append((key, value))
        if not private_first:
            pairs.append((_scalar("private"), private))
            written_private += [private, private_lists[number % 2], *private_lists[number % 2].value, secrets[number]]
        entries.append((ident, yaml.MappingNode(MAP, pairs)))
    root = yaml.MappingNode(MAP, [(_scalar("interviews"), yaml.MappingNode(MAP, entries))])
    return yaml.serialize(root, Dumper=yaml.SafeDumper), leaks


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registers())
def test_no_private_value_is_published_or_repeated_by_any_alias(case):
    text, leaks = case
    register = Register(path="interviews.yaml")
    register.add_text(text)
    shown = repr(register.interviews) + "\n".join(str(d) for d in register.diagnostics)
    assert "SECRET" not in shown, text
    assert all(d.line for d in register.diagnostics), text
    assert "Node(" not in shown
    # Where nothing is taken from private, the register reads as if private: were not there.
    uses_private = any("from under 'private:'" in d.message for d in register.diagnostics)
    assert uses_private == leaks, text
    if not uses_private:
        bare = Register(path="interviews.yaml")
        document = yaml.compose(text, Loader=yaml.SafeLoader)
        for _, entry in document.value[0][1].value:
            if isinstance(entry, yaml.MappingNode):
                entry.value = [(k, v) for k, v in entry.value if k.value != "private"]
        bare.add_text(yaml.serialize(document, Dumper=yaml.SafeDumper))
        assert {k: (v.interviewee, v.dates, v.place, v.article) for k, v in register.interviews.items()} == {
            k: (v.interviewee, v.dates, v.place, v.article) for k, v in bare.interviews.items()}, text


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8),
                              st.sampled_from(["2011-06-13", "20110613", "private", "<<", "interviewee"])),
                    lambda children: st.lists(children, max_size=3) | st.dictionaries(
                        st.sampled_from(["interviewee", "date", "dates", "place", "article", "private", "wording",
                                         "interviews", "x", "a", "b"]), children, max_size=4),
                    max_leaves=12),
       st.booleans())
def test_any_register_shape_gives_located_plain_messages(data, as_wordings):
    """Whatever the YAML holds, each problem is a line and a sentence, never a parser object."""
    document = {"interviews": data} if not as_wordings else {
        "interviews": {"a": {"interviewee": "x", "date": "2011-06-13"}}, "wordings": data}
    register = Register(path="interviews.yaml")
    register.add_text(yaml.safe_dump(document, sort_keys=False))
    for diagnostic in register.diagnostics:
        assert diagnostic.line and "Node(" not in diagnostic.message and "<" not in diagnostic.message.replace(
            "'<<'", ""), diagnostic
    for entry in register.interviews.values():
        assert isinstance(entry, (Interview, Wording))


@pytest.mark.parametrize("written, message", [
    ("20110613", "dates are written YYYY-MM-DD, e.g. 2011-06-13 (not '20110613')"),  # Python 3.11 would take it
    ("2011-W24-1", "dates are written YYYY-MM-DD, e.g. 2011-06-13 (not '2011-W24-1')"),
    ("2011-06-13T10:00", "dates are written YYYY-MM-DD, e.g. 2011-06-13 (not '2011-06-13T10:00')"),
    ("2011-6-13", "dates are written YYYY-MM-DD, e.g. 2011-06-13 (not '2011-6-13')"),
    ("13/06/2011", "dates are written YYYY-MM-DD, e.g. 2011-06-13 (not '13/06/2011')"),
    ("2011-02-30", "'2011-02-30' is not a date of the calendar"),
    ("{on: 2011-06-13}", "dates are written YYYY-MM-DD, e.g. 2011-06-13 (not a mapping)"),
    ("~", "dates are written YYYY-MM-DD, e.g. 2011-06-13 (not nothing)"),
])
def test_dates_are_yyyy_mm_dd_on_every_python(written, message):
    register = Register(path="interviews.yaml")
    register.add_text(f"interviews:\n  a:\n    interviewee: x\n    date: {written}\n")
    assert [(d.line, d.message) for d in register.diagnostics] == [(4, f"interview 'a': {message}")]


@pytest.mark.parametrize("yaml_text, message", [
    ("interviews:\n  ? [a, b]\n  : {interviewee: x, date: 2011-06-13}\n",
     "an interview's id must be text (letters, digits and - _ . :), not a list"),
    ("interviews:\n  a: {interviewee: x, date: 2011-06-13, [k]: v}\n",
     "interview 'a': a field's name must be text, not a list"),
    ("interviews:\n  a: {interviewee: {name: x}, date: 2011-06-13}\n",
     "interview 'a': 'interviewee' must be text, not a mapping"),
    ("interviews:\n  a: {interviewee: ~, date: 2011-06-13}\n",
     "interview 'a': 'interviewee' is required: who was interviewed, as it may be published"),
    ("interviews:\n  a: {interviewee: x, date: 2011-06-13}\nwordings:\n  w: {interviews: [[a]], wording: x}\n",
     "wording 'w': 'interviews' lists ids, not a list"),
])
def test_messages_name_what_is_wrong_in_plain_words(yaml_text, message):
    register = Register(path="interviews.yaml")
    register.add_text(yaml_text)
    assert [d.message for d in register.diagnostics] == [message]


def test_a_note_citing_an_invalid_entry_points_to_its_message():
    register = Register(path="interviews.yaml")
    register.add_text("interviews:\n  a: {interviewee: x, date: 13 June}\n")
    assert register.not_valid("a") == "interview 'a' is not valid (see the message at interviews.yaml:2)"
    assert register.not_valid("b") is None
