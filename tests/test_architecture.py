"""The layout's arrows: each stage imports only the stages its package docstring allows, and no private name crosses packages."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"model", "loaders", "store", "gate", "stats", "outputs", "accounts", "bridges", "demo", "ui"}
# package -> the packages of Bridges it may import (itself always); docs/architecture.md draws the same arrows
ALLOWED = {
    "model": set(),
    "gate": {"model"},
    "loaders": {"model", "gate"},
    "store": {"model", "loaders", "gate", "stats"},
    "stats": {"model"},
    "outputs": {"model", "stats", "gate"},
    "accounts": {"model", "store"},
    "demo": {"model", "loaders", "store", "bridges", "accounts"},
    "bridges": OURS,
    "ui.public": {"model", "stats", "outputs", "ui"},
    "ui": OURS,
    "public_pages": {"ui", "stats"},
    "analyst_pages": {"ui"},
}


def _modules():
    for pkg in [*OURS, "public_pages", "analyst_pages"]:
        for f in sorted((ROOT / pkg).rglob("*.py")):
            yield f


def _imports(path: Path):
    """(imported module, imported names, line) for every absolute import of a Bridges package in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for blk in ast.walk(tree) if isinstance(blk, ast.If) and "TYPE_CHECKING" in ast.unparse(blk.test)
                   for n in ast.walk(blk)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.split(".")[0] in OURS:
            yield node.module, [a.name for a in node.names], node.lineno
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in OURS:
                    yield a.name, [], node.lineno


def _owner(path: Path) -> str:
    parts = path.relative_to(ROOT).parts
    return "ui.public" if parts[:2] == ("ui", "public") else parts[0]


def test_no_relative_import_leaves_its_package():
    for f in _modules():
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level > 1:
                pytest.fail(f"{f.relative_to(ROOT)}:{node.lineno} climbs out of its package with a relative import")


def test_each_stage_imports_only_what_it_may():
    bad = []
    for f in _modules():
        owner = _owner(f)
        allowed = ALLOWED[owner] | {owner.split(".")[0]}
        for mod, _, line in _imports(f):
            if f == ROOT / "loaders" / "__main__.py":
                continue  # `python -m loaders`, kept as an alias of `python -m bridges`
            if mod.split(".")[0] not in allowed:
                bad.append(f"{f.relative_to(ROOT)}:{line} imports {mod}")
    assert not bad, "imports against the arrows of docs/architecture.md:\n" + "\n".join(bad)


def test_read_side_never_imports_write_side():
    for f in [*(ROOT / "stats").rglob("*.py"), *(ROOT / "outputs").rglob("*.py"), *(ROOT / "ui" / "public").rglob("*.py")]:
        for mod, _, line in _imports(f):
            assert mod.split(".")[0] not in {"loaders", "store", "accounts", "bridges", "demo"}, f"{f.relative_to(ROOT)}:{line} imports {mod}"


def test_no_private_name_crosses_packages():
    bad = []
    for f in _modules():
        owner = f.relative_to(ROOT).parts[0]
        for mod, names, line in _imports(f):
            if mod.split(".")[0] == owner:
                continue
            bad += [f"{f.relative_to(ROOT)}:{line} imports {mod}.{n}" for n in names if n.startswith("_")]
    assert not bad, "\n".join(bad)


def test_every_module_says_its_job():
    for f in _modules():
        doc = ast.get_docstring(ast.parse(f.read_text(encoding="utf-8")))
        assert doc and doc.strip(), f"{f.relative_to(ROOT)} has no docstring saying its job"
