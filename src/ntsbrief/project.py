"""The brief's project as ``mkdocs.yml`` describes it, read without MkDocs.

The editor tools (``ntsbrief check``, ``fmt``, ``new-section``) need only a few
keys of ``mkdocs.yml``: the ``ntsbrief`` plugin's section, ``nav``, ``docs_dir``
and the Markdown extensions. They read them here, so that they keep working when
MkDocs is missing, broken or replaced by another generator that reads the same
file (ProperDocs, Zensical). What MkDocs' own reading adds is followed where these
keys need it: its YAML tags (``!ENV``, ``!relative``, ``!!python/name:``), ``INHERIT``,
its built-in Markdown extensions, and its reading of a page's front matter.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .loader import Settings

# MkDocs always converts with these, before the configured ones (config/defaults.py).
BUILTIN_EXTENSIONS = ("toc", "tables", "fenced_code")


class ProjectError(Exception):
    """mkdocs.yml cannot be read, or does not describe a brief."""


@dataclass(frozen=True)
class Unresolved:
    """A ``!!python/name:`` value whose module is not installed here (Material's emoji
    index, say, with Material gone): the extension that needs it is left out."""

    name: str


@dataclass
class Project:
    """What the editor tools need of mkdocs.yml."""

    config_file: Path
    docs_dir: Path
    nav: list[Any] | None
    markdown_extensions: list[str] = field(default_factory=list)  # MkDocs' built-ins first
    mdx_configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    plugin: dict[str, Any] | None = None  # the ntsbrief section as written (None: the plugin is not listed)
    site_url: str | None = None


class _TolerantLoader(yaml.SafeLoader):
    """A safe YAML loader that also reads what MkDocs' loader reads: ``!ENV``,
    ``!relative`` and ``!!python/name:`` (imported, never called); any other tag's
    value is read as plain YAML. Nothing is executed."""


def _env(loader: _TolerantLoader, node: yaml.Node) -> Any:
    """``!ENV NAME`` or ``!ENV [NAME, OTHER, default]``: the first variable set, else
    the default (as pyyaml_env_tag, which MkDocs uses, reads it)."""
    if isinstance(node, yaml.ScalarNode):
        names, default = [loader.construct_scalar(node)], None
    else:
        items = [loader.construct_object(child, deep=True) for child in node.value]
        names, default = (items[:-1], items[-1]) if len(items) > 1 else (items, None)
    for name in names:
        if str(name) in os.environ:
            return yaml.load(os.environ[str(name)], Loader=yaml.SafeLoader)  # SafeLoader: plain YAML
    return default


def _python_name(loader: _TolerantLoader, suffix: str, node: yaml.Node) -> Any:
    module, _, name = suffix.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError):
        return Unresolved(suffix)


def _as_plain_yaml(loader: _TolerantLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None


def _relative(loader: _TolerantLoader, node: yaml.Node) -> Any:
    """``!relative``: a path relative to the file, the docs folder or the page (MkDocs); as written."""
    return loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None


_TolerantLoader.add_constructor("!ENV", _env)
_TolerantLoader.add_constructor("!relative", _relative)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/name:", _python_name)
_TolerantLoader.add_multi_constructor("!", _as_plain_yaml)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _as_plain_yaml)  # objects: not made


def load_yaml(path: Path) -> dict[str, Any]:
    """A configuration file as MkDocs reads it (``INHERIT`` merged in), without MkDocs."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProjectError(f"{path}: cannot be read ({error})") from None
    try:
        data = yaml.load(text, Loader=_TolerantLoader)  # a SafeLoader: constructs no objects
    except yaml.YAMLError as error:
        raise ProjectError(f"{path}: not valid YAML: {error}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: not a mapping of settings")
    parent = data.pop("INHERIT", None)
    if isinstance(parent, str):
        return _merged(load_yaml(path.parent / parent), data)
    return data


def _merged(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """MkDocs' INHERIT: mappings merged key by key, anything else replaced by the child's."""
    merged = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_project(config_file: Path) -> Project:
    """The project that ``config_file`` (mkdocs.yml) describes."""
    if not config_file.is_file():
        raise ProjectError(f"{config_file}: not found (run in the brief's folder or pass -f)")
    data = load_yaml(config_file)
    docs = data.get("docs_dir", "docs")
    if not isinstance(docs, str):
        raise ProjectError(f"{config_file}: 'docs_dir' must be a folder's path")
    nav = data.get("nav")
    if nav is not None and not isinstance(nav, list):
        raise ProjectError(f"{config_file}: 'nav' must be a list")
    names, configs = _extensions(data.get("markdown_extensions") or [], config_file)
    docs_dir = Path(os.path.abspath(config_file.parent / docs))  # as MkDocs makes it
    site_url = data.get("site_url")
    return Project(config_file=config_file, docs_dir=docs_dir, nav=nav, markdown_extensions=names,
                   mdx_configs=configs, plugin=_plugin_section(data.get("plugins") or [], config_file),
                   site_url=site_url if isinstance(site_url, str) else None)


def _extensions(given: object, config_file: Path) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The Markdown extensions as MkDocs configures them: its built-ins first, each
    name once, and each one's options."""
    items = [{name: value} for name, value in given.items()] if isinstance(given, dict) else given
    if not isinstance(items, list):
        raise ProjectError(f"{config_file}: 'markdown_extensions' must be a list")
    names: list[str] = list(BUILTIN_EXTENSIONS)
    configs: dict[str, dict[str, Any]] = {}
    for item in items:
        name, options = (next(iter(item.items())) if isinstance(item, dict) and len(item) == 1 else (item, None))
        if not isinstance(name, str) or not isinstance(options, (dict, type(None))):
            raise ProjectError(f"{config_file}: 'markdown_extensions' holds {item!r}, not a name or a name "
                               "with its options")
        if name not in names:
            names.append(name)
        if options:
            configs[name] = options
    return names, configs


def _plugin_section(plugins: object, config_file: Path) -> dict[str, Any] | None:
    """The ntsbrief plugin's options as written (``{}`` when listed without any), or
    None when it is not listed; in either form of ``plugins:`` (a list, a mapping)."""
    entries = list(plugins.items()) if isinstance(plugins, dict) else [
        next(iter(item.items())) if isinstance(item, dict) and len(item) == 1 else (item, None)
        for item in (plugins if isinstance(plugins, list) else [])]
    for name, options in entries:
        if name == "ntsbrief":
            if options is not None and not isinstance(options, dict):
                raise ProjectError(f"{config_file}: the ntsbrief plugin's options must be a mapping")
            return dict(options or {})
    return None


def settings_for(config_file: Path, options: Mapping[str, Any]) -> Settings:
    """The core's settings from the plugin's options (checked, with their defaults)."""
    # Absolute: `mkdocs serve -f mkdocs.yml` gives the first build the path as typed
    # and every rebuild an absolute one, and the session must see one project.
    config_file = Path(os.path.abspath(config_file))
    bibliography = options["bibliography"]
    paths = [bibliography] if isinstance(bibliography, str) else list(bibliography)
    if not all(isinstance(p, str) for p in paths):
        raise ProjectError("ntsbrief: 'bibliography' must be a path or a list of paths")
    return Settings(
        root=config_file.parent, bibliography=tuple(paths), style=options["style"], locale=options["locale"],
        interviews=options["interviews"], unverified_field=options["unverified_field"],
        unverified_note=options["unverified_note"],
        export_fields=tuple(str(name).lower() for name in options["export_fields"]),
        config_name=config_file.name, style_line=line_of(str(config_file), "style"),
    )


# A page's front matter, as MkDocs 1.6 reads it (mkdocs/utils/meta.py): YAML between
# --- lines, else MultiMarkdown's "key: value" lines up to the first blank line.
_YAML_RE = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)
_META_RE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)")
_META_MORE_RE = re.compile(r"^([ ]{4}|\t)(\s*)(?P<value>.*)")


def page_body(text: str) -> str:
    """A page's Markdown without its front matter, exactly as MkDocs gives it to Markdown
    (``tests/test_cli.py`` compares the two)."""
    found = _YAML_RE.match(text)
    if found:
        try:
            data = yaml.safe_load(found.group(1))
        except yaml.YAMLError:
            return text
        return text[found.end():].lstrip("\n") if isinstance(data, dict) else text
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    in_meta = False
    while lines:
        line = lines[0]
        if line.strip() == "":
            lines.pop(0)
            break
        if _META_RE.match(line) or (in_meta and _META_MORE_RE.match(line)):
            in_meta = True
            lines.pop(0)
            continue
        break
    return "\n".join(lines).lstrip("\n")


def nav_files(nav: object) -> list[str]:
    """Every file path named in a nav configuration, at any depth."""
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [p for value in nav.values() for p in nav_files(value)]
    if isinstance(nav, list):
        return [p for item in nav for p in nav_files(item)]
    return []


def line_of(config_file: str | None, option: str) -> int | None:
    """The line of ``option:`` in the plugin's section of mkdocs.yml, for messages."""
    if not config_file:
        return None
    try:
        lines = Path(config_file).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    section = None  # the indentation of the plugin's name, once found
    for number, line in enumerate(lines, 1):
        indent = len(line) - len(line.lstrip(" -"))
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if section is None:
            # `- ntsbrief:` in a list of plugins, or `ntsbrief:` in a mapping of them
            if re.match(r"^\s*(-\s*)?ntsbrief\s*:?\s*(#.*)?$", line):
                section = indent
        elif indent <= section:
            return None  # past the plugin's section
        elif re.match(rf"^\s*{re.escape(option)}\s*:", line):
            return number
    return None
