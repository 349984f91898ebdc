"""The editor tools read mkdocs.yml without MkDocs (issue 17): ``project.py``.

``ntsbrief check``, ``fmt`` and ``new-section`` must survive a change of site
generator, so they never import MkDocs; what they read of mkdocs.yml is what
MkDocs reads (compared here with MkDocs' own reading, which the test venv has).
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_cli import project

from ntsbrief.options import OPTIONS, with_defaults
from ntsbrief.project import BUILTIN_EXTENSIONS, ProjectError, Unresolved, load_yaml, page_body, read_project

ROOT = Path(__file__).resolve().parents[1]

# Runs a command of the CLI in this process, then says which MkDocs modules it imported.
IMPORTS_AFTER = """
import sys
from ntsbrief.cli import main
status = main(sys.argv[1:])
print("status", status)
print("mkdocs modules:", sorted(m for m in sys.modules if m == "mkdocs" or m.startswith(("mkdocs.", "material"))))
"""


@pytest.mark.parametrize("command", [["check"], ["fmt", "--check"], ["new-section", "Bondage in Sabah"]])
def test_the_editor_tools_do_not_import_mkdocs(tmp_path, command):
    root = project(tmp_path)
    result = subprocess.run([sys.executable, "-c", IMPORTS_AFTER, *command], cwd=root, capture_output=True,
                            text=True, check=False, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert "Traceback" not in result.stderr, result.stderr
    assert "mkdocs modules: []" in result.stdout, result.stdout
    assert "status 0" in result.stdout or command == ["fmt", "--check"], result.stdout  # the store is not sorted


def test_the_import_check_can_fail(tmp_path):
    """The same probe sees MkDocs when something imports it."""
    probe = IMPORTS_AFTER.replace("from ntsbrief.cli import main",
                                  "import ntsbrief.plugin\nfrom ntsbrief.cli import main")
    result = subprocess.run([sys.executable, "-c", probe, "check"], cwd=project(tmp_path), capture_output=True,
                            text=True, check=False, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert "'mkdocs'" in result.stdout, result.stdout


MKDOCS_YML = """\
site_name: !ENV [NTSBRIEF_TEST_SITE_NAME, "A brief"]
docs_dir: !ENV [NTSBRIEF_TEST_DOCS, pages]
nav:
  - Home: index.md
  - Part:
      - part/one.md
markdown_extensions:
  - admonition
  - toc:
      permalink: true
  - pymdownx.emoji:
      emoji_index: !!python/name:ntsbrief_nowhere.emoji.twemoji
      emoji_generator: !!python/name:markdown.util.AtomicString
  - tables
plugins:
  - search
  - ntsbrief:
      bibliography: !relative $config_dir/refs.bib
      style: apa
"""


def test_mkdocs_custom_tags_are_read_not_refused(tmp_path, monkeypatch):
    (tmp_path / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    monkeypatch.setenv("NTSBRIEF_TEST_DOCS", "content")
    found = read_project(tmp_path / "mkdocs.yml")
    assert found.docs_dir == tmp_path / "content"  # !ENV, set
    assert load_yaml(tmp_path / "mkdocs.yml")["site_name"] == "A brief"  # !ENV's default
    assert found.nav == [{"Home": "index.md"}, {"Part": ["part/one.md"]}]
    assert found.markdown_extensions == [*BUILTIN_EXTENSIONS, "admonition", "pymdownx.emoji"]
    emoji = found.mdx_configs["pymdownx.emoji"]
    assert emoji["emoji_index"] == Unresolved("ntsbrief_nowhere.emoji.twemoji")  # not installed: named, not fatal
    import markdown.util

    assert emoji["emoji_generator"] is markdown.util.AtomicString  # installed: imported, as MkDocs does
    assert found.mdx_configs["toc"] == {"permalink": True}
    assert found.plugin == {"bibliography": "$config_dir/refs.bib", "style": "apa"}


def test_the_same_reading_as_mkdocs(tmp_path):
    """Docs folder, nav and Markdown extensions as MkDocs' load_config gives them:
    the repository's brief, and a file with INHERIT and the mapping form of plugins."""
    from mkdocs.config import load_config

    (tmp_path / "base.yml").write_text("site_name: Base\ndocs_dir: sections\nmarkdown_extensions: [footnotes]\n"
                                       "plugins: {search: {}, ntsbrief: {style: apa}}\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("INHERIT: base.yml\nnav: [index.md]\nmarkdown_extensions:\n  - toc:\n"
                                         "      permalink: '#'\n", encoding="utf-8")
    (tmp_path / "sections").mkdir()
    for config_file in (ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml"):
        theirs = load_config(str(config_file))
        ours = read_project(config_file)
        assert (str(ours.docs_dir), ours.nav) == (theirs.docs_dir, theirs.nav)
        assert ours.markdown_extensions == theirs.markdown_extensions
        assert ours.mdx_configs == {k: v for k, v in theirs.mdx_configs.items() if v}
    assert read_project(tmp_path / "mkdocs.yml").plugin == {"style": "apa"}


@pytest.mark.parametrize("text", [
    "---\ntitle: Home\n---\n\n# Home\n",
    "---\ntitle: Home\n...\n# Home\n",
    "---\n- a list\n---\n# Home\n",  # not a mapping: MkDocs keeps it as text
    "---\ntitle: [unclosed\n---\n# Home\n",  # not YAML: kept
    "Title: Home\nAuthors: A\n    B\n\n# Home\n",  # MultiMarkdown
    "Title: Home\r\nNot meta\r\n# Home\r\n",
    "# Home\n\nNote: not meta, after a heading.\n",
    "\n\n# Home\n",
])
def test_a_pages_body_is_what_mkdocs_converts(text):
    from mkdocs.utils.meta import get_data

    assert page_body(text) == get_data(text)[0]


def test_the_options_schema_is_the_plugins():
    """OPTIONS (read without MkDocs) and the plugin's NtsBriefConfig declare the same
    options, types and defaults."""
    from ntsbrief.plugin import NtsBriefConfig

    config = NtsBriefConfig()
    config.load_dict({})
    assert config.validate() == ([], [])
    assert dict(config) == with_defaults({})
    declared = {name: getattr(getattr(option, "option", option), "_type", None) for name, option in config._schema}
    assert declared == {name: option.kind for name, option in OPTIONS.items()}


@pytest.mark.parametrize("text, message", [
    ("nav: index.md\n", "'nav' must be a list"),
    ("- a\n- b\n", "not a mapping of settings"),
    ("site_name: [\n", "not valid YAML"),
    ("markdown_extensions: [{toc: 1}]\n", "'markdown_extensions' holds"),
])
def test_a_configuration_it_cannot_use_is_named(tmp_path, text, message):
    (tmp_path / "mkdocs.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ProjectError, match=message):
        read_project(tmp_path / "mkdocs.yml")


def test_check_leaves_out_an_extension_that_cannot_load_and_says_so(tmp_path):
    from test_cli import run

    root = project(tmp_path)
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(config.replace("markdown_extensions:\n", textwrap.dedent("""\
        markdown_extensions:
        - pymdownx.emoji:
            emoji_index: !!python/name:ntsbrief_nowhere.twemoji
        """)), encoding="utf-8")
    result = run(root, "check")
    assert result.returncode == 0, result.stdout
    assert ("warning: Markdown extension 'pymdownx.emoji' cannot be loaded (it names ntsbrief_nowhere.twemoji, "
            "which is not installed); pages were checked without it") in result.stdout
