"""Retrieval: direct lookup, hybrid search, fusion, follow-ups, cross-references, locality."""
