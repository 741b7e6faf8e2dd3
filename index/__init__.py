"""Semantic search over a built index (embeddings, faiss, BM25). Not built yet: see issue 3."""
