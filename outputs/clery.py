"""A campus's Annual Security Report as files: its tables as one CSV, and as a PDF that chromium prints offline.

Both are made from the blocks of the /clery page (stats.clery), so the page, the CSV and the PDF show the same
numbers and words. Every text is escaped (html.escape): the provider's name comes from provider.toml.
"""
from __future__ import annotations

import html
import io
from string import Template

import pandas as pd

from gate.spreadsheet import neutralize_frame
from stats import clery
from stats.blocks import Bullets, Heading, Table, Text
from stats.i18n import locale, t
from stats.read import Release

from .deck import provider
from .deck_html import asset
from .printing import print_pdf


def report(rel: Release, lang: str) -> list:
    """The /clery page's blocks for a release (the same blocks the page draws)."""
    return clery.report_blocks(rel, lambda fn, *args: fn(rel, *args), lang)


def csv_bytes(rel: Release, lang: str = "en") -> bytes:
    """Every table of the report one under the other, each row naming its table: formula-safe, UTF-8 with BOM."""
    parts = []
    table_col = t("clery.col.table", lang)
    for b in report(rel, lang):
        if isinstance(b, Table):
            frame = b.table.copy()
            frame.insert(0, table_col, b.title)
            parts.append(frame)
    if not parts:
        return b""
    out = pd.concat(parts, ignore_index=True)
    labels = [c for c in out.columns if clery.SEP not in str(c)]  # table, category, bias (the hate crimes'), then the counts
    out = out[labels + [c for c in out.columns if c not in labels]]
    counts = [c for c in out.columns if clery.SEP in str(c)]
    out[counts] = out[counts].astype("Int64")  # a table without hate crimes has no bias column: no float counts
    buf = io.BytesIO()
    neutralize_frame(out).to_csv(buf, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return buf.getvalue()


def _esc(x) -> str:
    return html.escape("" if x is None or (isinstance(x, float) and pd.isna(x)) else str(x), quote=True)


def _table_html(frame: pd.DataFrame, title: str, lang: str) -> str:
    """A report table with two header rows (years, then places within each year), row headers, and the total row marked."""
    labels = [c for c in frame.columns if clery.SEP not in str(c)]
    counts = [c for c in frame.columns if clery.SEP in str(c)]
    years: list[tuple[str, int]] = []
    for c in counts:
        y = str(c).split(clery.SEP)[0]
        if years and years[-1][0] == y:
            years[-1] = (y, years[-1][1] + 1)
        else:
            years.append((y, 1))
    head1 = "".join(f'<th scope="col" rowspan="2">{_esc(c)}</th>' for c in labels)
    head1 += "".join(f'<th scope="colgroup" colspan="{n}">{_esc(y)}</th>' for y, n in years)
    head2 = "".join(f'<th scope="col">{_esc(str(c).split(clery.SEP, 1)[1])}</th>' for c in counts)
    rows = []
    last = len(frame) - 1
    for i, r in enumerate(frame.itertuples(index=False)):
        values = list(r)
        cells = f'<th scope="row">{_esc(values[0])}</th>' + "".join(f'<td class="text">{_esc(v)}</td>' for v in values[1:len(labels)])
        cells += "".join(f"<td>{_esc(v)}</td>" for v in values[len(labels):])
        total = ' class="total"' if i == last and values[0] == t("clery.total", lang) else ""
        rows.append(f"<tr{total}>{cells}</tr>")
    return (f'<table aria-label="{_esc(title)}"><thead><tr>{head1}</tr><tr>{head2}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def html_page(rel: Release, lang: str = "en") -> str:
    """The report as one HTML document with everything inside it (style included), ready to print."""
    body = []
    for b in report(rel, lang):
        if isinstance(b, Table):
            inner = _table_html(b.table, b.title, lang) if len(b.table) else ""
            notes = "".join(f'<p class="note">{_esc(n)}</p>' for n in b.notes)
            body.append(f"<section><h2>{_esc(b.title)}</h2><p>{_esc(b.sentence)}</p>{inner}{notes}</section>")
        elif isinstance(b, Heading):
            body.append(f"<h2>{_esc(b.text)}</h2>")
        elif isinstance(b, Text):
            body.append(f'<p class="{"note" if b.kind == "note" else "text"}">{_esc(b.text)}</p>')
        elif isinstance(b, Bullets):
            body.append("<ul>" + "".join(f"<li>{_esc(i)}</li>" for i in b.items) + "</ul>")
    title = _esc(t("page.clery.title", lang))
    # the printed reports' page, shared with the client report (outputs/client_report.py): no viewport, no watermark
    return Template(asset("report.html")).substitute(
        lang=_esc(locale(lang).replace("_", "-")), meta="", css=asset("asr.css"), title=title, watermark="",
        provider=_esc(provider(rel.store.root, lang)["name"]), heading=title,
        head=f'<p class="release">{_esc(t("clery.release", lang, version=rel.version))}</p>',
        body="\n".join(body), footer=_esc(t("clery.footer", lang, version=rel.version)))


def pdf_bytes(rel: Release, lang: str = "en") -> bytes:
    """The report printed to PDF by chromium (US Letter, landscape), with no network."""
    return print_pdf(html_page(rel, lang))


def file_name(rel: Release, lang: str, ext: str) -> str:
    return f"bridges-release-{rel.version}-annual-security-report-{lang}.{ext}"
