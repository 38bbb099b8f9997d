"""Render deploy/nginx/ for one installation: `python -m deploy.render_nginx --help`.

Writes bridges.conf (the Streamlit server), bridges-site.conf when a static site is given (the public front door) and
snippets/, filling every {{name}}: server names, listen addresses, certificate paths, the Streamlit upstream, the
upload limit (the app's own, read the way the app reads it) and the CSP hashes of the inline scripts (Streamlit's
index.html and the app's own). docs/deploy.md says how to use it.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import math
import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import streamlit
import streamlit.logger

from store.uploads import max_bytes

TEMPLATES = Path(__file__).resolve().parent / "nginx"
# Filled in by the operator, so a new render never overwrites it.
KEEP = {"snippets/bridges-analysts.conf"}
# Rendered only with a static site to serve.
SITE_FILES = {"bridges-site.conf", "snippets/bridges-site-headers.conf"}
NETWORK_RULES = ("analyst-pages", "whole-server")
# Room for the multipart headers around an uploaded file (boundary, field names, the file's name).
MULTIPART_ROOM = 64 * 1024
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


class _InlineScripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[str] = []
        self._inline = False

    def handle_starttag(self, tag, attrs):
        self._inline = tag == "script" and "src" not in dict(attrs)
        if self._inline:
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._inline = False

    def handle_data(self, data):
        if self._inline:
            self.scripts[-1] += data


def inline_scripts(html: str) -> list[str]:
    """The text of each inline <script> (one without src) in a piece of HTML."""
    parser = _InlineScripts()
    parser.feed(html)
    return parser.scripts


def app_scripts() -> list[str]:
    """The inline scripts Bridges' own pages run through st.html(..., unsafe_allow_javascript=True).

    A stopgap until the app lists them in one place: the line that sets <html lang> for each language is written
    here the way ui/public/page.py writes it, and the deck's keys come from ui.public.deck.KEYS_JS. If either changes,
    tests/test_proxy.py sees the CSP block it in chromium.
    """
    from stats.i18n import languages, locale
    from ui.public.deck import KEYS_JS

    lang_lines = [f"document.documentElement.lang = {json.dumps(locale(lang).replace('_', '-'))};" for lang in languages()]
    return lang_lines + inline_scripts(KEYS_JS if "<script" in KEYS_JS else f"<script>{KEYS_JS}</script>")


def script_hashes() -> str:
    """CSP sources ('sha256-…') for every inline script: Streamlit's index.html (the installed one) and the app's own."""
    index_html = (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    scripts = dict.fromkeys(inline_scripts(index_html) + app_scripts())
    return " ".join("'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in scripts)


def upload_max_body(data_dir: str | Path) -> int:
    """nginx's client_max_body_size for uploads, in bytes: the app's limit (store.uploads.max_bytes) rounded up to whole
    MB as the upload widget rounds it (ui/analyst/upload.py), plus the multipart headers. So every file the widget
    sends reaches the app, which explains a file over its limit; a bigger body from anything else gets 413."""
    return math.ceil(max_bytes(data_dir) / 1048576) * 1048576 + MULTIPART_ROOM


def _port(listen: str) -> str:
    return listen.rsplit(":", 1)[-1]


def values(server_name: str, certificate: str, certificate_key: str, out: Path, data_dir: str | Path,
           upstream: str = "127.0.0.1:8501", https_listen: str = "443", http_listen: str = "80",
           frame_ancestors: str = "'none'", network_rule: str = "analyst-pages",
           site_root: str | Path | None = None, site_server_name: str | None = None) -> dict[str, str]:
    """Every placeholder's value. network_rule: whether snippets/bridges-analysts.conf guards the analyst pages and
    uploads only, or the whole Streamlit server (docs/deploy.md, "Analyst pages by network")."""
    if network_rule not in NETWORK_RULES:
        raise ValueError(f"network_rule is {network_rule!r}; use one of {', '.join(NETWORK_RULES)}")
    if (site_root is None) != (site_server_name is None):
        raise ValueError("give both the static site's folder and its server name, or neither")
    https_port = _port(https_listen)
    conf_dir = Path(out).resolve()
    return {
        "server_name": server_name,
        "https_listen": https_listen,
        "http_listen": http_listen,
        "https_port_suffix": "" if https_port == "443" else f":{https_port}",
        "certificate": str(certificate),
        "certificate_key": str(certificate_key),
        "upstream": upstream,
        "conf_dir": str(conf_dir),
        "server_network_rule": f"include {conf_dir}/snippets/bridges-analysts.conf;" if network_rule == "whole-server" else "",
        "site_root": str(Path(site_root).resolve()) if site_root else "",
        "site_server_name": site_server_name or "",
        "upload_max_body": str(upload_max_body(data_dir)),
        "script_hashes": script_hashes(),
        "frame_ancestors": frame_ancestors,
        # old browsers read only X-Frame-Options: refuse every frame, or allow the same site when some embedding is allowed
        "x_frame_options": "DENY" if frame_ancestors.strip() == "'none'" else "SAMEORIGIN",
        "streamlit_version": streamlit.__version__,
    }


def fill(text: str, vals: dict[str, str]) -> str:
    """Replace every {{name}}; a name with no value is an error, not an empty string in a live config."""
    missing = sorted({m for m in PLACEHOLDER.findall(text) if m not in vals})
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda m: vals[m.group(1)], text)


def render(out: str | Path, **kwargs) -> list[Path]:
    """Write bridges.conf, snippets/ and (with a site) bridges-site.conf into `out` (see values() for the arguments);
    return the files written."""
    out = Path(out)
    vals = values(out=out, **kwargs)
    written = []
    for src in sorted(TEMPLATES.rglob("*.conf")):
        rel = src.relative_to(TEMPLATES).as_posix()
        dest = out / rel
        if (rel in KEEP and dest.exists()) or (rel in SITE_FILES and not vals["site_root"]):
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(fill(src.read_text(encoding="utf-8"), vals), encoding="utf-8")
        written.append(dest)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m deploy.render_nginx", description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="folder to write bridges.conf and snippets/ into, e.g. /etc/nginx/bridges")
    ap.add_argument("--server-name", required=True, help="the public host name, e.g. stats.example.org")
    ap.add_argument("--certificate", required=True, help="the certificate chain (PEM), e.g. /etc/letsencrypt/live/NAME/fullchain.pem")
    ap.add_argument("--certificate-key", required=True, help="its private key (PEM)")
    ap.add_argument("--upstream", default="127.0.0.1:8501", help="where `streamlit run dashboard.py` listens (default %(default)s)")
    ap.add_argument("--https-listen", default="443", help="nginx's HTTPS address or port (default %(default)s)")
    ap.add_argument("--http-listen", default="80", help="the plain-HTTP port that redirects to HTTPS (default %(default)s)")
    ap.add_argument("--data-dir", default=os.environ.get("BRIDGES_DATA_DIR", "data"),
                    help="the store, for its upload limit in analyst.toml (default $BRIDGES_DATA_DIR, else data)")
    ap.add_argument("--frame-ancestors", default="'none'",
                    help="who may show Bridges in a frame, as a CSP source list (default %(default)s: nobody)")
    ap.add_argument("--network-rule", choices=NETWORK_RULES, default="analyst-pages",
                    help="what snippets/bridges-analysts.conf guards: the analyst pages and uploads (default), or the "
                         "whole Streamlit server (then the public reads the static site)")
    ap.add_argument("--site-root", help="the static snapshot's folder (python -m bridges site DIR), served by nginx")
    ap.add_argument("--site-server-name", help="the static site's host name, e.g. stats.example.org (then give the "
                                               "Streamlit server its own, e.g. analysts.stats.example.org)")
    a = ap.parse_args(argv)
    streamlit.logger.set_log_level("error")  # importing the pages' modules outside `streamlit run` warns of no runtime
    try:
        files = render(a.out, server_name=a.server_name, certificate=a.certificate, certificate_key=a.certificate_key,
                       data_dir=a.data_dir, upstream=a.upstream, https_listen=a.https_listen, http_listen=a.http_listen,
                       frame_ancestors=a.frame_ancestors, network_rule=a.network_rule, site_root=a.site_root,
                       site_server_name=a.site_server_name)
    except ValueError as e:
        print(f"Nothing was written: {e}.", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"Could not write the nginx files: {e}. Check that --out is a folder you can write to.", file=sys.stderr)
        return 1
    for f in files:
        print(f"wrote {f}")
    confs = " and ".join(str(f) for f in files if f.parent == Path(a.out) and f.suffix == ".conf")
    print(f"Now include {confs} in nginx's http block (or link into /etc/nginx/sites-enabled/), "
          "then run `nginx -t` and `systemctl reload nginx`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
