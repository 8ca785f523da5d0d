"""Corpus: the SQLite catalog (source of truth), versions, the Library that adds/replaces/removes."""
