"""Indexing: embedders, the vector store and the keyword index, fed by the Indexer."""
