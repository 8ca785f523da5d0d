"""The keyword index: tokenisation (text), segments and BM25 (store), the index itself (index)."""
