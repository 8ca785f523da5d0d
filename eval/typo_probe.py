"""Make a copy of question sets with pinyin-input slips, to measure how retrieval holds up under them.

Usage: .venv/bin/python eval/typo_probe.py --out /tmp/typo.jsonl --clean /tmp/clean.jsonl [--slips 1] [--seed 7] \
    eval/devset.jsonl ...

Officials type with a pinyin input method; a slip puts a character of the same sound in a word (数剧 for 数据,
同义 for 同意). The typo questions of the scenario set are few and written by the hands that tuned the corrector,
so this makes slips mechanically instead: in each answerable question's last turn, `--slips` content words
(two to four characters, found by jieba) get one character replaced by another common character read the same,
chosen at random with a fixed seed (`--kind letters`: the word is left as its pinyin letters, 数据 -> shuju, as when
a question is sent before a candidate was picked). Run the copy and the original through `assistant eval run` and
compare: the drop is what slips cost, with the corrector on (the default) or off
(ASSISTANT_RETRIEVAL__TYPO_CORRECTION=false).
Beside the copy (--out) the same questions unslipped are written to --clean, so the two runs compare the same
questions (one whose words admit no slip is left out of both).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.language.segmentation import plain_jieba  # noqa: E402
from assistant.language.textnorm import normalize_text  # noqa: E402
from assistant.language.typos import reading_of, sound_alikes  # noqa: E402

_HAN_WORD = re.compile(r"[\u4e00-\u9fff]{2,4}")
# An input method offers common characters first: a slip is a character used at least this often (jieba counts).
COMMON_CHARACTER = 2000


def add_slips(question: str, slips: int, rng: random.Random, kind: str = "sound") -> str | None:
    """Return question with slips content words mistyped (by sound, or left as pinyin letters), or None when it
    has too few such words."""
    text = normalize_text(question)
    frequency = plain_jieba().get_FREQ
    spans, position = [], 0
    for word in plain_jieba().lcut(text, HMM=False):
        if _HAN_WORD.fullmatch(word):
            spans.append((position, word))
        position += len(word)
    usable = [(start, word) for start, word in spans if _slips_of(word, frequency)]
    if len(usable) < slips:
        return None
    for start, word in sorted(rng.sample(usable, slips), reverse=True):
        slipped = rng.choice(_slips_of(word, frequency)) if kind == "sound" else _letters_of(word)
        text = text[:start] + slipped + text[start + len(word) :]
    return text


def _letters_of(word: str) -> str:
    """Return a word as the toneless pinyin letters typed for it when no candidate was picked (数据 -> shuju)."""
    return "".join(reading_of(char) or char for char in word)


def _slips_of(word: str, frequency) -> list[str]:  # type: ignore[no-untyped-def]
    """Return the words made from word by one common same-sound character in place of one of its own."""
    return [
        word[:index] + other + word[index + 1 :]
        for index, char in enumerate(word)
        for other in sound_alikes(char)
        if (frequency(other) or 0) >= COMMON_CHARACTER
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--clean", type=Path, required=True)
    parser.add_argument("--slips", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--kind", choices=("sound", "letters"), default="sound",
                        help="sound: a character of the same sound; letters: the word left as pinyin letters")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    written = skipped = 0
    with args.out.open("w", encoding="utf-8") as out, args.clean.open("w", encoding="utf-8") as clean:
        for path in args.sets:
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                item = json.loads(line)
                if item.get("answerable") is False or not item.get("gold"):
                    continue
                slipped = add_slips(item["question"], args.slips, rng, args.kind)
                if slipped is None:
                    skipped += 1
                    continue
                item["id"] = f"{path.stem}:{item['id']}"
                clean.write(json.dumps(item, ensure_ascii=False) + "\n")
                item["question"] = slipped
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
                written += 1
    print(f"{args.out}: {written} questions with {args.slips} slip(s) each; {skipped} had too few content words")
    return 0


if __name__ == "__main__":
    sys.exit(main())
