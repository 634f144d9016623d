# linkvet — the two commands a newcomer needs: `make demo` and `make test`.
# Both create .venv when missing and install what they need; nothing else is assumed.

PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=

.PHONY: demo test test-fast lint bench audit system-deps kafka-jars clean help

help:
	@echo "make demo   - set up .venv and run the end-to-end demo on the sandbox web"
	@echo "make test   - set up everything the tests need and run the suite"
	@echo "make lint   - ruff and mypy"
	@echo "make bench  - the benchmarks (crawl, kafka, score)"
	@echo "make audit  - audit the installed dependencies for known vulnerabilities"

$(STAMP): pyproject.toml constraints.txt setup.py $(wildcard linkvet/*.pyx linkvet/facts/*.pyx)
	@[ -x $(BIN)/python ] || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/linkvet demo

# Debian's Chromium (unless a browser is already there) and kcat, the independent Kafka client.
system-deps:
	@need=""; \
	if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
	   && ! ls $$HOME/.cache/ms-playwright/chromium-* >/dev/null 2>&1; then need="$$need chromium"; fi; \
	command -v kcat >/dev/null 2>&1 || need="$$need kcat"; \
	command -v java >/dev/null 2>&1 || need="$$need openjdk-17-jre-headless"; \
	command -v mvn >/dev/null 2>&1 || need="$$need maven"; \
	if [ -n "$$need" ]; then \
	  echo "installing Debian packages:$$need"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$need; \
	fi

kafka-jars:
	infra/kafka/kafka.sh classpath >/dev/null

test: $(STAMP) system-deps kafka-jars
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/pytest -m "not kafka and not browser and not slow" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check linkvet schemas spiders pipelines flows tests
	$(BIN)/mypy

bench: $(STAMP) system-deps kafka-jars
	$(BIN)/linkvet bench crawl --pages 3000
	$(BIN)/linkvet bench kafka --records 200000
	$(BIN)/linkvet bench score --links 1000000

audit: $(STAMP)
	$(BIN)/pip-audit --progress-spinner off -s pypi --skip-editable --strict

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache .run
