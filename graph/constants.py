"""Every threshold and tuning constant of the pipeline, named, with the reason for its value.

Modules import from here instead of writing bare numbers; a benchmark that moves a value
moves it here, and the reason changes with it.
"""

from __future__ import annotations

from typing import Literal

# --- files ------------------------------------------------------------------------------------
CSV_ENCODING = "utf-8-sig"  # UTF-8 with a BOM: Excel on Chinese Windows otherwise reads CSV as GBK (乱码)

# --- reading ----------------------------------------------------------------------------------
TOC_SAME_POSITION_RATIO = 0.6  # a contents entry and the table at its position pair up when this similar
TOC_BEST_MATCH_RATIO = 0.75  # otherwise an entry pairs with its most similar table only when this similar
WEIGHT_TOLERANCE = 0.01  # indicator weights + 预算执行率权重 may miss 100 by rounding, no more
# No project's amount reaches 10^9 万元 (10 万亿元, a third of the national general budget): such a
# value is a misread (a 400-digit cell, a concatenation), refused as an amount with a warning.
MAX_AMOUNT_WAN = 10**9
MAX_WEIGHT = 100  # a weight (权重, 预算执行率权重) is a share of 100 points

# A build keeps the parsed projects in memory up to this many (about 14 KB each: 280 MiB); past it,
# every stage reads them back from the spill on disk (graph.spill), one at a time, which costs
# about 0.12 ms a project a pass (bench/bench_million.py --build).
SPILL_HELD = 20_000

# --- search index -----------------------------------------------------------------------------
FLAT_MAX = 20_000  # bench/bench_faiss.py: flat costs 0.6 ms at 10k, 6.6 ms at 50k; HNSW ~0.5 ms, recall@10 0.998
HNSW_M = 32  # HNSW links per node (faiss default range 16-64; 32 kept recall@10 at 0.998)
HNSW_EF_CONSTRUCTION = 200  # build-time beam; higher buys recall with build time
HNSW_EF_SEARCH = 128  # query-time beam
FAISS_TRAIN_ROWS = 200_000  # rows, evenly spread, the 8-bit codes learn each dimension's range from
FAISS_ADD_BATCH = 65_536  # rows added to faiss at a time (read from the vectors file, not all at once)
EMBED_BATCH = 8_192  # projects whose texts are embedded and written at a time (all four fields)
BM25_K1 = 1.2  # term-frequency saturation (the usual 1.2)
BM25_B = 0.75  # length normalisation (the usual 0.75)
USERDICT_MAX_TERM = 10  # corpus terms longer than this (characters) are not added to jieba's dictionary

# --- ranking ----------------------------------------------------------------------------------
LEXICAL_WEIGHT = 0.5  # weight of BM25 when the best lexical match holds the whole query (bench_search.py)
EVIDENCE_POWER = 3.0  # partial lexical matches count less than in proportion: weight·evidence^power
FIELD_WEIGHT = 0.5  # dense score = (1-w)·sim(all fields) + w·max sim(one field)
CANDIDATES = 2000  # rows taken from faiss (and from BM25) for re-ranking with the per-field vectors
SNIPPET_CHARS = 90  # a hit's snippet is cut to this many characters, with an ellipsis
# A question with no good match (bench/bench_search.py --floor): its best project's dense score stands
# less than this above the corpus's median for it.  On the 54 labelled questions the least margin of
# a right answer was 0.032; off-topic ones (senlin fanghuo unread, 足球世界杯门票, asdf qwer) 0.019–0.026.
RELEVANCE_MARGIN = 0.028
RELEVANCE_SAMPLE = 1024  # rows, evenly spread, whose median stands for the corpus's
LEXICAL_GOOD = 0.5  # ...unless the best lexical match holds this share of the query's terms (idf-weighted)
MAX_QUERY_CHARS = 1000  # longer questions are cut (with a notice): the model reads 512 tokens at most

# --- regions ----------------------------------------------------------------------------------
REGION_SCOPES = ("within", "across")  # similar/duplicates: the same region as the project, or the others
SHARED_ACROSS = ("regions", "years")  # shared-docs --across: count the regions (or years) citing a document

# --- commands: the defaults of the library's calls, which the command lines import ------------
TOP_HITS = 10  # query, similar: results shown
TOP_PAIRS = 20  # duplicates: pairs shown (every candidate goes to --csv and --excel)
MIN_PAIR_SCORE = 0.0  # duplicates: every candidate kept unless a floor is asked for
SearchMode = Literal["fused", "dense", "lexical"]
SEARCH_MODES: tuple[SearchMode, ...] = ("fused", "dense", "lexical")  # query: dense and BM25 fused, or one alone
VIEW_DEPTH = 2  # graph: links shown around a project
OVERVIEW_ABOVE = 300  # graph: a citation graph of more projects is drawn as departments, opened on click
OVERVIEW_SHARED = 2  # graph overview: a document is drawn when at least this many departments cite it
MIN_SHARED_PROJECTS = 2  # shared-docs: a document is shared when this many projects cite it
EngineName = Literal["local", "ray"]
ENGINE_NAMES: tuple[EngineName, ...] = (
    "local",
    "ray",
)  # where a build or the duplicates pass runs; the first is the default
WORKERS = 2  # build: processes that read the files (local), or Ray workers started on this machine, one model each
PARALLEL_MIN_FILES = 16  # local build: fewer files are read in the build's own process (two workers start in ~1.5 s)
PARALLEL_MIN_TEXTS = 5_000  # local build: fewer projects' texts are cut for BM25 in the build's own process
# lineage: by status (same, renamed, dropped, new; the default), by the budget's change in 万元 or in
# per cent (largest first, either way), or by the later budget
LINEAGE_SORTS = ("status", "change", "pct", "amount")
WARNINGS_SHOWN = 5  # build: warnings printed per code; the rest counted (all in diagnostics.csv)
FAIL_STATUS = 2  # lint --fail-on: the exit status when a finding at that severity or worse is shown

# --- duplicates -------------------------------------------------------------------------------
DUP_NEIGHBOURS = 10  # faiss neighbours per project taken as candidate pairs
DUP_CLUSTER_THRESHOLD = 0.5  # pairs scoring at least this are grouped into review clusters
DUP_WEIGHTS = {"semantic": 0.45, "sentences": 0.30, "documents": 0.10, "indicators": 0.15}  # sum to 1
SEM_FLOOR, SEM_CEIL = 0.86, 0.97  # cosines of unrelated texts of this genre, and of near-copies (sample)
CONTAINED = 0.8  # a sentence is copied when this share of its 3-grams lies in the other sentence
MINHASH_SLACK = 0.15  # MinHash estimates within this of CONTAINED are checked exactly
MINHASH_PERMUTATIONS = 64  # signature length: estimate error about 1/sqrt(64) = 0.125
LSH_BANDS = 16  # MinHash LSH: 16 bands of 4 rows; two sentences of Jaccard s meet with 1-(1-s^4)^16
#                 (s=0.5: 0.65, s=0.7: 0.98, s=0.9: 1.0); bench/bench_duplicates.py measures it
LSH_MAX_BUCKET = 8  # a sentence band shared by more projects is a template (群众满意度…), not a copy;
#                     with 50, the synthetic 1,000 of bench_duplicates gave 24 LSH pairs per project
RAY_PAIR_BLOCK = 2000  # candidate pairs scored per Ray task of the duplicates pass (a few seconds' work)
RAY_BATCH_TEXTS = 64  # texts per Ray Data batch sent to an embedding actor (the model batches 32 at a time)
KNN_BATCH = 4096  # faiss kNN queries per batch: memory stays flat as the corpus grows
SENTENCE_BATCH = 1024  # projects whose sentences are hashed and signed in one array operation (~100 MiB)
PAIR_BATCH = 65_536  # candidate pairs scored per block of the duplicates pass (their vector rows read at once)
MIN_SENTENCE_CHARS = 8  # shorter sentences (headings, 1. 2.) are not compared
TEMPLATE_SENTENCES, TEMPLATE_COSINE = 0.3, 0.93  # different places, shared wording: a template
DUPLICATE_SENTENCES, DUPLICATE_COSINE = 0.6, 0.97  # most sentences shared, or texts near-identical
INDICATOR_IDF_FLOOR = 0.1  # an indicator every project has still counts a little
COPIED_TEXT_MIN_CHARS = 20  # lint: texts shorter than this are too generic to call copied
COPIED_OTHERS_NAMED = 10  # projects a copied-text finding names; the rest are counted (a template copied 1,000 times)
QUALITATIVE_WEIGHT_SHARE = 0.5  # lint: more of the weight than this on 定性 indicators is qualitative-heavy

# --- lineage across years ---------------------------------------------------------------------
LINEAGE_MIN_SIMILARITY = 0.55  # a renamed project: names and texts at least this alike (0..1)

# --- workbench --------------------------------------------------------------------------------
COMMUNITY_SEED = 0  # Louvain is randomised: a fixed seed makes reports reproducible
COMMUNITY_INDICATOR_FLOOR = 0.1  # an indicator shared by many projects links them this little
COMMUNITY_INDICATOR_SPREAD = 5  # an indicator shared by 1/5 of the projects no longer links them
COMMUNITY_LABEL_TERMS = 3  # words in a community's label
LAYOUT_SEED = 7  # spring layout of the HTML view: fixed, so the picture is the same each time
LAYOUT_ITERATIONS = 120  # spring layout iterations (stable on the sample's ~500 nodes)
LABEL_CHARS = 14  # node labels in the HTML view are cut to this many characters
