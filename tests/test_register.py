"""The interview register: validation with lines, and the generated note text."""

import datetime as dt

import pytest

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
    (["hr-expert"], "Personal interview with expert on Malaysian national human rights issues, Kuala Lumpur, 14 June 2011."),
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
    ("  w:\n    interviews:\n      - a\n      - b\n    wording: Personal interview with NGO practitioner, 13 June 2011.\n",
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
        (4, "interview 'a': dates are written YYYY-MM-DD"),
        (7, "wording 'w': interview 'a' in 'interviews' is not valid (see its own message)")]
    assert register.invalid == {"a", "w"}


def test_a_broken_edit_keeps_the_last_valid_entries(register):
    half_typed = REGISTER.replace("date: 2011-06-14\n    place: Kuala Lumpur\n  ngo:", "date: 2011-06-1\n    place: Kuala Lumpur\n  ngo:", 1)
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
