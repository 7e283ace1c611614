# Flythrough's front door. Every target sets up .venv itself on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIPELINE := $(VENV)/bin/flythrough-pipeline
STAMP := $(VENV)/.installed
CACHE := data/cache
ENGLISH := $(CACHE)/corpora/english
LANGUAGES := $(CACHE)/corpora/languages
# One training thread: hogwild SGD with several threads is not bit-reproducible.
TWEMOJI := @discordapp/twemoji@16.0.1
TWEMOJI_TGZ := discordapp-twemoji-16.0.1.tgz
GLOVE := --threads 1 --seed 42 --filter-profanity

.PHONY: run test data bench bench-explorer bench-research bench-pad bench-kiosk bench-day bench-pipeline bench-tables bench-backends bench-10m bench-pictures bench-cluster lint wheel-check clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The tests also run CLIP, TorchDR and a Dask LocalCluster for real, so they need the clip, torchdr and dask
# extras. torch 2.14.1 with torchvision 0.29.1: a matching pair (torch 2.13 breaks
# torchvision's compiled operators).
TEST_STAMP := $(VENV)/.installed-test
$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet torch==2.14.1 torchvision==0.29.1 -e '.[test,clip,torchdr,dask]'
	touch $(TEST_STAMP)

run: $(STAMP)
	$(VENV)/bin/flythrough

test: $(TEST_STAMP)
	$(PY) -m pytest

data: $(STAMP)
	$(PY) -m pipeline.sources $(CACHE)
	# 60 epochs: wordsim353 ρ still climbs past the default 30 on this corpus.
	$(PIPELINE) glove $(ENGLISH)/*.txt $(GLOVE) --epochs 60 --save-vectors $(CACHE)/words-en.vectors.txt -o data/words-en.ds.tsv.gz
	# Supervised by language (--separate-groups): words of one language never co-occur with another's, so
	# jointly trained vectors leave the languages unrelated and UMAP alone would interleave them.
	$(PIPELINE) glove $(LANGUAGES)/*.txt $(GLOVE) --group-by-file --separate-groups --max-words 40000 -o data/languages.ds.tsv.gz
	# Picture worlds, from data a package ships: scikit-learn's handwritten digits, and the Twemoji
	# pictures (npm), placed by the English world's vectors of their names.
	$(PY) -m pipeline.worlds digits data/digits.ds.tsv.gz
	test -f $(CACHE)/$(TWEMOJI_TGZ) || { command -v npm >/dev/null || { echo 'make data: npm is needed for the Twemoji package (apt-get install npm)' >&2; exit 2; }; \
	  npm pack $(TWEMOJI) --pack-destination $(CACHE); }
	$(PY) -m pipeline.worlds emoji data/emoji.ds.tsv.gz $(CACHE)/$(TWEMOJI_TGZ) $(CACHE)/words-en.vectors.txt
	$(PIPELINE) info data/words-en.ds.tsv.gz
	$(PIPELINE) info data/languages.ds.tsv.gz
	$(PIPELINE) info data/digits.ds.tsv.gz
	$(PIPELINE) info data/emoji.ds.tsv.gz

$(CACHE)/words-en.vectors.txt:
	$(MAKE) data

bench: bench-explorer bench-research bench-pad bench-kiosk bench-day bench-pipeline bench-tables bench-backends bench-10m bench-pictures bench-cluster

# Explorer: the same fixed flight with and without labels, at 140k and 1M points,
# under Xvfb at 1280x720 when there is no display.
XRUN := $(if $(DISPLAY),,xvfb-run -a -s "-screen 0 1920x1080x24")
FLY := $(XRUN) $(VENV)/bin/flythrough --benchmark --size 1280x720 --point-budget 0
FLYLOD := $(XRUN) $(VENV)/bin/flythrough --benchmark --size 1280x720
bench-explorer: $(STAMP)
	mkdir -p bench-results
	$(PY) -m explorer.benchmarks.synthetic data/words-en.ds.tsv.gz 140000 bench-results/cloud-140k.ds.tsv.gz
	$(PY) -m explorer.benchmarks.synthetic data/words-en.ds.tsv.gz 1000000 bench-results/cloud-1m.ds.tsv.gz
	# Labels against no labels, interleaved (this machine is noisy): medians of the pairs.
	for i in 1 2 3; do \
	  $(FLY) bench-results/cloud-140k.ds.tsv.gz --frames 1000 --json bench-results/explorer-140k-labels-$$i.json && \
	  $(FLY) bench-results/cloud-140k.ds.tsv.gz --frames 1000 --labels 0 --json bench-results/explorer-140k-nolabels-$$i.json || exit 1; \
	done
	for i in 1 2; do \
	  $(FLY) bench-results/cloud-1m.ds.tsv.gz --frames 300 --json bench-results/explorer-1m-labels-$$i.json && \
	  $(FLY) bench-results/cloud-1m.ds.tsv.gz --frames 300 --labels 0 --json bench-results/explorer-1m-nolabels-$$i.json || exit 1; \
	done
	# Round points against GL's squares: the same flight at 140k, interleaved.
	for i in 1 2 3; do \
	  $(FLY) bench-results/cloud-140k.ds.tsv.gz --frames 1000 --json bench-results/explorer-140k-round-$$i.json && \
	  $(FLY) bench-results/cloud-140k.ds.tsv.gz --frames 1000 --square-points --json bench-results/explorer-140k-square-$$i.json || exit 1; \
	done
	# Region names: the same 1M cloud with its regions sidecars against without, interleaved.
	test -f bench-results/cloud-1m-named.ds.tsv.gz || { cp bench-results/cloud-1m.ds.tsv.gz bench-results/cloud-1m-named.ds.tsv.gz && \
	  $(PIPELINE) regions bench-results/cloud-1m-named.ds.tsv.gz; }
	for i in 1 2 3; do \
	  $(FLY) bench-results/cloud-1m-named.ds.tsv.gz --frames 300 --json bench-results/explorer-1m-names-$$i.json && \
	  $(FLY) bench-results/cloud-1m.ds.tsv.gz --frames 300 --json bench-results/explorer-1m-nonames-$$i.json || exit 1; \
	done
	$(FLY) bench-results/cloud-140k.ds.tsv.gz --frames 10000 --json bench-results/explorer-140k-10k-frames.json
	$(PY) -m explorer.benchmarks.summary bench-results

# Research tools at a million points: search keystrokes, clicks, group toggles, and
# plain flight against flight with the tools in use (interleaved pairs).
bench-research: $(STAMP)
	mkdir -p bench-results
	$(PY) -m explorer.benchmarks.synthetic data/words-en.ds.tsv.gz 1000000 bench-results/cloud-1m.ds.tsv.gz
	$(XRUN) $(PY) -m explorer.benchmarks.research bench-results/cloud-1m.ds.tsv.gz --json bench-results/research-1m.json

bench-pad: $(STAMP)
	mkdir -p bench-results
	$(XRUN) $(PY) -m explorer.benchmarks.pad_latency data/words-en.ds.tsv.gz --json bench-results/pad-latency.json

SOAK_MINUTES ?= 30
bench-kiosk: $(STAMP)
	mkdir -p bench-results
	$(XRUN) $(VENV)/bin/flythrough --kiosk-soak $(SOAK_MINUTES) --size 1280x720 \
	  --json bench-results/kiosk-soak-$(SOAK_MINUTES).json --log bench-results/kiosk-soak.log

# A festival day: a scripted visitor drives the kiosk through the real pad parser, the bundled
# worlds taking turns. Run it on a quiet machine: other work shows up as slow frames.
DAY_MINUTES ?= 120
bench-day: $(STAMP)
	mkdir -p bench-results
	$(XRUN) $(VENV)/bin/flythrough --kiosk-day $(DAY_MINUTES) --size 1280x720 \
	  --json bench-results/kiosk-day-$(DAY_MINUTES).json --log bench-results/kiosk-day.log

# Ten million points: first frame without and with the binary cache, then flight with the adaptive
# budget; and at 1M, every point against level of detail on the same path; then the research tools
# at 10M. The 10M cloud is written once (with its cache); the cold run deletes the cache first.
bench-10m: $(STAMP)
	mkdir -p bench-results
	$(PY) -m explorer.benchmarks.synthetic data/words-en.ds.tsv.gz 10000000 bench-results/cloud-10m.ds.tsv.gz
	$(PY) -m explorer.benchmarks.synthetic data/words-en.ds.tsv.gz 1000000 bench-results/cloud-1m.ds.tsv.gz
	rm -f bench-results/cloud-10m.ds.cache
	$(FLYLOD) bench-results/cloud-10m.ds.tsv.gz --frames 300 --json bench-results/10m-cold.json
	$(FLYLOD) bench-results/cloud-10m.ds.tsv.gz --frames 300 --json bench-results/10m-warm.json
	for i in 1 2; do \
	  $(FLY) bench-results/cloud-1m.ds.tsv.gz --frames 300 --json bench-results/1m-every-$$i.json && \
	  $(FLYLOD) bench-results/cloud-1m.ds.tsv.gz --frames 300 --json bench-results/1m-lod-$$i.json || exit 1; \
	done
	# Search keystrokes, clicks and group toggles at 10M, on the labels blob and the octree.
	$(XRUN) $(PY) -m explorer.benchmarks.research bench-results/cloud-10m.ds.tsv.gz --pairs 1 \
	  --json bench-results/research-10m.json

# Pictures: 100k points, each with a picture of its own; the same flight with 3000 pictures a frame against dots
# only (interleaved pairs), then 10,000 frames with pictures for memory.
bench-pictures: $(STAMP)
	mkdir -p bench-results
	$(PY) -m explorer.benchmarks.synthetic data/words-en.ds.tsv.gz 100000 bench-results/pictures-100k.ds.tsv.gz --pictures 32
	for i in 1 2 3; do \
	  $(FLY) bench-results/pictures-100k.ds.tsv.gz --frames 600 --pictures 3000 --json bench-results/pictures-$$i.json && \
	  $(FLY) bench-results/pictures-100k.ds.tsv.gz --frames 600 --pictures 0 --json bench-results/pictures-dots-$$i.json || exit 1; \
	done
	$(FLYLOD) bench-results/pictures-100k.ds.tsv.gz --frames 10000 --pictures 3000 --json bench-results/pictures-10k-frames.json

# Reading a 1M x 384 Parquet file (1.5 GB, written once into bench-results/): ours vs pyarrow + NumPy alone.
bench-tables: $(STAMP)
	$(PY) -m pipeline.benchmarks.tables

bench-pipeline: $(STAMP) $(CACHE)/words-en.vectors.txt
	$(PY) -m pipeline.benchmarks.commands --vectors $(CACHE)/words-en.vectors.txt --corpus $(ENGLISH) --out bench-results

bench-backends: $(TEST_STAMP)
	mkdir -p bench-results
	$(PY) -m pipeline.benchmarks.backends --sizes 20000 --backends umap-learn,umap-parallel,torchdr --json bench-results/backends-20k.json

# 1M x 50 vectors: umap-learn in one process against a Dask LocalCluster of two workers (fit on 200k, the
# rest transformed), in the same run; and a model of time against workers at 10M and 100M points.
bench-cluster: $(TEST_STAMP)
	mkdir -p bench-results
	$(PY) -m pipeline.benchmarks.cluster --points 1000000 --workers 2 --json bench-results/cluster-1m.json

# ruff, the import contracts (pyproject.toml) and mypy: the tools are pinned in the lint extra.
# mypy sees the same libraries as the tests (torch & co), so its verdict does not depend on the order.
LINT_STAMP := $(VENV)/.installed-lint
$(LINT_STAMP): $(TEST_STAMP)
	$(PY) -m pip install --quiet -e '.[test,clip,torchdr,dask,lint]'
	touch $(LINT_STAMP)

lint: $(LINT_STAMP)
	$(VENV)/bin/ruff check explorer pipeline tests
	$(VENV)/bin/ruff format --check explorer pipeline tests
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy explorer pipeline

# A plain, non-editable install from the wheel, in a fresh environment, used from another folder:
# the bundled world opens, the kiosk filters rude words, the pipeline's filters and evaluation run.
WHEEL_DIR := build/wheel-check
wheel-check: $(STAMP)
	rm -rf $(WHEEL_DIR) && mkdir -p $(WHEEL_DIR)
	$(PY) -m pip wheel --quiet --no-deps --wheel-dir $(WHEEL_DIR)/dist .
	$(PYTHON) -m venv $(WHEEL_DIR)/venv
	$(WHEEL_DIR)/venv/bin/python -m pip install --quiet $(WHEEL_DIR)/dist/flythrough-*.whl
	cd $(WHEEL_DIR) && $(XRUN) $(CURDIR)/.ci/wheel-check venv/bin

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
