# ampbook: the only commands (STYLE.md practice 14). Each target works on a fresh machine that has
# python3 and make: it creates .venv and installs the project into it when needed.
#
#   make book        build the HTML book (warnings are errors); every chapter is executed, unless
#                    `make test` just executed it on the same code (its nbval run is reused)
#   make lint        ruff over the code, mypy --strict over ampcore/, the layers contract
#   make test        lint, unit tests + doctests, nbval on the notebooks (each chapter runs once:
#                    the run is kept in _build/executed/), the chapters' claim tests on those runs,
#                    `make book` on those runs, then the browser check of every page (headless
#                    Chromium; screenshots in _build/screenshots/)
#   make student     the student edition: the book without the exercises' solutions nor the lab's
#                    answer key (_build/student/_build/html)
#   make pdf         the whole book as one PDF (_build/pdf/ampbook.pdf), printed offline by the system
#                    Chromium from the one-page HTML build (no TeX, no downloaded browser)
#   make reader-notebooks  the executed chapters with their numbers in the prose and plain Markdown
#                    (no MyST roles), for Jupyter, Colab or a download (_build/notebooks; the book's
#                    download buttons give the same notebooks)
#   make notebooks   re-execute notebooks/*.ipynb in place, keep text outputs, strip images
#   make clean       remove _build and caches; `make distclean` also removes .venv
#   make mathjax     (maintainers, needs npm) refresh the offline MathJax in book/_static/mathjax

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
# Extras installed into .venv; environment.yml mirrors them (tests/test_packaging.py checks).
EXTRAS := book,test,dask,gan
MATHJAX_VERSION := 3.2.2

# The venv's bin comes first, so jupyter-book, pytest and the notebook kernels they start all use
# the venv, where ampcore is installed (the kernel's cwd is notebooks/, not the repo root).
export PATH := $(BIN):$(PATH)
# MPLBACKEND in the environment reaches the kernels and overrides the inline backend: the book
# then builds with no figures (research/toolchain.md section 6). Never pass it on.
unexport MPLBACKEND

HAVE_NOTEBOOKS = compgen -G 'notebooks/*.ipynb' > /dev/null
# pytest with two workers (pytest-xdist): the machines we target have 2 cores.
PYTEST := python -m pytest -n 2
# nbval: one kernel per notebook, each notebook whole on one worker (--dist loadfile). The plugin
# tools/nbval_record.py keeps every successful execution in _build/executed/ for the claim tests
# and the book (tools/seed_cache.py), stamped with the chapter's code and ampcore fingerprint.
NBVAL := $(PYTEST) --dist loadfile -o addopts="" -ra --strict-markers -p no:cacheprovider -p tools.nbval_record \
  --nbval-lax --nbval-current-env --nbval-sanitize-with nbval_sanitize.cfg

.PHONY: help install lint book test notebooks clean distclean mathjax student pdf reader-notebooks

help:
	@echo "make book       build the book into _build/html (open _build/html/book/intro.html)"
	@echo "make lint       ruff over the code, mypy --strict over ampcore/, the layers contract"
	@echo "make test       lint, unit tests + doctests, nbval on notebooks/, make book, then the browser check"
	@echo "make student    the student edition (no solutions, no answer key) into _build/student/_build/html"
	@echo "make pdf        the whole book as one PDF, _build/pdf/ampbook.pdf (needs the system Chromium)"
	@echo "make reader-notebooks  executed chapters with their numbers in the prose (no MyST roles) in _build/notebooks"
	@echo "make notebooks  re-execute notebooks/*.ipynb in place (text outputs kept, images stripped)"
	@echo "make clean      remove _build and caches (make distclean also removes .venv)"
	@echo "make bench      speed and memory benchmarks (writes benchmarks/results/*.csv; installs R + FNN via apt when root)"
	@echo "make install    only create .venv and install .[$(EXTRAS)] (the other targets do this)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml | $(BIN)/python
	"$(BIN)/python" -m pip install --quiet --disable-pip-version-check -e '.[$(EXTRAS)]'
	"$(BIN)/python" tools/install_kernel.py  # the venv's python3 kernels over IPC, not TCP (ampcore/book/kernels.py)
	touch $@

install: $(STAMP)

# --all: Sphinx would otherwise keep pages (and figures) built from an older ampcore. The execution
# cache is emptied and seeded only with executions of the current code (tools/seed_cache.py).
book: $(STAMP)
	python tools/seed_cache.py notebooks _build/executed _build/.jupyter_cache
	jupyter-book build --all -W --keep-going .
	@test -s _build/html/book/intro.html || { echo "make book: ERROR: _build/html/book/intro.html was not built" >&2; exit 1; }
	@# the download button's notebooks: executed, numbers in the prose, plain Markdown (tools/reader_notebooks.py)
	@if compgen -G '_build/jupyter_execute/notebooks/*.ipynb' > /dev/null; then \
	  python tools/reader_notebooks.py _build/jupyter_execute/notebooks _build/html/_sources/notebooks; fi
	@if $(HAVE_NOTEBOOKS); then \
	  compgen -G '_build/html/_images/*.png' > /dev/null || { echo "make book: ERROR: notebooks/ has notebooks but _build/html/_images/ has no PNG figure (is MPLBACKEND set in the kernel?)" >&2; exit 1; }; \
	  echo "make book: $$(ls _build/html/_images/*.png | wc -l) PNG figure(s) in _build/html/_images/"; \
	fi
	@echo "make book: done. Open file://$(CURDIR)/_build/html/book/intro.html"
	@echo "           (for search: python3 -m http.server -d _build/html, then http://localhost:8000/book/intro.html)"

# The student edition: the book's configuration with sphinx-exercise's hide_solutions and the
# teaching page's answer key left out (tools/edition_config.py), the same execution cache as `make book`.
student: $(STAMP)
	python tools/seed_cache.py notebooks _build/executed _build/.jupyter_cache
	python tools/edition_config.py student _build/student-config.yml
	jupyter-book build --all -W --keep-going --config _build/student-config.yml --path-output _build/student .
	@echo "make student: done. Open file://$(CURDIR)/_build/student/_build/html/book/intro.html"

# The whole book as one PDF: the one-page build (singlehtml: chapter numbers, figures and offline
# MathJax as in the book) printed by the system Chromium with playwright (tools/print_pdf.py
# checks that every figure loaded and every formula was typeset, with the network off).
pdf: $(STAMP)
	python tools/seed_cache.py notebooks _build/executed _build/.jupyter_cache
	python tools/edition_config.py print _build/print-config.yml
	jupyter-book build --all -W --keep-going --builder singlehtml --config _build/print-config.yml --path-output _build/print .
	python tools/print_pdf.py _build/print/_build/singlehtml/book/intro.html _build/pdf/ampbook.pdf
	@echo "make pdf: done: $(CURDIR)/_build/pdf/ampbook.pdf"

# Executed chapters for Jupyter, Colab or a download: numbers substituted into the prose, MyST
# roles and fences turned into plain Markdown (from the book's own executions: `make book` first).
reader-notebooks: book
	python tools/reader_notebooks.py _build/jupyter_execute/notebooks _build/notebooks

# ruff (pyflakes-level, config in pyproject.toml) over the code, mypy --strict over ampcore/, and
# the layers contract (core <- studies <- book <- cli; tests/test_layers.py reads every import).
lint: $(STAMP)
	ruff check ampcore tests benchmarks tools book/_ext
	mypy
	python -m pytest -q -o addopts="" -p no:cacheprovider tests/test_layers.py

test: $(STAMP) lint
	$(PYTEST) tests ampcore -m "not browser" --ignore-glob='tests/test_chapter_*' \
	  || { rc=$$?; echo "make test: ERROR: pytest tests ampcore exited with $$rc$$( ((rc == 5)) && echo ' (no tests collected)')" >&2; exit $$rc; }
	@if $(HAVE_NOTEBOOKS); then \
	  set -x; rm -rf _build/executed; $(NBVAL) notebooks/ \
	    || { rc=$$?; echo "make test: ERROR: nbval on notebooks/ exited with $$rc$$( ((rc == 5)) && echo ' (no tests collected)')" >&2; exit $$rc; }; \
	  python -m pytest -p no:cacheprovider tests/test_chapter_*.py \
	    || { rc=$$?; echo "make test: ERROR: the chapter claim tests exited with $$rc" >&2; exit $$rc; }; \
	else \
	  echo "make test: nbval skipped: there are no notebooks in notebooks/ yet."; \
	fi
	$(MAKE) --no-print-directory book
	@# Every page of _build/html in headless Chromium (skipped, with the reason, without Chromium).
	python -m pytest -p no:cacheprovider -m browser tests/browser \
	  || { rc=$$?; echo "make test: ERROR: the browser check (pytest -m browser tests/browser) exited with $$rc" >&2; exit $$rc; }
	@if compgen -G '_build/screenshots/*.png' > /dev/null; then echo "make test: chapter screenshots in _build/screenshots/"; fi

# jupyter execute runs each kernel in the notebook's folder (notebooks/), like the book and nbval.
# Execution counts stay, so nbval compares the cells tagged nbval-check-output.
notebooks: $(STAMP)
	if ! $(HAVE_NOTEBOOKS); then echo "make notebooks: no notebooks in notebooks/; nothing to execute."; exit 0; fi; \
	jupyter execute --inplace --kernel_name=python3 --timeout=300 notebooks/*.ipynb; \
	python tools/strip_images.py notebooks/*.ipynb

clean:
	rm -rf _build .pytest_cache .hypothesis
	find . \( -path ./.venv -o -path ./.git \) -prune -o \
	  \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) ampcore.egg-info

mathjax:
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	npm install --prefix "$$tmp" --no-audit --no-fund mathjax@$(MATHJAX_VERSION); \
	mkdir -p book/_static/mathjax; \
	cp "$$tmp/node_modules/mathjax/es5/tex-svg.js" "$$tmp/node_modules/mathjax/LICENSE" book/_static/mathjax/

# Speed and memory benchmarks (benchmarks/, not part of `make test`): ~30 min on 2 cores, most of
# it R FNN and the peers at d = 5, n = 1e6. Prints each goal's table and ratio, then the three
# goals of the d-D divergence, the 1-D limit and the CLI start-up, and rewrites
# benchmarks/results/*.csv and the plot for book/performance.md. R + FNN are installed with apt
# when run as root; otherwise the R columns stay empty and the run says so. pykdtree (a peer of
# the d-D divergence) comes with the test extra; `python -m benchmarks NAME...` runs some only.
.PHONY: bench
bench: $(STAMP)
	if Rscript -e 'library(FNN)' > /dev/null 2>&1; then \
	  echo "make bench: R FNN found: $$(Rscript -e 'cat(R.version.string, "FNN", format(packageVersion("FNN")))')"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
	  echo "make bench: installing R and FNN (apt-get install -y r-base-core r-cran-fnn)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq r-base-core r-cran-fnn > /dev/null; \
	else \
	  echo "make bench: R FNN is ABSENT (needs root: apt-get install -y r-base-core r-cran-fnn); goal 1 runs without R." >&2; \
	fi
	python -m benchmarks
