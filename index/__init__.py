"""The search part of an index: embeddings (:mod:`index.encoder`), the vector cache, faiss and BM25
(:mod:`index.store`, :mod:`index.lexical`), hybrid questions (:mod:`index.searcher`), and the build that
puts an index directory together (:mod:`index.build`, on Ray: :mod:`index.distributed`)."""
