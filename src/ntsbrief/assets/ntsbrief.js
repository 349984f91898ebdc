/* ntsbrief reader features: previews of citations and notes (filled in later). */
