"""Draw the fifth pool (issue 12): labels from authorities no label had come from
(../shared/corpus/ilacs2), and a sealed test split drawn before any rule or feature changed.

    python corpus/labels/archive/sample_round5.py WAREHOUSE [--sealed 9] [--test 960] [--train 1500]

WAREHOUSE is refreshed over ../shared/corpus (ilacs2 included). The `--sealed` authorities,
drawn at random (seeded) from ilacs2, become `sealed_authorities` in split.yml; from them
`--test` sentences, half stratified by the themes rules or model give them (equal per theme)
and half at random, every one for two annotators (batches T and T', dealt so no annotator
sees an item twice). From the other ilacs2 authorities, `--train` sentences weighted to
where the model failed on unseen authorities: core themes near the model's threshold, rules
and model disagreeing, the weak themes (voice, QA, child protection), sentiment the model
calls positive where nothing evaluative is said (neutral descriptions, plans, numbers) or
where a contrast marker stands (mixed), "young people" without care-leaver words, local
names of front-door and early-help services, and random sentences.
"""
from __future__ import annotations

import argparse
import random
import re
from collections import Counter
from pathlib import Path

import duckdb
import yaml

from findings.models.registry import load_current
from findings.models.tagging import Tagger
from findings.rules.tagger import CORE_THEMES, THEMES

from sample_pool import unlabelled_items, write_batches

HERE = Path(__file__).resolve().parents[1]  # corpus/labels
NEW = "ilacs2/"
CONTRAST = re.compile(r"\b(but|although|though|however|whilst|while|despite|yet|except|albeit)\b", re.I)
EVALUATIVE = re.compile(r"\b(good|well|strong|effective|improv\w*|timely|robust|appropriate\w*|clear\w*|poor|weak\w*|"
                        r"inconsistent\w*|delay\w*|not|too|insufficient|inadequate|outstanding|excellent|positive\w*|"
                        r"better|worse|strength\w*|progress\w*|quality|helpful|valued?|benefit\w*|succes\w*|swift\w*)\b", re.I)
SERVICE = re.compile(r"\b(hubs?|spa|single point|advice|duty|first response|contact (centre|team)|gateway|i?cart|"
                     r"front[- ]door|mash|triage|screen\w*|family help|family support|prevent\w*|early intervention|"
                     r"step(ped|ping|s)?[- ](up|down)|children'?s centres?)\b", re.I)
YOUNG = re.compile(r"\byoung (people|person)\b", re.I)
CARE_LEAVER_WORDS = re.compile(r"leav\w+ care|care leaver|pathway plan|personal advis|staying (put|close)|local offer", re.I)
WEAK = ("voice_participation", "quality_assurance", "child_protection", "supervision")


def authority(item: dict) -> str:
    return item["document"].split("/")[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("warehouse")
    ap.add_argument("--sealed", type=int, default=9)
    ap.add_argument("--test", type=int, default=960)
    ap.add_argument("--train", type=int, default=1500)
    ap.add_argument("--test-batches", type=int, default=4)
    ap.add_argument("--train-batches", type=int, default=6)
    args = ap.parse_args()
    rng = random.Random(20261204)
    pool = [i for i in unlabelled_items(duckdb.connect(args.warehouse, read_only=True))
            if i["document"].startswith(NEW) and not i["_boilerplate"] and len(i["text"]) >= 25]
    authorities = sorted({authority(i) for i in pool})
    sealed = sorted(rng.sample(authorities, args.sealed))

    texts, sections = [i["text"] for i in pool], [i["section"] for i in pool]
    tagger = Tagger(model=load_current())
    rule_tags = tagger.rules.tag(texts, sections)
    preds = tagger.predict(texts, sections, rule_tags, [i["_before"] for i in pool], [i["_after"] for i in pool])
    model = tagger.model
    for item, rt, pred in zip(pool, rule_tags, preds):
        item["_rules"], item["_pred"], item["_p"], item["_sent"] = set(rt.hits), set(pred.themes), pred.probabilities, pred.sentiment

    # Sealed test: half by theme (rules or model), equal per theme; half at random.
    test_pool = [i for i in pool if authority(i) in sealed]
    chosen: dict[str, dict] = {}
    per_theme = args.test // 2 // len(THEMES)
    for theme in THEMES:
        cands = [i for i in test_pool if theme in (i["_rules"] | i["_pred"]) and i["id"] not in chosen]
        chosen.update((i["id"], i) for i in rng.sample(cands, min(per_theme, len(cands))))
    rest = [i for i in test_pool if i["id"] not in chosen]
    chosen.update((i["id"], i) for i in rng.sample(rest, args.test - len(chosen)))
    test = list(chosen.values())
    rng.shuffle(test)

    # Training pool: where the model fails, from the other new authorities.
    train_pool = [i for i in pool if authority(i) not in sealed]
    picked: dict[str, dict] = {}

    def take(name: str, items: list[dict], n: int, key=None) -> None:
        items = [i for i in items if i["id"] not in picked]
        if key:
            items = sorted(items, key=key)[: n * 2]
        for i in rng.sample(items, min(n, len(items))):
            i["_why"] = name
            picked[i["id"]] = i

    share = args.train / 1500
    margin = lambda i: min(abs(i["_p"][t] - model.thresholds[t]) for t in CORE_THEMES)
    take("core uncertain", train_pool, int(250 * share), key=margin)
    take("rules and model disagree", [i for i in train_pool if i["_rules"] ^ i["_pred"]], int(200 * share))
    take("weak themes", [i for i in train_pool if any(i["_p"][t] > 0.2 or t in i["_rules"] for t in WEAK)], int(200 * share))
    take("positive without evaluation", [i for i in train_pool if i["_sent"] == "positive" and not EVALUATIVE.search(i["text"])],
         int(180 * share))
    take("neutral candidates", [i for i in train_pool if i["_sent"] == "neutral"], int(70 * share))
    take("contrast", [i for i in train_pool if CONTRAST.search(i["text"])], int(150 * share))
    take("young people", [i for i in train_pool if YOUNG.search(i["text"]) and not CARE_LEAVER_WORDS.search(i["text"])],
         int(80 * share))
    take("service names", [i for i in train_pool if SERVICE.search(i["text"])], int(120 * share))
    take("random", train_pool, args.train - len(picked))
    train = list(picked.values())
    rng.shuffle(train)

    split_file = HERE / "split.yml"
    spec = yaml.safe_load(split_file.read_text(encoding="utf-8"))
    if spec.get("sealed_authorities") and spec["sealed_authorities"] != sealed:
        raise SystemExit(f"split.yml already seals {spec['sealed_authorities']}; refusing to draw another sealed split")
    first_test = write_batches(test, args.test_batches)
    # The second label of each test item: the same items dealt one batch further on, reshuffled.
    second = [test[k::args.test_batches] for k in range(args.test_batches)]
    second = second[1:] + second[:1]
    for batch in second:
        rng.shuffle(batch)
    first_second = _write_dealt(second)
    first_train = write_batches(train, args.train_batches)
    print(f"sealed authorities: {', '.join(sealed)}")
    print(f"test: {len(test)} sentences in batches {first_test}..{first_test + args.test_batches - 1}, "
          f"second labels in {first_second}..{first_second + args.test_batches - 1}")
    print(f"train: {len(train)} sentences from {len({authority(i) for i in train})} authorities in batches "
          f"{first_train}..{first_train + args.train_batches - 1}")
    print(dict(Counter(i["_why"] for i in train)))


def _write_dealt(batches: list[list[dict]]) -> int:
    """Each list as its own batch file, in order; returns the first batch number."""
    first = None
    for batch in batches:
        n = write_batches(batch, 1)
        first = first or n
    return first


if __name__ == "__main__":
    main()
