"""``mkdocs serve`` for real: a .bib edit rebuilds; a broken edit is reported with
its location while the preview keeps the last good version of the store."""

import os
import re
import subprocess
import sys
import urllib.request

from conftest import free_port, wait_for, write_site

BIB = "@article{chuang2006, author = {Chuang, Janie}, title = {Sheriff}, journal = {MJIL}, year = {2006}}\n"




def test_serve_rebuilds_on_bib_edit_and_rides_out_a_broken_one(tmp_path):
    write_site(tmp_path, {"index.md": "# Home\n\nAs argued [@chuang2006, 490].\n"},
               plugin={"bibliography": "refs.bib"}, extra_files={"refs.bib": BIB})
    port = free_port()
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
                                  cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                                  env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    try:
        def page(path=""):
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=2).read().decode()
            except OSError:
                return ""

        assert wait_for(lambda: "Chuang, 2006:490" in page()), log_path.read_text()
        # A broken edit of the cited entry itself (mid-typing: a brace not yet closed).
        (tmp_path / "refs.bib").write_text(BIB.replace("{Sheriff}", "{Sheriff"), encoding="utf-8")
        assert wait_for(lambda: re.search(r"WARNING -  ntsbrief: refs\.bib:1: cannot parse this BibTeX block",
                                          log_path.read_text())), log_path.read_text()
        assert wait_for(lambda: "Chuang, 2006:490" in page())
        assert "showing the last good version of chuang2006" in log_path.read_text()
        # An entry that parses but pandoc cannot read (a comma missing between two
        # fields), then one with an undefined macro: each reported where it is, the
        # page showing the last good version meanwhile.
        for broken, message in ((BIB.replace("{Sheriff},", "{Sheriff}"), r"refs\.bib:1: pandoc cannot read entry "
                                 r"'chuang2006': unexpected 'j' \(column \d+\)"),
                                (BIB.replace("{MJIL}", "mjil"), r"refs\.bib:1: undefined @string macro 'mjil'")):
            # MkDocs' log drops any message it has printed before in the session (two
            # builds "built in 0.21 seconds"): wait for this edit's own message instead.
            start = len(log_path.read_text())
            (tmp_path / "refs.bib").write_text(broken, encoding="utf-8")

            def since() -> str:
                return log_path.read_text()[start:]  # noqa: B023 - called within this iteration

            assert wait_for(lambda: re.search(r"WARNING -  ntsbrief: " + message, since())), since()  # noqa: B023
            assert wait_for(lambda: "Reloading browsers" in since()), since()
            assert re.search(r"showing the last good version of '?chuang2006", since()), since()
            assert wait_for(lambda: "Chuang, 2006:490" in page())
            assert 'id="ref-chuang2006"' in page("references/")  # the list is not emptied either
        # A good edit is picked up.
        (tmp_path / "refs.bib").write_text(BIB.replace("2006}}", "2007}}"), encoding="utf-8")
        assert wait_for(lambda: "Chuang, 2007:490" in page()), log_path.read_text()
    finally:
        server.terminate()
        server.wait(timeout=10)
