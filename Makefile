# clickstream.collectors: the two commands a user needs are `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PYTHONDONTWRITEBYTECODE := 1

INSTALLED := $(VENV)/.installed
COLLECTION_LINK := .collections/ansible_collections/clickstream/collectors
# ansible-test must run from a path ending in ansible_collections/<namespace>/<name>: sanity's copy is in .build,
# units' in .build/units (make test runs them side by side).
BUILD_ROOT ?= .build
BUILD_DIR = $(BUILD_ROOT)/ansible_collections/clickstream/collectors
# where the ansible package installed amazon.aws and community.aws
SITE_COLLECTIONS = $(shell $(BIN)/python -c 'import ansible_collections; print(list(ansible_collections.__path__)[0])')
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider
# Test files spread over the CPUs (pytest-xdist), a file's tests together on one worker (its module fixtures once).
# Not --dist loadgroup: pytest-xdist 3.8 marks a group by editing item._nodeid, which pytest 9 no longer reads, so
# its groups never form. Keep a file's tests to a few minutes instead (test_role_rerun*.py are split for that).
PYTEST_WORKERS ?= auto
PYTEST_PARALLEL := $(PYTEST) -n $(PYTEST_WORKERS) --dist loadfile

.PHONY: help install test lint sanity units strict-aws functional iam molecule browser demo benchmark clean build-copy

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(INSTALLED): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(COLLECTION_LINK):
	@mkdir -p $(dir $@)
	@ln -sfn ../../.. $@

install: $(INSTALLED) $(COLLECTION_LINK) ## create .venv with the pinned tools and link the collection

# In order; stages joined by + run side by side (each keeps about one CPU busy; sanity and units build separate copies).
TEST_STAGES := lint+sanity+units strict-aws functional iam molecule browser+artifact+ee

test: install ansible-test-pip ## everything CI runs: every stage, then a summary; non-zero on any failure
	@tests/make_test.sh $(TEST_STAGES)

lint: install ## ansible-lint, production profile, no skips
	ansible-lint --offline --profile production

sanity: install ansible-test-pip ## ansible-test sanity (no ignore entries) on a copy of the tracked files
	@$(MAKE) --no-print-directory build-copy
	cd $(BUILD_DIR) && ansible-test sanity --venv --python 3.12 --color no

units: install ansible-test-pip ## ansible-test units
	@$(MAKE) --no-print-directory build-copy BUILD_ROOT=.build/units
	cd .build/units/ansible_collections/clickstream/collectors && ansible-test units --venv --python 3.12 --color no

strict-aws: install ## the strict local AWS's own tests
	$(PYTEST_PARALLEL) -rx tests/strict_aws

functional: install ## modules against the strict local AWS (check mode, idempotence, errors)
	$(PYTEST_PARALLEL) tests/functional

iam: install ## the role under IAM evaluation: files/iam-policy.json, each statement removed, the generated policies
	$(PYTEST) tests/iam

molecule: install ## every molecule scenario against the strict local AWS, MOLECULE_JOBS at a time (default: CPUs)
	tests/molecule_all.sh

browser: install ## the real Snowplow trackers (npm, v4 and v3) in headless Chromium: each event logged once
	tests/browser/setup.sh
	$(PYTEST) tests/browser

benchmark: install ## the role beside a plain playbook on the strict local AWS, printed as a table (BENCHMARK_ARGS=--quick)
	$(BIN)/python -m tests.benchmark.collector $(BENCHMARK_ARGS)

.PHONY: artifact ee

artifact: install ## the Galaxy tarball installed alone: file list, ansible-doc, the FQCN playbook; changelog release; versions
	$(PYTEST) tests/packaging/test_artifact.py tests/packaging/test_release.py tests/packaging/test_ansible_test_pip.py \
		tests/packaging/test_action_groups.py

ee: install ## the execution environment: ansible-builder create gives a complete build context
	$(PYTEST) tests/packaging/test_execution_environment.py

demo: install ## build a collector on the strict local AWS, print its endpoint, fetch the pixel
	@mkdir -p .tmp
	$(BIN)/python -m tests.demo

build-copy:
	@rm -rf $(BUILD_ROOT)/ansible_collections && mkdir -p $(BUILD_DIR)
	@git ls-files -z --cached --others --exclude-standard \
		| while IFS= read -r -d '' f; do [ -e "$$f" ] && printf '%s\0' "$$f"; done \
		| tar --null -T - -cf - | tar -xf - -C $(BUILD_DIR)
	@# its own repository: ansible-test lists files through git, and this copy is ignored by the checkout's
	@git -C $(BUILD_DIR) init -q
	@# the dependencies, where ansible-test looks for them: beside the collection
	@for ns in amazon community; do ln -sfn "$(SITE_COLLECTIONS)/$$ns" $(BUILD_ROOT)/ansible_collections/$$ns; done

.PHONY: ansible-test-pip

# ansible-test downloads its pip bootstrap from a host outside the package registries; provide it instead
ansible-test-pip: install
	@$(BIN)/python -m tests.ansible_test_pip

clean: ## remove the venv, the collection link and build copies
	rm -rf $(VENV) .collections .build .tmp
