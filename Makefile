# `make demo`: set up .venv and run the main job (iterative reinforced fine-tuning on the bundled
# specs with the tiny offline model, CPU). `make test`: set up and run the test suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup test demo eval bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -e '.[train,test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

test: setup
	HF_HUB_OFFLINE=1 $(PY) -m pytest -n 2 tests

demo: setup
	HF_HUB_OFFLINE=1 $(PY) -m training.itool --config configs/demo.yaml --output-dir runs/demo

eval: setup
	$(VENV)/bin/toolenv eval --agent oracle --episodes 200 --seed 0

bench: setup
	$(PY) benchmarks/env_bench.py

clean:
	rm -rf runs .pytest_cache
