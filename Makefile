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
GLOVE := --threads 1 --seed 42 --filter-profanity

.PHONY: test data bench lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

data: $(STAMP)
	$(PY) -m pipeline.sources $(CACHE)
	$(PIPELINE) glove $(ENGLISH)/*.txt $(GLOVE) --save-vectors $(CACHE)/words-en.vectors.txt -o data/words-en.ds.tsv.gz
	$(PIPELINE) glove $(LANGUAGES)/*.txt $(GLOVE) --group-by-file --max-words 40000 -o data/languages.ds.tsv.gz
	$(PIPELINE) info data/words-en.ds.tsv.gz
	$(PIPELINE) info data/languages.ds.tsv.gz

$(CACHE)/words-en.vectors.txt:
	$(MAKE) data

bench: $(STAMP) $(CACHE)/words-en.vectors.txt
	$(PY) -m pipeline.bench --vectors $(CACHE)/words-en.vectors.txt --corpus $(ENGLISH) --out bench-results

lint: $(STAMP)
	$(PY) -m pip install --quiet ruff
	$(VENV)/bin/ruff check explorer pipeline tests

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
