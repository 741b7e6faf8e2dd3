# Two commands do all set-up on a fresh machine:
#   make run    build the index (graph and search) from the bundled sample (build/index)
#   make browse the index as a SQLite database in Datasette (http://127.0.0.1:8001), after `make run`
#   make notebooks  installs Jupyter Lab (the `notebooks` extra) and opens notebooks/ in it
#   make test   lint, type-check and run the tests (doctests and notebooks included); installs a
#               Chinese font and chromium from Debian's packages when missing (scripts/system-deps.sh)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TORCH  ?= 2.13.0

.PHONY: run test lint sysdeps browse notebooks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# torch first, pinned: the CPU build. Unpinned, sentence-transformers would pull GBs of CUDA.
	$(BIN)/pip install --quiet --disable-pip-version-check torch==$(TORCH)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[search,browse,formats,ocr,ray,dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python build_index.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

sysdeps:
	bash scripts/system-deps.sh

test: lint sysdeps
	$(BIN)/python -m pytest

browse: $(STAMP)
	$(BIN)/python search.py database --out build/corpus.db
	$(BIN)/datasette build/corpus.db build/index.reviews.sqlite --crossdb --metadata build/corpus.metadata.json --port 8001

notebooks: $(STAMP) sysdeps
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[search,browse,formats,notebooks]'
	@test -f build/index/search/manifest.json || $(BIN)/python build_index.py
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache *.egg-info
