"""Project invariants: README's commands are what CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands():
    return re.findall(r"```sh\n(.+?)\n```", (ROOT / "README.md").read_text(encoding="utf-8"))


INSTALL_PINNED = "pip install -c constraints.txt -e "  # the known-good versions, everywhere


def test_readme_starts_with_serve_and_test_commands():
    serve, test = readme_commands()[:2]
    assert serve.endswith("mkdocs serve --dirty") and f"{INSTALL_PINNED}." in serve  # the way to preview
    assert test.endswith("python -m pytest") and f"{INSTALL_PINNED}'.[test]'" in test


def test_every_install_uses_the_known_good_versions():
    """README, CONTRIBUTING, .ci/run and the workflows install with constraints.txt, and it
    pins each package the issue names (a range in pyproject.toml, one version here)."""
    texts = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / ".ci" / "run",
             *sorted((ROOT / ".github" / "workflows").glob("*.yml"))]
    for path in texts:
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"pip install .*-e ", line):
                assert "-c constraints.txt" in line, f"{path.name}: {line.strip()}"
    pinned = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
                  if "==" in line and not line.startswith("#"))
    for name in ("mkdocs", "mkdocs-material", "Markdown", "pymdown-extensions", "pypandoc_binary", "bibtexparser",
                 "PyYAML", "properdocs", "python-slugify"):
        assert re.fullmatch(r"\d+(\.\d+)+(\.post\d+)?", pinned.get(name, "")), name


def test_the_installed_versions_are_the_known_good_ones():
    """The environment the tests run in is the pinned one (CI installs with constraints.txt)."""
    from importlib.metadata import PackageNotFoundError, version

    pinned = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
                  if "==" in line and not line.startswith("#"))
    for name in ("mkdocs", "mkdocs-material", "Markdown", "pymdown-extensions", "pypandoc_binary", "bibtexparser",
                 "PyYAML"):
        try:
            assert version(name) == pinned[name], name
        except PackageNotFoundError:  # pragma: no cover - every one is a dependency
            raise AssertionError(f"{name} is not installed") from None


def test_ci_runs_readme_test_command_verbatim():
    test = readme_commands()[1]
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test in ci_lines


def test_mkdocs_is_capped_below_2():
    assert re.search(r'"mkdocs>=1\.6,<2"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_workflows_check_test_build_and_pin_actions():
    import yaml

    workflows = ROOT / ".github" / "workflows"
    pr = yaml.safe_load((workflows / "pull-request.yml").read_text(encoding="utf-8"))
    deploy = yaml.safe_load((workflows / "deploy.yml").read_text(encoding="utf-8"))
    steps = pr["jobs"]["check"]["steps"]
    commands = " ".join(step.get("run", "") for step in steps)
    for needed in ("pip install -c constraints.txt -e '.[test]'", "ruff check", "mypy", "ntsbrief check",
                   "ntsbrief fmt --check", "python -m pytest", "mkdocs build --strict"):
        assert needed in commands
    uses = [step["uses"] for wf in (pr, deploy) for job in wf["jobs"].values() for step in job["steps"]
            if "uses" in step]
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert all(re.search(r"@v\d+\.\d+\.\d+$", u) for u in uses), uses
    assert deploy[True]["push"]["branches"] == ["main"]  # YAML reads the key 'on' as True
