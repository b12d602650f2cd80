"""Where documents come from: folders searched recursively, with an optional
`manifest.csv` beside the files whose rows override what the text says."""
from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

SUFFIXES = {".pdf", ".txt", ".md", ".markdown"}
MANIFEST = "manifest.csv"
# Manifest columns we read; all optional but `file`.
MANIFEST_FIELDS = ("authority", "doc_type", "published", "title", "source_url")


@dataclass
class Source:
    path: Path
    source: str                 # the file path it was read from (or the URL it was downloaded from)
    size: int
    manifest: dict[str, str] = field(default_factory=dict)
    mtime_ns: int = 0           # with size, lets an unchanged file skip hashing (see flows/refresh.plan)

    def content_hash(self) -> str:
        """sha256 of the bytes: the document id, so a renamed copy is the same document."""
        digest = hashlib.sha256()
        with self.path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()


class ManifestError(ValueError):
    pass


def read_manifest(path: Path) -> dict[str, dict[str, str]]:
    """Rows keyed by the file path they name (relative to the manifest's folder)."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "file" not in reader.fieldnames:
            raise ManifestError(f"{path}: a manifest needs a 'file' column (found {reader.fieldnames}).")
        rows = {}
        for line, row in enumerate(reader, start=2):
            name = (row.get("file") or "").strip()
            if not name:
                raise ManifestError(f"{path}, line {line}: empty 'file' value.")
            if row.get("published"):
                try:
                    date.fromisoformat(row["published"].strip())
                except ValueError:
                    raise ManifestError(f"{path}, line {line}: published={row['published']!r} is not a YYYY-MM-DD date.") from None
            rows[str(Path(name))] = {k: row[k].strip() for k in MANIFEST_FIELDS if row.get(k) and row[k].strip()}
        return rows


def apply_manifest(target, row: dict[str, str]) -> None:
    """A manifest row's authority, doc_type, title and published win over what the text says
    (on an extracted document, or on the record of a document that could not be read)."""
    for key in ("authority", "doc_type", "title"):
        if row.get(key):
            setattr(target, key, row[key])
    if row.get("published"):
        target.published = date.fromisoformat(row["published"])


def check_inputs(roots: list[Path], manifest: Path | None = None, cache: Path | None = None,
                 read_manifests: bool = False) -> None:
    """What a refresh reads, checked before it starts: every corpus path exists, a manifest
    exists and reads (and, with `read_manifests`, every manifest.csv under the corpus
    folders), the cache is not a file. Raises FileNotFoundError, NotADirectoryError
    or ManifestError, each one line naming the path and the fix."""
    for root in roots:
        if not Path(root).exists():
            raise FileNotFoundError(f"corpus path {root} does not exist: pass an existing folder or file with --corpus")
    if read_manifests:
        for root in roots:
            for found in sorted(Path(root).rglob(MANIFEST)) if Path(root).is_dir() else []:
                read_manifest(found)
    if manifest is not None:
        if not Path(manifest).is_file():
            raise FileNotFoundError(f"manifest {manifest} does not exist: pass an existing manifest.csv with --manifest")
        read_manifest(Path(manifest))
    if cache is not None and Path(cache).exists() and not Path(cache).is_dir():
        raise NotADirectoryError(f"download cache {cache} is a file: pass a folder with --cache (or FINDINGS_CACHE)")


def discover(roots: list[Path]) -> list[Source]:
    """Every document under the roots (a root may also be a single file), each with the
    manifest row of the nearest manifest.csv above it that names it."""
    found: dict[Path, Source] = {}
    check_inputs(roots)
    for root in roots:
        root = Path(root)
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        manifests: dict[Path, dict[str, dict[str, str]]] = {}
        for path in files:
            row = _manifest_row(path, root if root.is_dir() else root.parent, manifests)
            resolved = path.resolve()
            stat = path.stat()
            found[resolved] = Source(
                path=path,
                source=str(path),
                size=stat.st_size,
                manifest=row,
                mtime_ns=stat.st_mtime_ns,
            )
    return list(found.values())


def _manifest_row(path: Path, root: Path, cache: dict[Path, dict[str, dict[str, str]]]) -> dict[str, str]:
    folder = path.parent
    while True:
        manifest = folder / MANIFEST
        if manifest.is_file():
            if folder not in cache:
                cache[folder] = read_manifest(manifest)
            row = cache[folder].get(str(path.relative_to(folder)))
            if row is not None:
                return row
        if folder == root or folder.parent == folder:
            return {}
        folder = folder.parent
