"""Check an annotator's labels file against its batch: every id labelled once, values
from the codebook.   python corpus/labels/check_batch.py N"""
import json
import sys
from pathlib import Path

THEMES = {"front_door", "early_help", "supervision", "care_leavers", "children_in_care", "child_protection",
          "exploitation_missing", "leadership", "workforce", "quality_assurance", "voice_participation"}
SENTIMENTS = {"positive", "negative", "mixed", "neutral"}
here = Path(__file__).parent / "batches"
n = sys.argv[1]
wanted = [json.loads(l)["id"] for l in (here / f"batch-{n}.jsonl").open(encoding="utf-8")]
path = here / f"labels-{n}.jsonl"
seen, problems = set(), []
for line_no, line in enumerate(path.open(encoding="utf-8") if path.exists() else [], start=1):
    if not line.strip():
        continue
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        problems.append(f"line {line_no}: bad JSON ({exc})"); continue
    if row.get("id") in seen:
        problems.append(f"line {line_no}: id {row.get('id')} labelled twice")
    seen.add(row.get("id"))
    if row.get("id") not in wanted:
        problems.append(f"line {line_no}: id {row.get('id')} is not in batch-{n}")
    bad = set(row.get("themes", [])) - THEMES
    if bad or not isinstance(row.get("themes"), list):
        problems.append(f"line {line_no}: unknown themes {sorted(bad)}")
    if row.get("sentiment") not in SENTIMENTS:
        problems.append(f"line {line_no}: sentiment {row.get('sentiment')!r} not in {sorted(SENTIMENTS)}")
    if not isinstance(row.get("boilerplate"), bool):
        problems.append(f"line {line_no}: boilerplate must be true or false")
    if row.get("boilerplate") and (row.get("themes") or row.get("sentiment") != "neutral"):
        problems.append(f"line {line_no}: boilerplate sentences get no themes and neutral sentiment")
missing = [i for i in wanted if i not in seen]
print(f"{len(seen)} labelled of {len(wanted)}; {len(missing)} missing; {len(problems)} problems")
for p in problems[:30]:
    print(" ", p)
if missing:
    print("  next missing ids:", ", ".join(missing[:10]))
