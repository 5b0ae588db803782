# tutorial-rnn: `make book` builds the website, `make test` runs every check.
# Both create .venv on first use and install the pinned requirements and the package.

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
TOC     := $(CURDIR)/book/_toc.yml
# Strict: nitpicky, warnings are errors, but report them all before failing.
JB_STRICT := -n -W --keep-going
FAST_OUT  := _build/fast
# written only by a `make book` that succeeded (see the book target)
BOOK_OK   := _build/.book-succeeded
# Third-party JavaScript the site serves itself (no CDN): fetched from the npm registry at these
# exact versions into book/_vendor (ignored by git), published under _static/ by Sphinx.
VENDOR    := book/_vendor
MATHJAX   := 3.2.2
REQUIREJS := 2.3.4
HTML_MANAGER := 1.0.6

.DEFAULT_GOAL := help
.PHONY: help package-cache setup book book-clean test unit browser lint fast-book prose-check stability linkcheck lab bench bench-quick clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s "$$(printf '\t')"

$(STAMP): requirements.txt requirements-dev.txt requirements-corpus.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-corpus.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

setup: $(STAMP) $(VENDOR)/.stamp  ## create .venv, install everything, fetch the site's JavaScript

$(VENDOR)/.stamp: Makefile
	rm -rf $(VENDOR) _build/npm && mkdir -p $(VENDOR)/mathjax $(VENDOR)/widgets/html-manager _build/npm
	cd _build/npm && npm pack --silent mathjax@$(MATHJAX) requirejs@$(REQUIREJS) \
		@jupyter-widgets/html-manager@$(HTML_MANAGER) > /dev/null
	cd _build/npm && for f in *.tgz; do mkdir -p "$${f%.tgz}" && tar -xzf "$$f" -C "$${f%.tgz}"; done
	cd _build/npm/mathjax-$(MATHJAX)/package/es5 && cp -r tex-mml-chtml.js input output a11y ui sre adaptors \
		$(CURDIR)/$(VENDOR)/mathjax/
	cp _build/npm/mathjax-$(MATHJAX)/package/LICENSE $(VENDOR)/mathjax/
	cp _build/npm/requirejs-$(REQUIREJS)/package/require.js _build/npm/requirejs-$(REQUIREJS)/package/README.md \
		$(VENDOR)/widgets/
	cd _build/npm/jupyter-widgets-html-manager-$(HTML_MANAGER)/package/dist && \
		cp embed-amd.js *.embed.js *.woff *.woff2 *.ttf *.eot *.svg $(CURDIR)/$(VENDOR)/widgets/html-manager/
	touch $@

# The execution cache is keyed on the notebooks' code alone: when the package's code changes,
# forget it, so that every output in the book comes from the package as it is now. (A content
# hash, not file times, so a fresh checkout with a restored cache keeps it.)
# what the notebooks' outputs depend on besides their own code: the package (code and shipped checkpoint) and the recorded benchmark runs
PACKAGE_HASH = $(shell cat $$(find src -name "*.py" -o -name "*.safetensors" -o -name "*.json" -o -name "*.js" -o -name "*.css" -o -name "*.html" | sort) $$(find benchmarks/results -name '*.json' 2>/dev/null | sort) | sha256sum | cut -c1-16)
package-cache:
	@if [ "$$(cat _build/.package-hash 2>/dev/null)" != "$(PACKAGE_HASH)" ]; then \
		echo "package changed: clearing the notebook execution cache"; \
		rm -rf _build/.jupyter_cache _build/jupyter_execute $(BOOK_OK); \
		mkdir -p _build && echo "$(PACKAGE_HASH)" > _build/.package-hash; fi

# A failed or interrupted build must never be followed by a "built" that hides it: the success stamp
# is written only after a build that succeeded. When it is missing but an earlier build left pages
# behind, the next build re-reads every page in a fresh Sphinx environment (--all), so every
# notebook is executed again unless jupyter-cache holds a successful run of it (cached ones stay
# cached); .ci/book_report.py names the notebooks it will run again, and prints each notebook's
# execution time at the end.
book: $(STAMP) $(VENDOR)/.stamp package-cache  ## build the website (notebooks executed, results cached) into _build/html
	@fresh=""; \
	if [ ! -f $(BOOK_OK) ] && [ -d _build/.doctrees ]; then \
		echo "The last build of the book did not succeed: rebuilding every page (fresh Sphinx environment)."; \
		fresh="--all"; fi; \
	rm -f $(BOOK_OK); \
	$(BIN)/python .ci/book_report.py pending --toc $(TOC) --cache _build/.jupyter_cache; \
	$(BIN)/jupyter-book build book/ --config _config.yml --toc $(TOC) $(JB_STRICT) $$fresh
	@$(BIN)/python .ci/book_report.py times --toc $(TOC) --cache _build/.jupyter_cache
	@touch $(BOOK_OK)
	@echo "The book is built: open file://$(CURDIR)/_build/html/index.html"

book-clean:  ## forget the built website and the execution cache
	rm -rf _build/html _build/.doctrees _build/jupyter_execute _build/.jupyter_cache $(BOOK_OK)

unit: $(STAMP)  ## the unit tests alone
	$(BIN)/python -m pytest -q --ignore=tests/browser

browser: $(STAMP)  ## real-browser tests of the built site (Debian chromium; run after a build)
	$(BIN)/python -m pytest -q -rs tests/browser

lint: $(STAMP)  ## ruff on the package, tests, benchmarks and notebooks
	$(BIN)/ruff check .

fast-book: $(STAMP) $(VENDOR)/.stamp  ## strict build with every notebook executed afresh in fast mode
	rm -rf $(FAST_OUT)
	TUTORIAL_RNN_FAST=1 $(BIN)/jupyter-book build book/ --config _config.yml --toc $(TOC) \
		--path-output $(FAST_OUT) $(JB_STRICT)
	@$(BIN)/python .ci/book_report.py times --toc $(TOC) --cache $(FAST_OUT)/_build/.jupyter_cache

# Rule 4 of tests/test_prose_numbers.py (numbers a notebook prints, typed into its prose) reads the
# executed notebooks of the build named by TUTORIAL_RNN_EXECUTED; it is collected only then, and a
# missing or stale executed copy fails it (never a skip).
prose-check: $(STAMP)  ## the prose-number checks against the fast build (run after fast-book)
	TUTORIAL_RNN_EXECUTED=$(CURDIR)/$(FAST_OUT)/_build/jupyter_execute $(BIN)/python -m pytest -q -rs \
		tests/test_prose_numbers.py -k printed_figure_typed

test: lint unit fast-book prose-check  ## everything CI runs: lint, unit tests, strict fast-mode build, prose checks on it, browser
	TUTORIAL_RNN_SITE=$(FAST_OUT)/_build/html $(BIN)/python -m pytest -q -rs tests/browser
	@echo "make test: all checks passed"

stability: $(STAMP)  ## every notebook in fast mode at 1 and at 2 threads; every glued value compared (not in CI; ~2x a fast build)
	$(BIN)/python .ci/stability.py --out _build/stability

linkcheck: $(STAMP) $(VENDOR)/.stamp  ## check external links (needs internet; CI does not run it)
	$(BIN)/jupyter-book build book/ --config _config.yml --toc $(TOC) --builder linkcheck \
		--path-output _build/linkcheck

lab: $(STAMP)  ## JupyterLab on book/chapters/ (widgets work)
	$(BIN)/jupyter lab --notebook-dir=book/chapters

bench: $(STAMP)  ## the whole benchmark suite as one table, book builds included (~15 min; saves benchmarks/results/latest.json)
	$(BIN)/python benchmarks/suite.py --book --json benchmarks/results/latest.json

bench-quick: $(STAMP)  ## the suite without the book builds, fewer repeats
	$(BIN)/python benchmarks/suite.py --quick

clean:  ## remove builds, caches and fetched JavaScript (keeps .venv)
	rm -rf _build $(VENDOR) .pytest_cache .ruff_cache
