"""Where the site reads a page differently from pandoc, by design: the dialect list.

ntsbrief reads citations exactly as pandoc does; the *blocks* they sit in are
Python-Markdown's (MkDocs converts the page), and where the two Markdowns
build different blocks, a citation can be read by one and not the other. The
rules below are the only such differences; README ("Where the site and pandoc
differ") explains them to editors. ``EXPECTED`` lists, per corpus document,
each difference the conformance test may find (the rule, and pandoc's source
text of the cluster, or ntsbrief's where pandoc reads none); any other
difference fails the test, and so does an expected one that no longer occurs.
"""

FRONT_MATTER = "front-matter"
RAW_HTML_BLOCK = "raw-html-block"
RAW_TEX_BLOCK = "raw-tex-block"
EXAMPLE_LIST = "example-list"
LINK_DEFINITION = "link-definition"

RULES = {
    FRONT_MATTER: "citations in the YAML front matter (pandoc's `nocite`) are not read: MkDocs takes the "
                  "front matter as page settings",
    RAW_HTML_BLOCK: "Markdown inside a block of raw HTML (`<table>...</table>` starting a line) is not read: "
                    "Python-Markdown passes the block through as HTML; pandoc reads the Markdown between the tags",
    RAW_TEX_BLOCK: "a LaTeX environment (`\\begin{...}...\\end{...}`) is raw TeX to pandoc (dropped from HTML) and "
                   "ordinary text to Python-Markdown, so `@` in it can be read as a citation",
    EXAMPLE_LIST: "`(@label)` starting a line is a pandoc example-list item; Python-Markdown has no example lists, "
                  "so `@label` is read as a citation",
    LINK_DEFINITION: "a line `[@key]: target` at the start of a paragraph is a link reference definition to "
                     "Python-Markdown (not shown); pandoc reads a citation followed by text",
}

EXPECTED: dict[str, list[tuple[str, str]]] = {
    'academic-pandoc--article.md': [
        (FRONT_MATTER, '@brown2016'),
    ],
    'academic-pandoc--presentation.md': [
        (FRONT_MATTER, '@brown2016'),
    ],
    'better-cb--03-personal-research.md': [
        (RAW_HTML_BLOCK, '[@https://www.gnu.org/software/bash/]'),
        (RAW_HTML_BLOCK, '[@https://python.org]'),
        (RAW_HTML_BLOCK, '[@https:r-project.org]'),
        (RAW_HTML_BLOCK, '[@https://python.org]'),
        (RAW_HTML_BLOCK, '[@https://r-project.org]'),
        (RAW_HTML_BLOCK, '[@https://perl.org]'),
        (RAW_HTML_BLOCK, '[@https://www.mathworks.com/]'),
        (RAW_HTML_BLOCK, '[@https://julialang.org/]'),
        (RAW_HTML_BLOCK, '[@https://www.cplusplus.com/]'),
        (RAW_HTML_BLOCK, '[@https://www.rust-lang.org/]'),
        (RAW_HTML_BLOCK, '[@https://www.gnu.org/software/make/]'),
        (RAW_HTML_BLOCK, '[@https://snakemake.github.io/]'),
        (RAW_HTML_BLOCK, '[@https://www.nextflow.io/]'),
        (RAW_HTML_BLOCK, '[@https://www.commonwl.org/]'),
        (RAW_HTML_BLOCK, '[@https://openwdl.org/]'),
        (RAW_HTML_BLOCK, '[@https://drivendata.github.io/cookiecutter-data-science]'),
        (RAW_HTML_BLOCK, '[@https://github.com/Reproducible-Science-Curriculum/rr-init]'),
        (RAW_HTML_BLOCK, '[@https://github.com/snakemake-workflows/snakemake-workflow-template]'),
        (RAW_HTML_BLOCK, '[@https://virtualenv.pypa.io/]'),
        (RAW_HTML_BLOCK, '[@https://rstudio.github.io/renv/index.html]'),
        (RAW_HTML_BLOCK, '[@https://docs.conda.io/]'),
        (RAW_HTML_BLOCK, '[@https://pip.pypa.io/]'),
        (RAW_HTML_BLOCK, '[@https://www.bioconductor.org/]'),
        (RAW_HTML_BLOCK, '[@https://www.rstudio.com/products/package-manager/]'),
        (RAW_HTML_BLOCK, '[@https://docs.conda.io/]'),
        (RAW_HTML_BLOCK, '[@https://atom.io/]'),
        (RAW_HTML_BLOCK, '[@https://www.sublimetext.com/]'),
        (RAW_HTML_BLOCK, '[@https://code.visualstudio.com/]'),
        (RAW_HTML_BLOCK, '[@https://notepad-plus-plus.org/]'),
        (RAW_HTML_BLOCK, '[@https://www.vim.org/]'),
        (RAW_HTML_BLOCK, '[@https://www.gnu.org/software/emacs]'),
        (RAW_HTML_BLOCK, '[@https://jupyter.org/]'),
        (RAW_HTML_BLOCK, '[@https://www.jetbrains.com/pycharm/]'),
        (RAW_HTML_BLOCK, '[@https://www.spyder-ide.org/]'),
        (RAW_HTML_BLOCK, '[@https://www.rstudio.com/]'),
        (RAW_HTML_BLOCK, '[@https://jupyter.org/]'),
        (RAW_HTML_BLOCK, '[@https://rmarkdown.rstudio.com]'),
        (RAW_HTML_BLOCK, '[@https://www.python.org/dev/peps/pep-0008/]'),
        (RAW_HTML_BLOCK, '[@https://github.com/google/styleguide]'),
        (RAW_HTML_BLOCK, '[@https://black.readthedocs.io/en/stable/]'),
        (RAW_HTML_BLOCK, '[@https://github.com/snakemake/snakefmt]'),
        (RAW_HTML_BLOCK, '[@https://www.markdownguide.org/]'),
        (RAW_HTML_BLOCK, '[@https://rmarkdown.rstudio.com]'),
        (RAW_HTML_BLOCK, '[@https://git-scm.com]'),
        (RAW_HTML_BLOCK, '[@https://github.com]'),
        (RAW_HTML_BLOCK, '[@https://gitlab.com]'),
        (RAW_HTML_BLOCK, '[@https://bitbucket.org]'),
        (RAW_HTML_BLOCK, '[@https://desktop.github.com/]'),
        (RAW_HTML_BLOCK, '[@https://www.gitkraken.com/]'),
    ],
    'fleischmann-thesis--10-existing-approaches-to-classification-of-urban-form.md': [
        (RAW_TEX_BLOCK, '@{}'),
    ],
    'fleischmann-thesis--14-morphometric-elements-of-urban-form.md': [
        (RAW_TEX_BLOCK, '@{}'),
        (EXAMPLE_LIST, '@eq_spearman'),
        (EXAMPLE_LIST, '@eq_nrsmd'),
        (EXAMPLE_LIST, '@eq_alisa'),
        (RAW_TEX_BLOCK, '@{}'),
        (RAW_TEX_BLOCK, '@{}'),
        (RAW_TEX_BLOCK, '@{}'),
    ],
    'lua-filters--multiple-bibliographies-sample.md': [
        (FRONT_MATTER, '@Knu86'),
        (FRONT_MATTER, '@Bae'),
    ],
    'rootstock--02-delete-me.md': [
        (LINK_DEFINITION, '[@deep-review]'),
    ],
}
