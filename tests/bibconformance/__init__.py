"""BibTeX conformance: ntsbrief's formatting against pandoc run directly on the same .bib."""
