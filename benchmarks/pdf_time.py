"""How long the brief's PDF takes: a build with the PDF against the same build without it.

    .venv/bin/python benchmarks/pdf_time.py --corpus "$TMPDIR/ntsbrief-bench/large"   # a generated brief
    .venv/bin/python benchmarks/pdf_time.py --corpus .                                # the Alert

Each build is run once with a warm citation cache: first without the PDF (``pdf: false``),
then with it typeset (its cached copy removed first), then again with the PDF read back
from the cache. Wall time, and the PDF's size and pages, are printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pypdf
import yaml


def with_pdf(corpus: Path, config: str, pdf: bool) -> Path:
    """A copy of ``config`` beside it with the PDF on or off."""
    data = yaml.safe_load((corpus / config).read_text(encoding="utf-8"))
    for plugin in data.get("plugins", []):
        if isinstance(plugin, dict) and "ntsbrief" in plugin:
            options = plugin["ntsbrief"] or {}
            options.pop("pdf", None)
            if not pdf:
                options["pdf"] = False
            plugin["ntsbrief"] = options
    path = corpus / f"pdf-time-{'on' if pdf else 'off'}.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def build(config: Path, site: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(site)],
                   check=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="the brief's folder (with its mkdocs.yml)")
    parser.add_argument("--config", default="mkdocs.yml")
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    site = Path(tempfile.mkdtemp(prefix="ntsbrief-pdf-time-")) / "site"
    off, on = with_pdf(corpus, args.config, False), with_pdf(corpus, args.config, True)
    build(off, site)  # the citation cache warm
    without = build(off, site)
    for cached in corpus.rglob(".cache/ntsbrief/brief-pdf"):
        cached.unlink()
    typeset = build(on, site)
    cached = build(on, site)
    pdf = next(site.glob("*.pdf"))
    pages = len(pypdf.PdfReader(pdf).pages)
    print(f"{corpus.name}: without the PDF {without:.1f} s; typesetting it {typeset:.1f} s "
          f"(+{typeset - without:.1f} s); read back from the cache {cached:.1f} s (+{cached - without:.1f} s); "
          f"{pdf.name}: {pages} pages, {pdf.stat().st_size / 1e6:.1f} MB")
    for path in (off, on):
        path.unlink()
    shutil.rmtree(site.parent)


if __name__ == "__main__":
    main()
