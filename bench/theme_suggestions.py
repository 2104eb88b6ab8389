"""Theme suggestions: their quality on the labelled Dutch set, and their time for 1,000 insights.

    python bench/theme_suggestions.py [--insights 1000] [--runs 5]

Quality: the labelled set (tests/data/theme_suggestions_nl.json) holds groups of insights that
say the same in other words, and singletons. Every pair of insights in one suggested group is a
proposed pair; precision is the share of proposed pairs that the labels put in one group, recall
the share of the labelled pairs that were proposed.

Time: `suggestions.suggest` on 1,000 insights made of the labelled texts with a few words
changed and reordered, p50 and max over `--runs` runs, after one warm-up run that also pays the
imports (reported on its own); then `suggestions.suggest_apart`, what GET .../themes/suggestions
runs: the same in a child process that starts, imports, computes and ends.
"""

import argparse
import json
import random
import statistics
import sys
import time
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LABELLED = ROOT / "tests" / "data" / "theme_suggestions_nl.json"


def labelled_items() -> tuple[list[tuple[int, str]], dict[int, int]]:
    """(id, text) items of the labelled set, and the group of each id (singletons: none)."""
    data = json.loads(LABELLED.read_text(encoding="utf-8"))
    items, group_of = [], {}
    for number, group in enumerate(data["groups"]):
        for text in group:
            group_of[len(items) + 1] = number
            items.append((len(items) + 1, text))
    for text in data["singletons"]:
        items.append((len(items) + 1, text))
    return items, group_of


def pairs_of(groups) -> set[tuple[int, int]]:
    return {pair for group in groups for pair in combinations(sorted(group), 2)}


def pair_scores(suggested: list[list[int]], group_of: dict[int, int]) -> dict:
    """Precision and recall of the pairs the suggested groups propose."""
    labelled: dict[int, list[int]] = {}
    for insight_id, group in group_of.items():
        labelled.setdefault(group, []).append(insight_id)
    truth = pairs_of(labelled.values())
    proposed = pairs_of(suggested)
    right = proposed & truth
    return {
        "precision": len(right) / len(proposed) if proposed else 0.0,
        "recall": len(right) / len(truth) if truth else 0.0,
        "proposed": len(proposed),
        "labelled": len(truth),
        "right": len(right),
    }


def synthetic(count: int, seed: int = 18) -> list[tuple[int, str]]:
    """`count` insights from the labelled texts, each varied: words dropped, swapped, added."""
    rng = random.Random(seed)
    texts = [text for _, text in labelled_items()[0]]
    extra = ["echt", "vooral", "in onze wijk", "volgens mij", "eigenlijk", "bij ons", "ook"]
    out = []
    for number in range(count):
        words = rng.choice(texts).rstrip(".").split()
        if len(words) > 4:
            words.pop(rng.randrange(1, len(words)))
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
        words.insert(rng.randrange(len(words)), rng.choice(extra))
        out.append((number + 1, " ".join(words) + "."))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--insights", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from workshop.domain import suggestions

    items, group_of = labelled_items()
    started = time.perf_counter()
    groups = suggestions.suggest(items, "nl")
    first = time.perf_counter() - started
    scores = pair_scores([g.insight_ids for g in groups], group_of)
    print(f"labelled set: {len(items)} insights, {len(set(group_of.values()))} groups")
    print(
        f"pairs: precision {scores['precision']:.2f} ({scores['right']}/{scores['proposed']}), "
        f"recall {scores['recall']:.2f} ({scores['right']}/{scores['labelled']}); "
        f"{len(groups)} groups suggested"
    )
    for group in groups:
        print(f"  {group.label}: {group.insight_ids}")
    print(f"first call (imports included): {first * 1000:.0f} ms")

    many = synthetic(args.insights)
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        found = suggestions.suggest(many, "nl")
        times.append(time.perf_counter() - started)
    print(
        f"{len(many)} insights: p50 {statistics.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms over {args.runs} runs; {len(found)} groups"
    )
    # What a request costs the server: a child process that imports, computes and ends.
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        apart = suggestions.suggest_apart(many, "nl")
        times.append(time.perf_counter() - started)
    assert [g.insight_ids for g in apart] == [g.insight_ids for g in found]
    print(
        f"{len(many)} insights in a child process (as the server does): "
        f"p50 {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
