"""ntsbrief: research briefs with pandoc citations, CSL styles and brief-wide notes.

The core (bibliography store, citation syntax, styles, notes, rendering) knows
nothing of MkDocs; ``ntsbrief.plugin`` is the thin MkDocs glue over it.
"""

__version__ = "0.1.0"
