"""A small Markdown-to-HTML renderer for the project's own documents (docs/*.md) in the static site.

It covers what those documents use: headings, paragraphs, bullet and numbered lists (with continuation lines),
tables, fenced code, `code`, **bold**, *italic* and links. Everything is HTML-escaped first; links to other
documents of the repository become plain text (they do not exist on the site), links to https pages stay.
It is for text written by the project, never for uploaded text.
"""
from __future__ import annotations

import html
import re

_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])")


def inline(text: str) -> str:
    codes: list[str] = []

    def keep(m):
        codes.append(f"<code>{html.escape(m.group(1), quote=False)}</code>")
        return f"\x00{len(codes) - 1}\x00"

    s = _CODE.sub(keep, text)
    s = html.escape(s, quote=False)

    def link(m):
        label, href = m.group(1), html.unescape(m.group(2))
        if href.startswith("https://"):
            return f'<a href="{html.escape(href, quote=True)}">{label}</a>'
        return label

    s = _LINK.sub(link, s)
    s = _BOLD.sub(r"<strong>\1</strong>", s)
    s = _ITALIC.sub(r"<em>\1</em>", s)
    return re.sub(r"\x00(\d+)\x00", lambda m: codes[int(m.group(1))], s)


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", line)]


def to_html(text: str, heading_offset: int = 0, id_prefix: str = "") -> str:
    """Markdown → HTML. heading_offset pushes headings down (# becomes <h2> with 1); ids are slugs of the heading text."""
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    para: list[str] = []
    i = 0

    def flush():
        if para:
            out.append("<p>" + inline(" ".join(x.strip() for x in para)) + "</p>")
            para.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            block = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                block.append(lines[i])
                i += 1
            out.append("<pre><code>" + html.escape("\n".join(block), quote=False) + "</code></pre>")
            i += 1
            continue
        m = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        if m:
            flush()
            level = min(len(m.group(1)) + heading_offset, 6)
            slug = id_prefix + re.sub(r"[^a-z0-9]+", "-", m.group(2).lower()).strip("-")
            out.append(f'<h{level} id="{html.escape(slug, quote=True)}">{inline(m.group(2))}</h{level}>')
            i += 1
            continue
        if stripped.startswith("|") and i + 1 < len(lines) and re.match(r"^\s*\|?\s*:?-{2,}", lines[i + 1]):
            flush()
            head = _cells(stripped)
            rows = []
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            t = ["<div class=\"table-wrap\"><table><thead><tr>" + "".join(f'<th scope="col">{inline(c)}</th>' for c in head) + "</tr></thead><tbody>"]
            for r in rows:
                t.append("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>")
            t.append("</tbody></table></div>")
            out.append("".join(t))
            continue
        lm = re.match(r"^(\s*)([-*]|\d+\.)\s+(.*)$", line)
        if lm:
            flush()
            ordered = lm.group(2)[0].isdigit()
            items: list[list[str]] = []
            while i < len(lines):
                cur = lines[i]
                mm = re.match(r"^(\s*)([-*]|\d+\.)\s+(.*)$", cur)
                if mm and len(mm.group(1)) <= len(lm.group(1)) + 1:
                    items.append([mm.group(3)])
                elif cur.strip() and (cur.startswith("  ") or cur.startswith("\t")) and items:
                    items[-1].append(cur.strip())
                else:
                    break
                i += 1
            tag = "ol" if ordered else "ul"
            out.append(f"<{tag}>" + "".join("<li>" + inline(" ".join(it)) + "</li>" for it in items) + f"</{tag}>")
            continue
        if not stripped:
            flush()
        else:
            para.append(line)
        i += 1
    flush()
    return "\n".join(out)
