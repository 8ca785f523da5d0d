"""Fail when the installed llama.cpp build uses AVX-512 or AMX (run by `make install-llm` right after the build).

A build tuned to the compiling machine (-march=native) crashed with a general protection fault on a CPU that
advertises AMX but cannot execute it; the Makefile builds a fixed AVX2 baseline instead, and this checks it.
Usage: .venv/bin/python -m tests.check_llama_build
"""

from __future__ import annotations

import re
import sys

# Feature names as llama.cpp's system_info spells them ("AVX512 = 1", "AMX_INT8 = 1").
UNPORTABLE = ("AVX512", "AVX512_VBMI", "AVX512_VNNI", "AVX512_BF16", "AMX_INT8", "AMX_TILE", "AMX_BF16")


def enabled_features(system_info: str) -> set[str]:
    """Return the feature names that llama.cpp's system_info line reports as switched on."""
    return set(re.findall(r"([A-Z0-9_]+) = 1", system_info))


def unportable_features(system_info: str) -> list[str]:
    """Return the AVX-512/AMX features this build was compiled with, in a fixed order."""
    return [name for name in UNPORTABLE if name in enabled_features(system_info)]


def system_info() -> str:
    """Return llama.cpp's system_info line from the installed llama_cpp package."""
    import llama_cpp

    return llama_cpp.llama_print_system_info().decode("utf-8", errors="replace")


def main() -> int:
    info = system_info()
    print(f"llama.cpp system_info: {info}")
    bad = unportable_features(info)
    if bad:
        print(f"error: llama.cpp was built with {', '.join(bad)}; rebuild with `make install-llm` "
              "(its CMAKE_ARGS turn native tuning, AVX-512 and AMX off)", file=sys.stderr)
        return 1
    if "AVX2" not in enabled_features(info):
        print("error: llama.cpp was built without the AVX2 baseline; check LLAMA_CMAKE_ARGS in the Makefile",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
