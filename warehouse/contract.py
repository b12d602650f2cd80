"""The analysts' contract (contract.yml): every view's columns, what they mean and the tests
that hold for them. Accepted values written `codebook.themes` or `codebook.sentiments` are
the codebook's ids (rules/codebook.yaml), so the contract never lists them itself."""
from __future__ import annotations

from pathlib import Path

import yaml

from findings.rules.codebook import SENTIMENTS, THEMES

CONTRACT_FILE = Path(__file__).with_name("contract.yml")
CODEBOOK_VALUES = {"codebook.themes": list(THEMES), "codebook.sentiments": list(SENTIMENTS)}


def load_contract(path: Path = CONTRACT_FILE) -> dict:
    contract = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    for spec in contract["views"].values():
        for column in spec["columns"].values():
            for test in column.get("tests", []):
                if isinstance(test, dict) and isinstance(test.get("accepted_values"), str):
                    test["accepted_values"] = CODEBOOK_VALUES[test["accepted_values"]]
    return contract
