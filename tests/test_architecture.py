"""The house's rules, read from the source with `ast` (nothing is imported):

- each room imports only rooms below it: corpus < rules < models < warehouse < flows;
- the imports between the project's modules form no loop, counting imports inside
  functions too (an import moved into a function hides a loop, it does not remove it);
- flows/ only composes: no SQL in its code;
- one place lists the themes: rules/codebook.yaml.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROOMS = ("corpus", "rules", "models", "warehouse", "flows")  # lowest first
# The past labelling rounds' scripts: a record, not part of the installed product (the product's
# labelling is `findings labels ...`, models/labelling.py).
NOT_PRODUCT = (ROOT / "corpus" / "labels" / "archive",)


def modules() -> dict[str, Path]:
    out = {}
    for room in ROOMS:
        for path in sorted((ROOT / room).rglob("*.py")):
            if any(path.is_relative_to(p) for p in NOT_PRODUCT):
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(("findings",) + (parts[:-1] if parts[-1] == "__init__" else parts))
            out[name] = path
    return out


def imports(name: str, path: Path, known: dict[str, Path]) -> list[tuple[str, int, bool]]:
    """(imported project module, line, inside a function) for every import in the file."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            targets: list[str] = []
            if isinstance(child, ast.Import):
                targets = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in child.names]
            for target in targets:
                while target and target not in known:
                    target = target.rpartition(".")[0]
                if target.startswith("findings.") and target != name:
                    found.append((target, child.lineno, inside))
            visit(child, inside)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def room(module: str) -> str:
    return module.split(".")[1]


def graph() -> dict[str, list[tuple[str, int, bool]]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def test_no_room_imports_a_room_above_it():
    rank = {r: i for i, r in enumerate(ROOMS)}
    bad = [f"{name}:{line} imports {target}" for name, edges in graph().items()
           for target, line, _ in edges if rank[room(target)] > rank[room(name)]]
    assert not bad, "imports of a room above:\n" + "\n".join(bad)


def test_no_import_loops_even_through_imports_inside_functions():
    edges = {name: sorted({t for t, _, _ in e}) for name, e in graph().items()}
    state: dict[str, int] = {}
    loops = []

    def walk(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in edges.get(node, []):
            if state.get(nxt) == 1:
                loops.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                walk(nxt, stack + [nxt])
        state[node] = 2

    for name in edges:
        if name not in state:
            walk(name, [name])
    assert not loops, "import loops:\n" + "\n".join(loops)


SQL = re.compile(r"\b(SELECT|INSERT INTO|UPDATE \S+ SET|DELETE FROM|CREATE (OR REPLACE )?(TABLE|VIEW)|DROP TABLE)\b")


def test_flows_hold_no_sql():
    found = []
    for path in sorted((ROOT / "flows").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
                found.append(f"{path.name}:{node.lineno}: {node.value[:60]!r}")
            if isinstance(node, ast.Attribute) and node.attr in ("execute", "executemany"):
                found.append(f"{path.name}:{node.lineno}: .{node.attr}(...)")
    assert not found, "SQL in flows/:\n" + "\n".join(found)


def test_one_place_lists_the_themes():
    themes = ("front_door", "voice_participation", "exploitation_missing")
    holders = sorted(str(p.relative_to(ROOT)) for room_ in ROOMS for p in (ROOT / room_).rglob("*")
                     if p.is_file() and p.suffix in (".py", ".sql", ".yml", ".yaml")
                     and not any(p.is_relative_to(n) for n in NOT_PRODUCT)
                     and all(t in p.read_text(encoding="utf-8", errors="ignore") for t in themes))
    assert holders == ["rules/codebook.yaml"]


READS_FINDINGS_VARIABLE = re.compile(r"""(environ(\.get)?|getenv)\s*[(\[]\s*f?["']FINDINGS_""")


def test_findings_settings_are_read_in_one_place():
    """FINDINGS_* environment variables are read only by corpus/settings.py."""
    readers = sorted(str(p.relative_to(ROOT)) for room_ in ROOMS for p in (ROOT / room_).rglob("*.py")
                     if not any(p.is_relative_to(n) for n in NOT_PRODUCT)
                     and READS_FINDINGS_VARIABLE.search(p.read_text(encoding="utf-8")))
    assert readers == ["corpus/settings.py"]
