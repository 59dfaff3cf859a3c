# Enclave: two commands for a fresh machine.
#   make up    install everything and run the suite on its embedded defaults
#   make test  install everything (test tools and system packages too) and run every test
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8501
APT_PACKAGES := tesseract-ocr espeak-ng sox chromium chromium-driver
PYTEST_ARGS ?=

.PHONY: up test install install-test system-packages lint bench demo clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip setuptools wheel

# torch first and pinned: the CPU build; an unpinned torch would pull the CUDA wheels.
$(VENV)/.installed: pyproject.toml $(VENV)/bin/activate
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

up: install
	$(VENV)/bin/enclave up --port $(PORT)

test: install system-packages
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

demo: install
	$(VENV)/bin/enclave demo

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) build *.egg-info
