"""Faithfulness checks: content/*.md against the extracted source of the NTS Alert.

Stdlib + pytest only (no ntsbrief import). The source lives in the shared
folder beside the repository (``../shared/source``); the module is skipped
when it is absent.

What is checked:

1. Every paragraph of the source body (furniture dropped, artefacts repaired)
   appears, word for word and in order, in the concatenated content Markdown
   with citations, note markers, note definitions and comments stripped.
   The summary box must be on the landing page, the two photo captions must be
   kept as HTML comments, and note 1 must be transcribed in its definition.
2. Citation clusters (21), cited items (24), distinct keys (19); 25 note
   markers, each label defined once and used once, in the file that defines it.
3. Every cited key exists in citations/references.bib.
4. citations/interviews.yaml holds only interviewee/date/dates/place per
   entry (no names or other private data), and every interview note refers to
   existing register ids.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCE_DIR = Path(__file__).parents[1] / ".." / "shared" / "source"
SOURCE_TXT = SOURCE_DIR / "nts-alert-malaysia-2011.txt"

CONTENT = REPO / "content"
PAGES = [  # reading order
    "index.md",
    "introduction.md",
    "unaddressed-protection-concerns.md",
    "role-of-the-non-government-sector.md",
    "conclusion.md",
]
BIB = REPO / "citations" / "references.bib"
REGISTER = REPO / "citations" / "interviews.yaml"

# Words whose hyphen the PDF extraction lost (repaired form, lower case).
HYPHENATED = [
    "anti-human",
    "anti-smuggling",
    "anti-trafficking",
    "bottom-up",
    "closely-knit",
    "cottage-industry",
    "cross-section",
    "government-run",
    "labour-intensive",
    "non-government",
    "non-governmental",
    "non-partisan",
    "one-off",
    "open-ended",
    "over-reliance",
    "socio-economic",
    "well-paying",
]
# Letter-spaced text of the narrow column (lower case, whitespace collapsed).
LETTER_SPACED = {"inst i tut ions": "institutions", "sal t": "salt"}

HEADINGS = [
    "Introduction",
    "Unaddressed Protection Concerns of Trafficked Persons",
    "Debt Bondage",
    "Human Trafficking as a Form of Cottage Industry",
    "Difficulties in Accessing and Assisting Trafficked Persons",
    "The Role of the Nongovernment Sector in the Protection of Trafficked Persons",
    "Responsive Practices of the NonGovernment Sector",
    "Restrictive Space for Interaction between Government and NonGovernment Sectors",
    "Conclusion",
]

ALLOWED_INTERVIEWEES = {
    "expert on Malaysian national human rights issues",
    "NGO practitioner",
    "NGO practitioners",
    "NGO representatives",
    "legal specialist",
    "legal specialists",
    "government official with work experience at shelters for trafficked victims",
}

CITATION_IN_SOURCE = re.compile(r"\([^()]*\b(?:19|20)\d\d\b[^()]*\)")
SENTENCE_END = re.compile(r"[.!?][’”)]?$|\)\.?$")

pytestmark = pytest.mark.skipif(
    not SOURCE_TXT.is_file(),
    reason=f"the Alert's source text is not at {SOURCE_DIR} (it is kept beside the repository, not in it): "
           "these tests compare content/ with it",
)


# --------------------------------------------------------------------------- helpers
def norm(text: str) -> str:
    """NFKC (no-break space -> space, U+037E -> ';'), lower case, repairs."""
    text = unicodedata.normalize("NFKC", text).replace("\u037e", ";").lower()
    text = re.sub(r"\s+", " ", text)
    for spaced, joined in LETTER_SPACED.items():
        text = text.replace(spaced, joined)
    lost = {w.replace("-", ""): w for w in HYPHENATED}
    pattern = r"\b(" + "|".join(sorted(lost, key=len, reverse=True)) + r")\b"
    return re.sub(pattern, lambda m: lost[m.group(1)], text)


def words(text: str) -> list[str]:
    return re.findall(r"\w+", norm(text))


def strip_front_matter(md: str) -> str:
    return re.sub(r"\A---\n.*?\n---\n", "", md, flags=re.S)


def strip_markup(md: str) -> str:
    md = strip_front_matter(md)
    md = re.sub(r"<!--.*?-->", " ", md, flags=re.S)
    md = re.sub(r"^\[\^[^\]]+\]:.*$", " ", md, flags=re.M)  # note definitions
    md = re.sub(r"\[\^[^\]]+\]", " ", md)  # note markers
    md = re.sub(r"\[[^\[\]]*@[^\[\]]*\]", " ", md)  # [@key, 12; @key2]
    return re.sub(r"@[\w:.-]+(?: \[[^\]]*\])?", " ", md)  # narrative @key [12]


def read_pages() -> dict[str, str]:
    return {name: (CONTENT / name).read_text(encoding="utf-8") for name in PAGES}


def source_lines() -> list[str]:
    raw = SOURCE_TXT.read_text(encoding="utf-8")
    lines = [unicodedata.normalize("NFKC", line).strip() for line in raw.split("\n")]
    return [line for line in lines if line]


def split_source():
    """-> (body paragraphs, furniture dict, notes list)."""
    lines = source_lines()
    cut = lines.index("Notes")
    body, notes_lines = lines[:cut], lines[cut + 1 :]
    kept, furniture = _without_furniture(body)
    paragraphs = _paragraphs(kept)
    notes = re.split(r"(?:^| )(?=\d{1,2}\. (?:This|Personal))", " ".join(notes_lines))
    notes = [re.sub(r"^\d{1,2}\. ", "", n).strip() for n in notes if n.strip()]
    return paragraphs, furniture, notes


def _without_furniture(body: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """The body's lines without the summary box, captions and "To the top" links, and those."""
    furniture: dict[str, list[str]] = {"summary": [], "captions": []}
    kept = []
    in_summary = False
    skip_next_caption_line = False
    for line in body:
        if line.startswith("This NTS Alert discusses"):
            in_summary = True
        if in_summary:
            furniture["summary"].append(line)
            if line.endswith("changes in Malaysia."):
                in_summary = False
            continue
        if line.startswith("^ To the top"):
            continue
        if line.startswith("Audience at a concert organised by MTV"):
            furniture["captions"].append(line)
            continue
        if line.startswith("Irregular migrants, suspected to be trafficked"):
            furniture["captions"].append(line)
            skip_next_caption_line = True
            continue
        if skip_next_caption_line or line.startswith("Credit:"):
            furniture["captions"][-1] += " " + line
            skip_next_caption_line = False
            continue
        kept.append(line)
    return kept, furniture


def _paragraphs(kept: list[str]) -> list[str]:
    """The body's lines joined into its headings and paragraphs (a line that ends a
    sentence and is shorter than its neighbours ends a paragraph)."""
    heading_keys = {norm(h) for h in HEADINGS}
    paragraphs, current = [], []
    for i, line in enumerate(kept):
        if norm(line) in heading_keys:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            paragraphs.append(line)
            continue
        current.append(line)
        nxt = kept[i + 1] if i + 1 < len(kept) else ""
        prev = current[-2] if len(current) > 1 else ""
        short = len(line) < 0.9 * max(len(prev), len(nxt) if norm(nxt) not in heading_keys else 0)
        if SENTENCE_END.search(line) and (short or not nxt or norm(nxt) in heading_keys):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


# --------------------------------------------------------------------------- 1. text
def test_every_source_paragraph_is_in_the_content_in_order():
    paragraphs, _, _ = split_source()
    assert len(paragraphs) > 20
    pages = read_pages()
    content = []
    for name in PAGES:
        content += words(strip_markup(pages[name]))

    pos = 0
    for n, para in enumerate(paragraphs, 1):
        para_words = words(CITATION_IN_SOURCE.sub(" ", norm(para)))
        if not para_words:
            continue
        k = len(para_words)
        found = next(
            (j for j in range(pos, len(content) - k + 1) if content[j : j + k] == para_words),
            None,
        )
        if found is None:
            # Diagnose: longest prefix that does match somewhere after pos.
            best, best_at = 0, pos
            for j in range(pos, len(content)):
                m = 0
                while m < k and j + m < len(content) and content[j + m] == para_words[m]:
                    m += 1
                if m > best:
                    best, best_at = m, j
            got = " ".join(content[best_at + best : best_at + best + 8])
            want = " ".join(para_words[best : best + 8])
            pytest.fail(
                f"source paragraph {n} ({para[:70]!r}...) not found in order: "
                f"matched {best}/{k} words, then expected {want!r} but content has {got!r}"
            )
        pos = found + k


def test_section_pages_add_no_words():
    """The section pages hold the source body and nothing else (no sentence added)."""
    paragraphs, _, _ = split_source()
    expected = [w for p in paragraphs for w in words(CITATION_IN_SOURCE.sub(" ", norm(p)))]
    pages = read_pages()
    got = [w for name in PAGES[1:] for w in words(strip_markup(pages[name]))]
    if got != expected:
        i = next((i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b),
                 min(len(got), len(expected)))
        pytest.fail(
            f"section pages differ from the source body at word {i}: "
            f"content {' '.join(got[i:i + 8])!r} vs source {' '.join(expected[i:i + 8])!r}"
        )


def test_source_citation_count_matches_content():
    paragraphs, _, _ = split_source()
    source_clusters = sum(len(CITATION_IN_SOURCE.findall(norm(p))) for p in paragraphs)
    assert source_clusters == 21
    assert len(citation_clusters()) == source_clusters


def test_summary_box_is_on_the_landing_page_only():
    _, furniture, _ = split_source()
    summary = words(" ".join(furniture["summary"]))
    assert summary[:4] == ["this", "nts", "alert", "discusses"]
    pages = read_pages()
    index_words = words(strip_markup(pages["index.md"]))
    k = len(summary)
    assert any(index_words[j : j + k] == summary for j in range(len(index_words) - k + 1))
    for name in PAGES[1:]:
        assert "This NTS Alert discusses the protection gaps" not in pages[name]


def test_captions_kept_as_comments_and_furniture_dropped():
    _, furniture, _ = split_source()
    assert len(furniture["captions"]) == 2
    pages = read_pages()
    comments = {
        name: " ".join(re.findall(r"<!--(.*?)-->", pages[name], flags=re.S)) for name in PAGES
    }
    expected_page = {0: "introduction.md", 1: "role-of-the-non-government-sector.md"}
    for i, caption in enumerate(furniture["captions"]):
        cap_words = words(caption)
        com_words = words(comments[expected_page[i]])
        k = len(cap_words)
        assert any(
            com_words[j : j + k] == cap_words for j in range(len(com_words) - k + 1)
        ), f"caption {caption!r} not kept as a comment in {expected_page[i]}"
    for name, text in pages.items():
        assert "To the top" not in text, name
        assert "<img" not in text and "![" not in text, f"invented image in {name}"


def test_artefacts_repaired():
    for name, text in read_pages().items():
        assert "\u00a0" not in text, f"no-break space in {name}"
        assert "\u037e" not in text, f"Greek question mark in {name}"
        for w in HYPHENATED:
            assert not re.search(r"\b" + w.replace("-", "") + r"\b", text, re.I), (name, w)
        assert "inst i tut" not in text and "Sal t" not in text, name


def test_methods_note_is_transcribed():
    _, _, notes = split_source()
    assert len(notes) == 25
    defs = note_definitions()
    n1 = words(defs[next(iter(defs))][1])
    assert n1 == words(notes[0])


# --------------------------------------------------------------------------- 2. counts
def citation_clusters() -> list[list[str]]:
    clusters = []
    for name in PAGES:
        body = strip_front_matter(read_pages()[name])
        body = re.sub(r"<!--.*?-->", " ", body, flags=re.S)
        for m in re.finditer(r"\[([^\[\]]*@[^\[\]]*)\]", body):
            clusters.append(re.findall(r"@([\w:.-]+)", m.group(1)))
        rest = re.sub(r"\[[^\[\]]*@[^\[\]]*\]", " ", body)
        for m in re.finditer(r"(?<![\w\[])@([\w:.-]+)", rest):
            clusters.append([m.group(1)])
    return clusters


def note_definitions() -> dict[str, tuple[str, str]]:
    defs: dict[str, tuple[str, str]] = {}
    for name in PAGES:
        for m in re.finditer(r"^\[\^([^\]]+)\]:[ \t]*(.*)$", read_pages()[name], re.M):
            assert m.group(1) not in defs, f"note {m.group(1)} defined twice"
            defs[m.group(1)] = (name, m.group(2))
    return defs


def note_references() -> list[tuple[str, str]]:
    refs = []
    for name in PAGES:
        for m in re.finditer(r"\[\^([^\]]+)\](?!:)", read_pages()[name]):
            refs.append((m.group(1), name))
    return refs


def test_citation_counts():
    clusters = citation_clusters()
    items = [k for c in clusters for k in c]
    assert len(clusters) == 21
    assert len(items) == 24
    assert len(set(items)) == 19


def test_note_markers():
    refs = note_references()
    defs = note_definitions()
    assert len(refs) == 25
    labels = [label for label, _ in refs]
    assert len(set(labels)) == 25, "a note label is used more than once"
    assert set(labels) == set(defs), "markers and definitions differ"
    for label, page in refs:
        assert defs[label][0] == page, f"note {label} defined outside the page using it"
    assert labels == list(defs), "definitions are not in reading order"


def test_interview_notes_refer_to_register():
    register = parse_register()
    defs = note_definitions()
    for i, (label, (_, text)) in enumerate(defs.items()):
        if i == 0:
            assert not text.startswith("[interview"), "note 1 is prose"
            continue
        m = re.fullmatch(r"\[interviews?: ([a-z0-9-]+(?:, [a-z0-9-]+)*)\]", text.strip())
        assert m, f"note {label} is not a register reference: {text!r}"
        for ident in m.group(1).split(", "):
            assert ident in register, f"note {label}: unknown register id {ident}"


# --------------------------------------------------------------------------- 3. bib
def bib_keys() -> list[str]:
    return re.findall(r"^@\w+\{([^,\s]+),", BIB.read_text(encoding="utf-8"), re.M)


def test_cited_keys_exist_in_bib():
    keys = bib_keys()
    assert len(keys) == len(set(keys)), "duplicate bib key"
    missing = {k for c in citation_clusters() for k in c} - set(keys)
    assert not missing, f"cited but not in references.bib: {sorted(missing)}"
    assert "kaur2011protection" in keys


def test_bib_has_no_note_field_and_flags_unverified():
    text = BIB.read_text(encoding="utf-8")
    assert not re.search(r"^\s+note\s*=", text, re.M)
    for entry in re.split(r"\n(?=@)", text):
        if not entry.startswith("@"):
            continue
        prov = re.search(r"^\s+provenance = \{(.*)\},?$", entry, re.M)
        flagged = re.search(r"^\s+verified = \{false\}", entry, re.M)
        if prov and re.search(r"unverified|medium|low|unknown", prov.group(1), re.I):
            assert flagged, entry.splitlines()[0]
        if not prov:
            assert not flagged, entry.splitlines()[0]


# --------------------------------------------------------------------------- 4. register
def parse_register() -> dict[str, dict[str, str]]:
    """Minimal reader for the register's fixed shape (stdlib only)."""
    entries: dict[str, dict[str, str]] = {}
    top_keys = []
    current = None
    for raw in REGISTER.read_text(encoding="utf-8").splitlines():
        line = re.sub(r"\s+#.*$", "", raw) if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        key, _, value = line.strip().partition(":")
        if indent == 0:
            top_keys.append(key)
        elif indent == 2:
            current = entries.setdefault(key, {})
            assert not value.strip(), f"entry {key} must be a mapping"
        elif indent == 4 and current is not None:
            current[key] = value.strip()
        else:
            pytest.fail(f"unexpected line in interviews.yaml: {raw!r}")
    assert top_keys in (["interviews"], ["interviews", "wordings"]), f"top-level keys: {top_keys}"
    return entries


def test_register_has_no_private_keys():
    entries = parse_register()
    assert entries
    for ident, fields in entries.items():
        assert re.fullmatch(r"[a-z0-9-]+", ident), ident
        if "wording" in fields:
            assert set(fields) == {"interviews", "wording"}, ident
            assert all(part in entries for part in re.findall(r"[a-z0-9-]+", fields["interviews"])), ident
            continue
        extra = set(fields) - {"interviewee", "date", "dates", "place", "article"}
        assert not extra, f"{ident}: unexpected keys {sorted(extra)}"
        assert fields.get("interviewee") in ALLOWED_INTERVIEWEES, ident
        assert ("date" in fields) != ("dates" in fields), ident
        assert fields.get("place") == "Kuala Lumpur", ident
        days = re.findall(r"2011-06-(\d\d)", fields.get("date") or fields.get("dates"))
        assert days and all(13 <= int(d) <= 17 for d in days), ident
