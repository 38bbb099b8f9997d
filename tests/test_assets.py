"""Styles, scripts and page templates live in assets/ folders beside the modules that read them, never in Python strings.

Every `asset("name")` call names a file that exists, is not empty and is read through importlib.resources the way
the module reads it; every file of an assets/ folder is used; and no module of the read side or the pages holds a CSS
rule block or a JavaScript function body in a string constant (an AST scan, so a new one fails here).
"""
from __future__ import annotations

import ast
import re
from importlib import resources
from pathlib import Path
from string import Template

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ["outputs", "ui", "stats", "public_pages", "analyst_pages", "dashboard.py"]
LONG = 200  # characters: shorter strings (a one-line <script> setting the page language) are fine inline

# "selector { property: value;" and "function (…) {", "(…) => {", "x => {", "addEventListener(" are code, not text.
CSS_RULE = re.compile(r"[\w\])*>-]\s*\{\s*[-\w]+\s*:[^{};]*;")
JS_BODY = re.compile(r"\bfunction\b\s*[\w$]*\s*\([^()]*\)\s*\{|(?:\)|\b\w+)\s*=>\s*\{|addEventListener\s*\(")


def _modules() -> list[Path]:
    out = []
    for name in SCANNED:
        p = ROOT / name
        out += [p] if p.is_file() else sorted(p.rglob("*.py"))
    return out


def _package(path: Path) -> str:
    return ".".join(path.parent.relative_to(ROOT).parts)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                ids.add(id(first.value))
    return ids


def _strings(tree: ast.AST):
    """(line, text) of every string constant that is not a docstring; an f-string as its literal parts joined."""
    docs = _docstrings(tree)
    parts_of_fstrings = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            yield node.lineno, "".join(v.value if isinstance(v, ast.Constant) else "0" for v in node.values)
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
              and id(node) not in parts_of_fstrings):
            yield node.lineno, node.value


def inline_code(source: str) -> list[tuple[int, str]]:
    """(line, what) for each long string constant in `source` that holds a CSS rule block or a JS function body."""
    found = []
    for line, text in _strings(ast.parse(source)):
        if len(text) <= LONG:
            continue
        if CSS_RULE.search(text):
            found.append((line, "a CSS rule block"))
        elif JS_BODY.search(text):
            found.append((line, "a JavaScript function body"))
    return found


def _asset_calls() -> list[tuple[Path, int, str]]:
    """(module, line, file name) of every asset("…") call with a literal name."""
    calls = []
    for f in _modules():
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "asset"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                calls.append((f, node.lineno, node.args[0].value))
    return calls


def test_the_scan_finds_inline_css_and_js_and_leaves_text_alone():
    css = "X = '''\n" + "main { max-width: 1100px; margin: 0 auto; }\n" * 6 + "'''\n"
    js = "Y = '''\n(function () {\n  document.addEventListener('keydown', function (e) { e.preventDefault(); });\n" + "  // pad\n" * 20 + "})();\n'''\n"
    arrow = "Z = f'''<script>{name}\n" + "const go = (e) => {{ e.stopPropagation(); }};\n" * 5 + "</script>'''\n"
    text = ('"""A docstring may show { css: rules; } and function () { bodies } at any length.' + " pad" * 60 + '"""\n'
            'MSG = "Column {col} of row {row}: expected a number; got {value!r}. Fix the file and upload it again, '
            'or map the column to another field; the preview shows every row that was read, rejected or changed."\n')
    assert inline_code(css) == [(1, "a CSS rule block")]
    assert inline_code(js) == [(1, "a JavaScript function body")]
    assert inline_code(arrow) == [(1, "a JavaScript function body")]
    assert inline_code(text) == []


def test_no_module_holds_css_or_js_in_a_string():
    found = [f"{f.relative_to(ROOT)}:{line} holds {what} in a string; move it to {f.parent.relative_to(ROOT)}/assets/"
             for f in _modules() for line, what in inline_code(f.read_text(encoding="utf-8"))]
    assert not found, "\n".join(found)


def test_every_asset_named_in_the_code_exists_and_is_not_empty():
    calls = _asset_calls()
    # the deck file's style and script, the site's style, script and page, the presenter page's style and keys
    assert {(_package(f), name) for f, _, name in calls} >= {
        ("outputs", "deck.css"), ("outputs", "deck-file.css"), ("outputs", "deck.js"), ("outputs", "deck.html"),
        ("outputs", "site.css"), ("outputs", "site.js"), ("outputs", "site-page.html"),
        ("ui.public", "deck-page.css"), ("ui.public", "deck-keys.js")}
    for f, line, name in calls:
        res = resources.files(_package(f)) / "assets" / name
        where = f"{f.relative_to(ROOT)}:{line} asset({name!r})"
        assert res.is_file(), f"{where}: no such file {f.parent.relative_to(ROOT)}/assets/{name}"
        assert res.read_text(encoding="utf-8").strip(), f"{where}: the file is empty"


def test_every_asset_file_is_used():
    named = {(f.parent / "assets" / name).resolve() for f, _, name in _asset_calls()}
    files = [p for name in SCANNED if (ROOT / name).is_dir() for p in (ROOT / name).rglob("assets/*") if p.is_file()]
    assert files
    unused = [str(p.relative_to(ROOT)) for p in files if p.resolve() not in named]
    assert not unused, f"asset files no module reads: {unused}"


def test_styles_and_scripts_cannot_close_the_element_they_go_into():
    """The deck file and the presenter page put them inline: a "</script" (or "<script", "<!--", which change how
    the browser reads the rest of a script) or a "</style" in a comment would break the page."""
    files = [p for name in SCANNED if (ROOT / name).is_dir() for p in (ROOT / name).rglob("assets/*") if p.suffix in (".css", ".js")]
    assert files
    for p in files:
        text = p.read_text(encoding="utf-8").lower()
        bad = ["</style", "<style"] if p.suffix == ".css" else ["</script", "<script", "<!--"]
        assert not [b for b in bad if b in text], f"{p.relative_to(ROOT)} holds {[b for b in bad if b in text]}"


@pytest.mark.parametrize("path", sorted(str(p.relative_to(ROOT)) for name in SCANNED if (ROOT / name).is_dir()
                                         for p in (ROOT / name).rglob("assets/*.html")))
def test_page_templates_have_only_valid_placeholders(path):
    """A stray "$" in a template would make string.Template fail (or leave text unfilled) when a page is written."""
    text = (ROOT / path).read_text(encoding="utf-8")
    tpl = Template(text)
    assert tpl.is_valid(), f"{path}: a '$' that is not a placeholder (write $$ for a dollar sign)"
    assert tpl.get_identifiers(), f"{path}: a template with nothing to fill"


def test_the_pages_are_built_from_the_assets():
    from outputs import deck_html as H
    from outputs import site as S
    from ui.public import deck as U

    assert H.CSS == (ROOT / "outputs/assets/deck.css").read_text(encoding="utf-8")
    assert H.FILE_JS == (ROOT / "outputs/assets/deck.js").read_text(encoding="utf-8")
    assert S.JS == (ROOT / "outputs/assets/site.js").read_text(encoding="utf-8")
    assert U.KEYS_JS == (ROOT / "ui/public/assets/deck-keys.js").read_text(encoding="utf-8")
    # the deck file's Content-Security-Policy still allows nothing from any host
    assert "default-src 'none'" in H.PAGE.template and "connect-src 'none'" in H.PAGE.template
    assert "default-src 'self'" in S.PAGE.template and "http" not in S.PAGE.template.replace("http-equiv", "")
