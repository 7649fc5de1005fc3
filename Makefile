# Two entry points (see README.md):
#   make build   install into .venv, then build every artifact and the site into build/site/
#   make test    install into .venv (with test extras, headless Chromium, Apache and nginx), then run the tests
# Everything the project needs is installed from the package registries by these targets.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: build test install test-deps browser bench clean

build: $(STAMP)
	$(BIN)/crm-vocab build

test: $(STAMP) test-deps
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

# Debian packages the tests drive: headless Chromium and its driver (page tests), Apache and nginx
# (tests/test_server_rules.py runs the generated .htaccess and nginx.conf on 127.0.0.1; the tests
# start the servers themselves). Installed only when root with apt-get; otherwise those tests skip.
TEST_DEBS := chromium chromium-driver apache2 nginx
test-deps:
	@PATH="$$PATH:/usr/sbin:/sbin"; missing=""; \
	for c in chromium chromedriver apache2 nginx; do command -v $$c >/dev/null 2>&1 || missing="$$missing $$c"; done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing $(TEST_DEBS) from Debian's packages (missing:$$missing)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEST_DEBS) >/dev/null; \
	else echo "note:$$missing missing and not root: page tests and/or server-rule tests will be skipped (install Debian packages $(TEST_DEBS))"; fi

# the former name of test-deps
browser: test-deps

clean:
	rm -rf build
