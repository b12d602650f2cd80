"""The project's settings in one place: every `FINDINGS_*` environment variable and every
default path. Read when asked (`settings()`), so a changed environment counts at once.

Files the package ships (the sample corpus, the labels, rules, migrations, the model
registry) are found beside the installed package, wherever it is installed; what a run
writes (the warehouse, the download cache) defaults to the working directory.

| variable | default | used by |
|---|---|---|
| `FINDINGS_WAREHOUSE` | `warehouse/findings.duckdb` | every command's `--warehouse` (`evaluate` too) |
| `FINDINGS_CACHE` | `corpus/cache` | `findings refresh --manifest` downloads |
| `FINDINGS_MODELS` | `<warehouse stem>.models/` beside the warehouse | models `findings retrain` trains and the warehouse's chosen model (`current.json`); the shipped model stays package data |
| `FINDINGS_WORKERS` | one per core | the refresh's process pool |
| `FINDINGS_SPACY_MODEL` | none (blank English + sentencizer) | sentence splitting |
| `FINDINGS_DOWNLOAD_TIMEOUT` | 30 (seconds) | downloads |
| `FINDINGS_DOWNLOAD_RETRIES` | 3 | downloads |
| `FINDINGS_DOWNLOAD_BACKOFF` | 1 (seconds, doubled per retry) | downloads |
| `FINDINGS_DOWNLOAD_MAX_BYTES` | 100 MB | downloads |
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

# The folder holding the rooms: the checkout, or site-packages/findings once installed.
PACKAGE_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CORPUS = PACKAGE_ROOT / "corpus" / "sample"
LABELS_DIR = PACKAGE_ROOT / "corpus" / "labels"

# Written by runs: relative to the working directory.
DEFAULT_WAREHOUSE = Path("warehouse/findings.duckdb")
DEFAULT_CACHE = Path("corpus/cache")


@dataclass
class DownloadSettings:
    timeout: float = 30.0            # seconds to connect, and between bytes received
    retries: int = 3                 # further attempts after timeouts, connection errors, 429 and 5xx
    backoff: float = 1.0             # seconds before the first retry, doubled for each next one
    max_bytes: int = 100 * 1024 * 1024
    user_agent: str = "findings-refresh (children's social care reports research)"

    @classmethod
    def from_env(cls) -> "DownloadSettings":
        """Defaults, overridden by FINDINGS_DOWNLOAD_TIMEOUT / _RETRIES / _BACKOFF / _MAX_BYTES."""
        s = cls()
        for name, cast in (("timeout", float), ("retries", int), ("backoff", float), ("max_bytes", int)):
            value = os.environ.get(f"FINDINGS_DOWNLOAD_{name.upper()}")
            if value:
                setattr(s, name, cast(value))
        return s


@dataclass(frozen=True)
class Settings:
    warehouse: Path = DEFAULT_WAREHOUSE
    cache: Path = DEFAULT_CACHE
    workers: int = 0                 # 0: one per core
    spacy_model: str | None = None
    download: DownloadSettings = field(default_factory=DownloadSettings)

    @property
    def sample_corpus(self) -> Path:
        """The shipped sample corpus, as `corpus/sample` when run from the checkout's root."""
        return _near_cwd(SAMPLE_CORPUS)


def settings() -> Settings:
    """The settings now: defaults overridden by FINDINGS_* environment variables."""
    env = os.environ.get
    return Settings(warehouse=Path(env("FINDINGS_WAREHOUSE") or DEFAULT_WAREHOUSE),
                    cache=Path(env("FINDINGS_CACHE") or DEFAULT_CACHE),
                    workers=int(env("FINDINGS_WORKERS") or 0),
                    spacy_model=env("FINDINGS_SPACY_MODEL") or None,
                    download=DownloadSettings.from_env())


def warehouse_choice(explicit: str | Path | None = None) -> tuple[Path, str]:
    """The warehouse a command uses and where that choice came from: `--warehouse`, then
    FINDINGS_WAREHOUSE, then the default (`warehouse/findings.duckdb` in the working directory)."""
    if explicit:
        return Path(explicit), "--warehouse"
    if os.environ.get("FINDINGS_WAREHOUSE"):
        return Path(os.environ["FINDINGS_WAREHOUSE"]), "FINDINGS_WAREHOUSE"
    return DEFAULT_WAREHOUSE, "default"


def models_dir(warehouse: str | Path) -> Path:
    """Where the models a user trains for `warehouse` live, with that warehouse's choice of
    model (`current.json`): FINDINGS_MODELS, else `<warehouse stem>.models/` beside the
    DuckDB file. Never the package or the checkout: the shipped registry is read-only."""
    if os.environ.get("FINDINGS_MODELS"):
        return Path(os.environ["FINDINGS_MODELS"])
    warehouse = Path(warehouse)
    return warehouse.parent / f"{warehouse.stem}.models"


def _near_cwd(path: Path) -> Path:
    """`path` relative to the working directory when it lies inside it (so the documents'
    `source` reads `corpus/sample/...` from the checkout's root, as it always has), else absolute."""
    try:
        return path.relative_to(Path.cwd().resolve())
    except ValueError:
        return path
