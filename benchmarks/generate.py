"""Generate a synthetic research brief for benchmarking ntsbrief.

The brief is deterministic (one seeded ``random.Random``), so two runs of the
same size and seed produce byte-identical files and results can be compared
across machines and commits. It imitates a real brief rather than a
worst case: prose paragraphs with pandoc citations of every form the house
uses (locators, prefixes, multi-work clusters, author-in-text, year only),
notes (some of which cite), and a BibTeX store of which only part is cited,
with the awkward things real stores contain (LaTeX accents, ``\\&``,
``@string`` journal macros, bare ``month = aug``, ``crossref``, DOIs, URLs).

Written into ``--out``::

    docs/*.md            the pages (index.md first, then section-NNNN.md)
    references.bib       the store
    references-flat.bib  the store with crossref resolved (mkdocs-bibtex's pybtex needs it)
    mkdocs.yml           Material + search + ntsbrief
    mkdocs-plain.yml     the same site without ntsbrief: citations stay text
    mkdocs-bibtex.yml    the same site with mkdocs-bibtex (optional comparison)
    corpus.json          the parameters and counts, used to reuse a corpus

Usage: ``python benchmarks/generate.py --size small --out DIR``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

# ---------------------------------------------------------------- sizes


@dataclass(frozen=True)
class Size:
    name: str
    pages: int
    paragraphs: int
    entries: int


SIZES = {
    "small": Size("small", 10, 20, 50),
    "large": Size("large", 200, 20, 2_000),
    "huge": Size("huge", 1_000, 20, 20_000),
}
ENTRIES_PER_PAGE = 10  # for sizes given as a page count: the large brief's ratio


def parse_size(text: str) -> Size:
    """A named size, or a page count with 20 paragraphs and 10 entries per page."""
    if text in SIZES:
        return SIZES[text]
    try:
        pages = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"size must be one of {', '.join(SIZES)} or a page count, not {text!r}") from None
    if pages < 1:
        raise argparse.ArgumentTypeError("a page count must be at least 1")
    return Size(f"{pages}p", pages, 20, pages * ENTRIES_PER_PAGE)


# ---------------------------------------------------------------- vocabulary

# (key form, BibTeX form): accents written as LaTeX, as exported by most tools.
SURNAMES = [
    ("chuang", "Chuang"), ("piper", "Piper"), ("kaur", "Kaur"), ("salt", "Salt"), ("stein", "Stein"),
    ("hendrix", "Hendrix"), ("motus", "Motus"), ("vijeyarasa", "Vijeyarasa"), ("marshall", "Marshall"),
    ("gallagher", "Gallagher"), ("anderson", "Anderson"), ("oconnell", "O'Connell Davidson"),
    ("muller", "M{\\\"u}ller"), ("garcia", "Garc{\\'\\i}a"), ("lopez", "L{\\'o}pez"), ("renee", "Ren{\\'e}e"),
    ("francois", "Fran{\\c{c}}ois"), ("gunes", "G{\\\"u}ne{\\c{s}}"), ("angstrom", "{\\AA}ngstr{\\\"o}m"),
    ("nguyen", "Nguy{\\~{\\^e}}n"), ("tran", "Tr{\\`a}n"), ("pena", "Pe{\\~n}a"), ("oster", "{\\O}ster"),
    ("abdullah", "Abdullah"), ("rahman", "Rahman"), ("tan", "Tan"), ("lim", "Lim"), ("wong", "Wong"),
    ("singh", "Singh"), ("devi", "Devi"), ("santos", "Santos"), ("reyes", "Reyes"), ("sato", "Sat{\\=o}"),
    ("kim", "Kim"), ("park", "Park"), ("chen", "Chen"), ("li", "Li"), ("zhang", "Zhang"), ("haque", "Haque"),
    ("bales", "Bales"), ("kempadoo", "Kempadoo"), ("lee", "Lee"), ("laczko", "Laczko"),
    ("gozdziak", "Gozdziak"), ("jordan", "Jordan"), ("kelly", "Kelly"), ("obokata", "Obokata"),
    ("shelley", "Shelley"), ("weitzer", "Weitzer"), ("zimmerman", "Zimmerman"), ("brunovskis", "Brunovskis"),
    ("surtees", "Surtees"), ("kneebone", "Kneebone"), ("hathaway", "Hathaway"), ("dottridge", "Dottridge"),
    ("ditmore", "Ditmore"), ("segrave", "Segrave"), ("milivojevic", "Milivojevi{\\'c}"),
    ("pickering", "Pickering"), ("kotiswaran", "Kotiswaran"),
]
GIVEN = ["Janie", "Nicola", "Manpavan", "John", "Jeremy", "Steven", "Anne", "Ramona", "Jos{\\'e}",
         "Ang{\\'e}lica", "Bj{\\\"o}rn", "Fatimah", "Ahmad", "Siew Lian", "Wei", "Hoang", "Mar{\\'\\i}a",
         "Kevin", "Liz", "Elzbieta", "Susan", "Ronald", "Bridget", "Maria", "Joanna", "Sanja", "Prabha"]

ADJECTIVES = ["regional", "national", "legal", "informal", "irregular", "structural", "bilateral",
              "transnational", "protective", "punitive", "economic", "social", "administrative",
              "comparative", "institutional", "humanitarian", "contested", "fragmented", "voluntary"]
NOUNS = ["migration", "policy", "enforcement", "labour", "protection", "shelter", "recruitment",
         "debt bondage", "prosecution", "detention", "deportation", "framework", "agency", "border",
         "employer", "broker", "community", "network", "reform", "assessment", "compliance", "victim",
         "practitioner", "government", "report", "sanction", "standard", "right", "visa", "contract"]
VERBS = ["shapes", "undermines", "reinforces", "reflects", "obscures", "limits", "extends", "complicates",
         "determines", "weakens", "supports", "explains", "conditions", "precedes", "mirrors"]
CONNECTORS = ["while", "because", "although", "as", "whereas", "since", "even though"]
OPENERS = ["In practice", "Moreover", "By contrast", "Consequently", "At the same time", "In Malaysia",
           "Across the region", "For this reason", "Historically", "In several cases"]
TOPICS = ["Trafficking", "Migration", "Labour", "Protection", "Policy", "Asylum", "Borders", "Rights",
          "Enforcement", "Shelters", "Recruitment", "Detention", "Development", "Security"]
PUBLISHERS = [("Routledge", "London"), ("Palgrave Macmillan", "Basingstoke"),
              ("Cambridge University Press", "Cambridge"), ("Oxford University Press", "Oxford"),
              ("ISEAS Publishing", "Singapore"), ("University of California Press", "Berkeley"),
              ("Edward Elgar", "Cheltenham"), ("Zed Books", "London"), ("NUS Press", "Singapore")]
INSTITUTIONS = ["International Labour Organization", "International Organization for Migration",
                "UNODC", "Human Rights Watch", "Amnesty International", "Tenaganita",
                "SUHAKAM (Human Rights Commission of Malaysia)", "RSIS Centre for NTS Studies",
                "U.S. Department of State", "Migrant Forum in Asia"]
# (macro, journal name): journals are referred to through @string macros.
JOURNALS = [("imr", "International Migration Review"), ("im", "International Migration"),
            ("jrs", "Journal of Refugee Studies"), ("hrq", "Human Rights Quarterly"),
            ("apmj", "Asian and Pacific Migration Journal"), ("atr", "Anti-Trafficking Review"),
            ("mjil", "Michigan Journal of International Law"), ("jems", "Journal of Ethnic \\& Migration Studies"),
            ("ssa", "Social \\& Legal Studies"), ("ija", "International Journal of Asian Studies")]
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


# ---------------------------------------------------------------- the store


@dataclass
class Store:
    text: str
    flat_text: str  # the same entries with crossref parents' fields copied in (for mkdocs-bibtex's pybtex)
    citable: list[str]  # keys an author may cite (crossref parents excluded)
    count: int


def _key_maker():
    """Keys like ``chuang2006``, ``chuang2006a``: unique, as Better BibTeX makes them."""
    used: set[str] = set()

    def make(surname_key: str, year: int) -> str:
        base = f"{surname_key}{year}"
        key, suffix = base, 0
        while key in used:
            key = base + "abcdefghijklmnopqrstuvwxyz"[suffix % 26] * (1 + suffix // 26)
            suffix += 1
        used.add(key)
        return key

    return make


def _authors(rnd: random.Random) -> tuple[str, str]:
    """(first surname key, BibTeX author list); one to five authors, so "et al." applies."""
    count = rnd.choices([1, 2, 3, 4, 5], weights=[50, 25, 12, 8, 5])[0]
    people = rnd.sample(SURNAMES, count)
    names = [f"{surname}, {rnd.choice(GIVEN)}" for _, surname in people]
    return people[0][0], " and ".join(names)


def _title(rnd: random.Random) -> str:
    words = [rnd.choice(ADJECTIVES).capitalize(), rnd.choice(NOUNS).title(), "and",
             rnd.choice(NOUNS).title(), "in", rnd.choice(["{Malaysia}", "{Southeast Asia}", "{Thailand}",
                                                          "the {ASEAN} Region", "{Indonesia}"])]
    title = " ".join(words)
    if rnd.random() < 0.15:
        title = title.replace(" and ", " \\& ", 1)
    if rnd.random() < 0.4:
        title += ": " + rnd.choice(["A Review", "Evidence from Fieldwork", "Policy Lessons",
                                    "Rights, Risks \\& Remedies", "The Case of {Sabah}"])
    return title


def _field_lines(fields: list[tuple[str, str]]) -> str:
    """BibTeX field lines; a value already shaped as a macro or number stays bare."""
    lines = []
    for name, value in fields:
        bare = value.isdigit() or value in MONTHS or value in {m for m, _ in JOURNALS}
        lines.append(f"  {name} = {value}" if bare else f"  {name} = {{{value}}}")
    return ",\n".join(lines)


def _entry(kind: str, key: str, fields: list[tuple[str, str]]) -> str:
    return f"@{kind}{{{key},\n{_field_lines(fields)}\n}}"


def _common(rnd: random.Random, fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if rnd.random() < 0.35:
        registrant, journal, item = rnd.randint(1000, 9999), rnd.choice(["imr", "jrs", "hrq"]), rnd.randint(1, 99999)
        fields.append(("doi", f"10.{registrant}/{journal}.{item}"))
    if rnd.random() < 0.25:
        fields.append(("url", f"https://example.org/{rnd.randint(1, 10**6)}"))
        fields.append(("urldate", f"2011-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"))
    return fields


def _pages(rnd: random.Random) -> str:
    start = rnd.randint(1, 700)
    return f"{start}--{start + rnd.randint(5, 40)}"


def generate_store(rnd: random.Random, count: int) -> Store:
    """``count`` entries: about 45 % articles, books, reports, chapters, misc."""
    make_key = _key_maker()
    blocks = [f"@string{{{macro} = {{{name}}}}}" for macro, name in JOURNALS]
    children: list[str] = []
    flat_children: list[str] = []
    parents: list[str] = []
    citable: list[str] = []
    produced = 0
    while produced < count:
        kind = rnd.choices(["article", "book", "techreport", "incollection", "misc"],
                           weights=[45, 15, 15, 15, 10])[0]
        year = rnd.randint(1990, 2011)
        first, authors = _authors(rnd)
        key = make_key(first, year)
        fields = [("author", authors), ("title", _title(rnd)), ("year", str(year))]
        inherited: list[tuple[str, str]] = []  # a crossref parent's fields, for the flat store
        if kind == "article":
            fields += [("journal", rnd.choice(JOURNALS)[0]), ("volume", str(rnd.randint(1, 60))),
                       ("number", str(rnd.randint(1, 6))), ("pages", _pages(rnd))]
            if rnd.random() < 0.3:
                fields.append(("month", rnd.choice(MONTHS)))
        elif kind == "book":
            publisher, address = rnd.choice(PUBLISHERS)
            fields += [("publisher", publisher), ("address", address)]
            if rnd.random() < 0.2:
                fields.append(("edition", str(rnd.randint(2, 4))))
        elif kind == "techreport":
            fields += [("institution", rnd.choice(INSTITUTIONS)),
                       ("type", rnd.choice(["Report", "Working Paper", "Policy Brief"])),
                       ("number", str(rnd.randint(1, 120))),
                       ("address", rnd.choice(["Geneva", "Kuala Lumpur", "Singapore", "Bangkok"])),
                       ("month", rnd.choice(MONTHS))]
        elif kind == "incollection":
            fields.append(("pages", _pages(rnd)))
            if rnd.random() < 0.5 and produced + 1 < count:
                # A chapter inheriting from its book: parents follow all children, as BibTeX wants.
                parent_first, editors = _authors(rnd)
                parent = make_key(parent_first, year)
                publisher, address = rnd.choice(PUBLISHERS)
                book_title = _title(rnd)
                parents.append(_entry("book", parent, [("editor", editors), ("title", book_title),
                                                       ("booktitle", book_title), ("publisher", publisher),
                                                       ("address", address), ("year", str(year))]))
                inherited = [("editor", editors), ("booktitle", book_title), ("publisher", publisher),
                             ("address", address)]
                fields.append(("crossref", parent))
                produced += 1
            else:
                publisher, address = rnd.choice(PUBLISHERS)
                _, editors = _authors(rnd)
                fields += [("editor", editors), ("booktitle", _title(rnd)), ("publisher", publisher),
                           ("address", address)]
        else:
            fields += [("howpublished", rnd.choice(["Press release", "Speech", "Online article", "Newspaper report"])),
                       ("note", rnd.choice(["Accessed 14 June 2011", "In Malay", "Unpublished manuscript"]))]
        fields = _common(rnd, fields)
        children.append(_entry(kind, key, fields))
        if any(name == "crossref" for name, _ in fields):
            fields = [f for f in fields if f[0] != "crossref"] + inherited
        flat_children.append(_entry(kind, key, fields))
        citable.append(key)
        produced += 1
    header = "% Synthetic BibTeX store for ntsbrief benchmarks.\n\n"
    text = header + "\n\n".join(blocks + children + parents) + "\n"
    flat_text = header + "\n\n".join(blocks + flat_children + parents) + "\n"
    return Store(text, flat_text, citable, produced)


# ---------------------------------------------------------------- citations


@dataclass
class Counts:
    citations: int = 0
    distinct: set = field(default_factory=set)
    notes: int = 0
    cited_keys: set = field(default_factory=set)


def _page_range(start: int, end: int) -> str:
    """``479–83`` as authors abbreviate within a hundred; ``98–102`` in full."""
    if start >= 100 and start // 100 == end // 100:
        return f"{start}–{end % 100:02d}".replace("–0", "–") if end % 100 < 10 else f"{start}–{end % 100}"
    return f"{start}–{end}"


class Citer:
    """Draws citations: a skewed popularity over the cited part of the store."""

    CITED_SHARE = 0.6  # a brief cites part of its store, as in reality

    def __init__(self, rnd: random.Random, keys: list[str], counts: Counts):
        self.rnd = rnd
        shuffled = keys[:]
        rnd.shuffle(shuffled)
        self.keys = shuffled[: max(1, int(len(shuffled) * self.CITED_SHARE))]
        self.weights = [1 / (rank + 1) ** 0.6 for rank in range(len(self.keys))]
        self.counts = counts

    def key(self) -> str:
        key = self.rnd.choices(self.keys, weights=self.weights)[0]
        self.counts.cited_keys.add(key)
        return key

    def locator(self) -> str:
        """"" or a locator as authors write it: ``12``, ``479–83``, ``p. 33``, ``chap. 3``."""
        r, rnd = self.rnd.random(), self.rnd
        page = rnd.randint(1, 600)
        if r < 0.35:
            return ""
        if r < 0.70:
            return str(page)
        if r < 0.82:
            return _page_range(page, page + rnd.randint(1, 15))
        if r < 0.92:
            return f"p. {page}"
        if r < 0.96:
            return f"{page}, {page + rnd.randint(2, 9)}"
        return f"chap. {rnd.randint(1, 12)}"

    def _item(self, prefix: str = "", dash: str = "") -> str:
        locator = self.locator()
        return f"{prefix}{dash}@{self.key()}" + (f", {locator}" if locator else "")

    def cluster(self) -> str:
        """One citation, in one of the forms a brief uses, weighted as in practice."""
        form = self.rnd.choices(["plain", "multi", "prefix", "intext", "year"], weights=[58, 14, 10, 12, 6])[0]
        if form == "plain":
            text = f"[{self._item()}]"
        elif form == "multi":
            text = "[" + "; ".join(self._item() for _ in range(self.rnd.randint(2, 3))) + "]"
        elif form == "prefix":
            second = f"; {self._item('also ')}" if self.rnd.random() < 0.5 else ""
            text = f"[{self._item('see ')}{second}]"
        elif form == "intext":
            locator = self.locator()
            text = f"@{self.key()}" + (f" [{locator}]" if locator else "")
        else:
            text = f"[{self._item(dash='-')}]"
        self.counts.citations += 1
        self.counts.distinct.add(text)
        return text


# ---------------------------------------------------------------- prose


def _plural(noun: str) -> str:
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    return noun if noun in {"labour", "debt bondage", "enforcement", "compliance", "migration",
                            "protection", "detention", "deportation", "prosecution"} else noun + "s"


def _sentence(rnd: random.Random) -> str:
    """A plausible policy-prose sentence (the benchmark measures size, not meaning)."""
    clause = (f"the {rnd.choice(ADJECTIVES)} {rnd.choice(NOUNS)} {rnd.choice(VERBS)} "
              f"the {rnd.choice(NOUNS)} of {rnd.choice(ADJECTIVES)} {_plural(rnd.choice(NOUNS))}")
    if rnd.random() < 0.5:
        clause += f" {rnd.choice(CONNECTORS)} {rnd.choice(NOUNS)} {rnd.choice(VERBS)} {rnd.choice(NOUNS)}"
    if rnd.random() < 0.4:
        return f"{rnd.choice(OPENERS)}, {clause}"
    return clause[0].upper() + clause[1:]


def _cited_sentence(rnd: random.Random, citer: Citer) -> str:
    cluster = citer.cluster()
    if cluster.startswith("@"):  # author in text: the cluster is the sentence's subject
        return f"As {cluster} shows, {_sentence(rnd).lower()}."
    return f"{_sentence(rnd)} {cluster}."


def paragraph(rnd: random.Random, citer: Citer, note_label: str | None) -> str:
    """Four to seven sentences, about three of them cited, perhaps a note marker."""
    sentences = []
    for _ in range(rnd.randint(4, 7)):
        sentences.append(_cited_sentence(rnd, citer) if rnd.random() < 0.45 else _sentence(rnd) + ".")
    if note_label:
        at = rnd.randrange(len(sentences))
        sentences[at] = sentences[at][:-1] + f".[^{note_label}]"
    return " ".join(sentences)


def note_text(rnd: random.Random, citer: Citer) -> str:
    """A note's text; two in five notes cite a work."""
    text = _sentence(rnd) + "."
    if rnd.random() < 0.4:
        text += " " + _cited_sentence(rnd, citer)
    return text


def page(rnd: random.Random, citer: Citer, counts: Counts, title: str, paragraphs: int) -> str:
    """A section: headings every five paragraphs, an occasional list, notes at the end."""
    lines = [f"# {title}", ""]
    definitions = []
    for index in range(paragraphs):
        if index and index % 5 == 0:
            lines += [f"## {rnd.choice(ADJECTIVES).capitalize()} {rnd.choice(NOUNS)}", ""]
        label = None
        if rnd.random() < 0.3:
            counts.notes += 1
            label = str(len(definitions) + 1)
            definitions.append(f"[^{label}]: {note_text(rnd, citer)}")
        if rnd.random() < 0.05:
            lines += [f"- {_cited_sentence(rnd, citer)}" for _ in range(3)] + [""]
        lines += [paragraph(rnd, citer, label), ""]
    lines += definitions
    return "\n".join(lines).rstrip("\n") + "\n"


# ---------------------------------------------------------------- the site


def _nav(titles: list[tuple[str, str]]) -> list:
    """Sections grouped in parts of ten pages, as a long brief's nav would be."""
    if len(titles) <= 10:
        return [{title: name} for name, title in titles]
    nav = [{titles[0][1]: titles[0][0]}]
    rest = titles[1:]
    for start in range(0, len(rest), 10):
        nav.append({f"Part {start // 10 + 1}": [{title: name} for name, title in rest[start:start + 10]]})
    return nav


def configs(size: Size, nav: list) -> dict[str, dict]:
    """The three configurations: ntsbrief, plain (no plugin), mkdocs-bibtex."""
    base = {
        "site_name": f"Synthetic brief ({size.name}: {size.pages} pages, {size.entries} entries)",
        "docs_dir": "docs",
        "theme": {"name": "material", "font": False},
        "markdown_extensions": ["admonition", "attr_list", "tables", {"toc": {"permalink": True}}],
        "nav": nav,
    }
    return {
        # The site only: the PDF (issue 16) is typeset by `benchmarks/pdf_time.py`, not in these builds,
        # so that the figures stay comparable with the site's targets and earlier runs.
        "mkdocs.yml": {**base, "site_dir": "site-ntsbrief",
                       "plugins": ["search", {"ntsbrief": {"bibliography": "references.bib", "pdf": False}}]},
        "mkdocs-plain.yml": {**base, "site_dir": "site-plain", "plugins": ["search"]},
        "mkdocs-bibtex.yml": {**base, "site_dir": "site-bibtex",
                              "markdown_extensions": base["markdown_extensions"] + ["footnotes"],
                              "plugins": ["search", {"bibtex": {"bib_file": "references-flat.bib"}}]},
    }


def generate(size: Size, out: Path, seed: int = 2011) -> dict:
    """Write the brief into ``out`` (replacing a previous one); returns its description."""
    rnd = random.Random(f"{seed}:{size.pages}:{size.paragraphs}:{size.entries}")
    store = generate_store(rnd, size.entries)
    counts = Counts()
    citer = Citer(rnd, store.citable, counts)

    docs = out / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    docs.mkdir(parents=True)
    titles = []
    markdown_bytes = 0
    for number in range(1, size.pages + 1):
        name = "index.md" if number == 1 else f"section-{number:04d}.md"
        first, second = rnd.sample(TOPICS, 2)
        title = f"{number}. {first} and {second.lower()}"
        text = page(rnd, citer, counts, title, size.paragraphs)
        (docs / name).write_text(text, encoding="utf-8")
        markdown_bytes += len(text.encode("utf-8"))
        titles.append((name, title))
    (out / "references.bib").write_text(store.text, encoding="utf-8")
    (out / "references-flat.bib").write_text(store.flat_text, encoding="utf-8")
    for name, config in configs(size, _nav(titles)).items():
        (out / name).write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")

    description = {
        "size": asdict(size), "seed": seed, "generator": generator_digest(),
        "citations": counts.citations, "distinct_citations": len(counts.distinct), "notes": counts.notes,
        "entries": store.count, "cited_entries": len(counts.cited_keys),
        "markdown_bytes": markdown_bytes, "bibtex_bytes": len(store.text.encode("utf-8")),
    }
    (out / "corpus.json").write_text(json.dumps(description, indent=2) + "\n", encoding="utf-8")
    return description


def generator_digest() -> str:
    """Identifies this generator's code, so a corpus made by an older one is not reused."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, default=SIZES["small"],
                        help="small, large, huge, or a page count (20 paragraphs, 10 entries per page)")
    parser.add_argument("--out", type=Path, required=True, help="directory to write the brief into")
    parser.add_argument("--seed", type=int, default=2011)
    args = parser.parse_args(argv)
    description = generate(args.size, args.out, args.seed)
    print(json.dumps(description, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
