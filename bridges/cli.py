"""The command line, `python -m bridges` (alias `python -m bridges`): inspect, ingest, publish, releases, rollback, export, demo, deck, site, client-report, approve-report, users, audit."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from model.errors import InputError
from store.versioned import Store, StoreBusy, default_data_dir, shared_files


def _store(args) -> Store:
    return Store(args.data_dir or default_data_dir())  # a folder, or s3://bucket/prefix


def _print_json(doc) -> None:
    print(json.dumps(doc, indent=1, ensure_ascii=False, default=str))


def cmd_inspect(args) -> int:
    from store import worker

    # read in a worker with the store's limits, as the upload page does, so a hostile file ends only that process
    result = worker.run(_store(args).root, "loaders.suggest:inspect_file", Path(args.file), sheet=args.sheet, dataset=args.dataset)
    if args.json:
        _print_json({k: v for k, v in result.items() if k != "toml"})
    elif result.get("toml") is None:
        print(result["message"])
    if result.get("toml") is not None:
        if args.output:
            Path(args.output).write_text(result["toml"], encoding="utf-8")
            if not args.json:
                print(f"{result['message']}\nSuggested mapping written to {args.output}. Check it, then run: python -m bridges ingest {args.file} --dataset {result['dataset']} --profile {args.output}")
        elif not args.json:
            print(result["toml"])
    return 0


class _Progress:
    """A stage-by-stage progress bar on the terminal (tqdm; silent when stderr is not a terminal)."""

    def __init__(self, stages, desc):
        from tqdm import tqdm

        self.bar = tqdm(total=len(stages), desc=desc, unit="step", leave=False, disable=None, file=sys.stderr,
                        bar_format="{desc}: {n_fmt}/{total_fmt} {bar} {postfix}")

    started = False

    def __call__(self, stage):
        if self.started:
            self.bar.update(1)
        self.started = True
        self.bar.set_postfix_str(stage)

    def close(self):
        self.bar.close()


def cmd_ingest(args) -> int:
    from accounts.audit import COMMAND_LINE
    from bridges import actions
    from loaders.ingest import STAGES, format_report

    store = _store(args)
    who = actions.command_line_who(store.root, args.by)
    bar = _Progress(STAGES, Path(args.file).name)
    try:
        report = actions.ingest_upload(store, Path(args.file), args.dataset, who, profile=args.profile, quarter=args.quarter, sheet=args.sheet,
                                       population=args.population, progress=bar, origin=COMMAND_LINE)
    finally:
        bar.close()
    if args.json:
        _print_json(report)
    else:
        print(format_report(report))
    return 0


def _release_action(args, action: str, *what) -> dict:
    """Run the audited `publish` or `rollback` as the command line's user, waiting for the store; the new release."""
    from accounts.audit import COMMAND_LINE
    from bridges import actions
    from store.versioned import LOCK_TIMEOUT

    store = _store(args)
    who = actions.command_line_who(store.root, args.by)
    out = getattr(actions, action)(store, *what, who, args.note, wait=LOCK_TIMEOUT, origin=COMMAND_LINE)
    if not out["ok"]:
        raise StoreBusy(out["message"])
    return out["release"]


def cmd_publish(args) -> int:
    m = _release_action(args, "publish", args.drafts)
    if args.json:
        _print_json(m)
    else:
        print(f"Release {m['version']} published by {m['by']}: {m['note']}")
        print("Rows: " + ", ".join(f"{k} {v:,}" for k, v in m["row_counts"].items()))
        for c in m["corrections"][:20]:
            what = f"{c['quarter']} {c.get('category', c['dataset'])}"
            print(f"Correction: {what} revised {c['before']} → {c['after']}")
    return 0


def cmd_releases(args) -> int:
    rels = _store(args).releases()
    if args.json:
        _print_json(rels)
        return 0
    if not rels:
        print("No releases yet. Ingest a file and publish its draft, or run: python -m bridges demo")
    for r in rels:
        extra = f" (restores release {r['restores']})" if r.get("restores") else ""
        counts = ", ".join(f"{k} {v:,}" for k, v in r["row_counts"].items())
        print(f"{r['version']:>4}  {r['published_at']}  {r['by']}: {r['note']}{extra}  [{counts}]")
        for c in r.get("corrections", [])[:5]:
            print(f"        {c['quarter']} {c.get('category', c['dataset'])} revised {c['before']} → {c['after']}")
    return 0


def cmd_rollback(args) -> int:
    m = _release_action(args, "rollback", args.version)
    print(f"Release {m['version']} restores release {args.version} ({m['note']}). Nothing was deleted; release {m['parent']} can be restored the same way.")
    return 0


def cmd_drafts(args) -> int:
    store = _store(args)
    drafts = store.list_drafts()
    if args.json:
        _print_json([store.draft(d) for d in drafts])
        return 0
    if not drafts:
        print("No drafts waiting.")
    for d in drafts:
        meta = store.draft(d)
        print(f"{d}  {meta['file']}  {meta['rows']:,} rows  ({meta['source']})")
    return 0


def cmd_redact(args) -> int:
    from accounts.audit import COMMAND_LINE
    from bridges import actions

    store = _store(args)
    who = actions.command_line_who(store.root, args.by)
    edits = []
    if args.row is not None:
        if not args.column or args.text is None:
            raise InputError("--row goes with --column and --text (the corrected public text).")
        meta = store.draft(args.draft)
        idx = next((h["index"] for h in meta.get("privacy_hits", []) if h["row"] == args.row and h["column"] == args.column), None)
        if idx is None:
            raise InputError(f"no personal-data hit at row {args.row}, column '{args.column}' in draft {args.draft}; run `python -m bridges drafts` to see it.")
        edits.append({"index": idx, "column": args.column, "text": args.text})
    if not edits and not args.all:
        raise InputError("say what to redact: --all, or --row N --column C --text NEW.")
    left = actions.redact(store, args.draft, who, edits, redact_all=args.all, origin=COMMAND_LINE)
    if left:
        print(f"{len(left)} hit(s) remain; first: row {left[0]['row']}, column '{left[0]['column']}': {left[0]['kind']} '{left[0]['match']}'.")
        return 1
    print(f"Draft {args.draft} has no personal data left in its public text; it can be published.")
    return 0


def cmd_export(args) -> int:
    from outputs.export import export_release

    store = _store(args)
    manifest = store.release(args.version) if args.version else store.current()
    if manifest is None:
        raise InputError("nothing is published yet; publish a draft first (or run: python -m bridges demo).")
    if not manifest.get("public"):
        raise InputError(f"release {manifest['version']} was published before the public gate existed; publish again to export it.")
    with shared_files():  # downloads for anyone: the modes files had before the store made this process private
        files = export_release(store.root / manifest["public"], manifest, Path(args.outdir))
    print(f"Release {manifest['version']}: wrote {len(files)} files to {args.outdir} (CSV, Parquet, datapackage.json, privacy note).")
    return 0


def cmd_demo(args) -> int:
    from accounts.audit import COMMAND_LINE
    from demo.build import KINDS, build_demo, kind_root

    root = _store(args).root
    # one kind into the folder itself; "all" as a fresh checkout has them: the police in the folder, the others in providers/
    for kind in (KINDS if args.kind == "all" else [args.kind]):
        where = kind_root(root, kind) if args.kind == "all" else root
        m = build_demo(Store(where), force=args.force, origin=COMMAND_LINE, kind=kind)
        print(f"Demo store ({kind}) ready at release {m['version']} in {where}: " + ", ".join(f"{k} {v:,}" for k, v in m["row_counts"].items()))
    return 0


def cmd_rebuild(args) -> int:
    from store.rebuild import rebuild

    out = rebuild(_store(args), Path(args.into))
    print(f"Rebuilt {len(out['releases'])} release(s) from raw files into {args.into}; tables match: {out['match']}")
    return 0 if out["match"] else 1


def _scheme_areas(rel, scheme: str | None):
    """area_id and name of the areas of one scheme (None: the main one); an input error naming the schemes the release
    has when it has no such scheme."""
    from stats import schemes

    every = schemes.scheme_areas(rel)
    if scheme is None:
        return every[every["scheme"].isna()]
    if scheme not in set(every["scheme"].dropna()):
        have = ", ".join(s for s in schemes.schemes(rel) if s) or "none besides the main areas"
        raise InputError(f"release {rel.version} has no area scheme '{scheme}'; leave --scheme out for the main areas, or choose one of: {have}.")
    return every[every["scheme"] == scheme]


def _deck_area(areas, wanted: str, version: int, scheme: str | None = None) -> str:
    """The area --area names, as a key of stats.schemes ("district:7" with --scheme district): 'all', an id, or a name
    (any case: --area "Riverside Mall"); an input error listing them when it names none, or a name two areas share."""
    if scheme and wanted.strip().lower() != "all":
        from stats import schemes

        return schemes.key(scheme, _deck_area(areas, wanted, version))
    wanted = wanted.strip()
    ids = [str(a) for a in areas["area_id"]]
    if wanted.lower() == "all" or wanted in ids:
        return "all" if wanted.lower() == "all" else wanted
    named = [str(a) for a, n in zip(areas["area_id"], areas["name"]) if str(n).strip().casefold() == wanted.casefold()]
    if len(named) == 1:
        return named[0]
    if named:
        raise InputError(f"release {version} has {len(named)} areas named '{wanted}'; give its id instead: {', '.join(named)}.")
    if not ids:
        raise InputError(f"release {version} has no areas table, so a deck can only be made for all areas: use --area all "
                         "(or publish a list of areas with the incidents).")
    listed = ", ".join(f"{n} ({a})" for a, n in sorted(zip(ids, areas["name"].astype(str)), key=lambda x: x[1].lower()))
    raise InputError(f"release {version} has no area '{wanted}'; choose 'all' or one of these names or ids: {listed}.")


def cmd_deck(args) -> int:
    from outputs import deck_html
    from stats import queries
    from stats.i18n import languages
    from stats.read import open_release

    rel = open_release(_store(args).root, args.version)
    if rel is None:
        raise InputError("nothing is published yet; publish a draft first (or run: python -m bridges demo).")
    if args.lang not in languages():
        raise InputError(f"no language '{args.lang}'; choose one of: {', '.join(languages())}.")
    area = _deck_area(_scheme_areas(rel, args.scheme), args.area, rel.version, args.scheme)
    qs = queries.all_quarters(rel)
    if args.quarter != "latest" and args.quarter not in qs:
        raise InputError(f"release {rel.version} has no quarter '{args.quarter}'; choose 'latest' or one of: {', '.join(qs)}.")
    from outputs.images import ImageError

    try:
        with shared_files():
            out = deck_html.write(rel, Path(args.outfile), area, args.quarter, args.lang, pdf=args.pdf)
    except ImageError as exc:
        raise InputError(f"the deck was written to {args.outfile}, but not the PDF: {exc}") from None
    d = out["deck"]
    print(f"Wrote {out['html']}: {len(d.slides)} slides, {d.where}, {d.quarter_label}, release {d.version}, "
          f"{out['bytes'] / 1e6:.1f} MB, one file that works offline (keys: arrows, Page Up/Down, space; N for notes).")
    if out["pdf"]:
        print(f"Wrote {out['pdf']}: one slide per page.")
    return 0


def cmd_site(args) -> int:
    from outputs import site

    root = _store(args).root
    with shared_files():  # a web server reads the site: not the store's owner-only modes
        result = site.build(root, Path(args.outdir), version=args.version)
    print(f"Wrote a static site of release {result['version']} to {args.outdir}: {result['pages']} pages, {result['charts']} charts, "
          f"{result['files']} files, {result['bytes'] / 1e6:.1f} MB. Serve it with any web server, e.g. python -m http.server -d {args.outdir}")
    return 0


def cmd_client_report(args) -> int:
    from accounts.audit import COMMAND_LINE
    from bridges import actions
    from outputs.images import ImageError

    store = _store(args)
    out = Path(args.outfile)
    fmt = out.suffix.lower().lstrip(".")
    who = actions.command_line_who(store.root, args.by)
    try:
        data, _, approval = actions.client_report_copy(store, args.site, args.period, who, fmt, lang=args.lang, paper=args.paper,
                                                       draft=args.draft, origin=COMMAND_LINE)
    except ImageError as exc:
        raise InputError(f"the PDF could not be made ({exc}), so nothing was written", "Write the report as .html instead, or install chromium.") from None
    with shared_files():  # a file for the client: the modes the process had, not the store's owner-only ones
        out.write_bytes(data)
    if approval:
        print(f"Wrote {out}: the client copy, approved by {approval['by']} on {approval['at'][:10]} for release {approval['release']}.")
    else:
        print(f"Wrote {out}: a DRAFT copy (not approved for the client; every page says DRAFT).")
    return 0


def cmd_approve_report(args) -> int:
    from accounts.audit import COMMAND_LINE
    from bridges import actions

    store = _store(args)
    who = actions.command_line_who(store.root, args.by)
    a = actions.approve_client_report(store, args.site, args.period, who, lang=args.lang, origin=COMMAND_LINE)
    print(f"The report for {a['site_name']} in {args.period} is approved for the client by {a['by']} (release {a['release']}). "
          f"A new release will need a new approval. Write it with: python -m bridges client-report --site \"{a['site_name']}\" "
          f"--period {args.period} OUT.pdf")
    return 0


def cmd_add_user(args) -> int:
    import getpass

    from accounts import users
    from accounts.audit import COMMAND_LINE
    from bridges import actions

    root = _store(args).root
    who = actions.command_line_who(root, args.by, need_account=False)  # checked before the password is asked for
    password = None
    if not args.oidc:
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = getpass.getpass(f"Password for {args.name} (at least {users.MIN_PASSWORD} characters): ")
            if getpass.getpass("The same password again: ") != password:
                raise InputError("the two passwords differ; nothing was changed. Run add-user again.")
    name = actions.add_user(root, args.name, args.role, password, who, oidc=args.oidc, origin=COMMAND_LINE)
    how = "signs in through the identity provider (st.login)" if args.oidc else "signs in with this password on the sign-in page"
    print(f"{name} is an {args.role} and {how}. Accounts are in {users.accounts_path(root)}.")
    return 0


def cmd_remove_user(args) -> int:
    from accounts.audit import COMMAND_LINE
    from bridges import actions

    root = _store(args).root
    who = actions.command_line_who(root, args.by, need_account=False)
    name = actions.remove_user(root, args.name, who, origin=COMMAND_LINE)
    print(f"{name} can no longer sign in; a session already open is closed on its next page.")
    return 0


def cmd_users(args) -> int:
    from accounts import users

    accounts = users.load(_store(args).root)
    if not accounts:
        print("No accounts yet. Add one with: python -m bridges add-user NAME --role analyst")
    for name, u in sorted(accounts.items()):
        via = "identity provider" if u.get("oidc") else "local password"
        print(f"{name}  {u.get('role')}  ({via}, added {u.get('created_at', '?')})")
    return 0


def cmd_audit(args) -> int:
    from accounts import audit

    rows = audit.entries(_store(args).root, args.limit)
    if args.json:
        _print_json(rows)
        return 0
    if not rows:
        print("The audit log is empty.")
    for e in reversed(rows):
        extra = ", ".join(f"{k}={v}" for k, v in e.items() if k not in ("at", "event", "who", "os_user", "origin"))
        # entries written before the OS user and the origin were recorded have neither
        whence = ", ".join(x for x in (e.get("os_user") and f"OS user {e['os_user']}", e.get("origin")) if x)
        print(f"{e.get('at')}  {e.get('event')}  {e.get('who')}{f' ({whence})' if whence else ''}  {extra}")
    return 0


# who acts: bridges.actions.command_line_who; the audit log keeps this name, the operating-system user and "command line"
BY_HELP = ("who does this, for the release history and the audit log: an account of this store (`users` lists them); "
           "default: your operating-system user, which must be an account once the store has any")
BY_ADMIN_HELP = "who does this, for the audit log: an account of this store, if given (default: your operating-system user)"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bridges", description="Bridges data command line: turn raw exports into versioned, publishable tables.")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    def add(name, func, help_):
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.add_argument("--data-dir", help="store folder (default: data/, or $BRIDGES_DATA_DIR)")
        sp.set_defaults(func=func)
        return sp

    sp = add("inspect", cmd_inspect, "Recognise an export, or suggest a mapping profile (TOML) for one never seen before.")
    sp.add_argument("file")
    sp.add_argument("--output", "-o", help="write the suggested profile here")
    sp.add_argument("--dataset", help="the dataset the file holds, if the guess is wrong")
    sp.add_argument("--sheet", help="the sheet to read, for a workbook with several")
    sp.add_argument("--json", action="store_true")

    sp = add("ingest", cmd_ingest, "Read, map and validate an export into a draft, and report every row.")
    sp.add_argument("file")
    sp.add_argument("--dataset", required=True, choices=["incidents", "engagement", "feedback", "survey", "areas"])
    sp.add_argument("--profile", help="mapping profile (TOML) from `inspect`")
    sp.add_argument("--quarter", help="the quarter this upload replaces, e.g. 2026Q3")
    sp.add_argument("--sheet", help="the sheet to read, for a workbook with several")
    sp.add_argument("--population", help="with --dataset areas: a population file to join to the boundaries")
    sp.add_argument("--by", help=BY_HELP)
    sp.add_argument("--json", action="store_true")

    sp = add("publish", cmd_publish, "Make one or more drafts a new release, atomically.")
    sp.add_argument("drafts", nargs="+")
    sp.add_argument("--by", help=BY_HELP)
    sp.add_argument("--note", required=True)
    sp.add_argument("--json", action="store_true")

    sp = add("releases", cmd_releases, "List every release with who, when, why, row counts and corrections.")
    sp.add_argument("--json", action="store_true")

    sp = add("rollback", cmd_rollback, "Restore an earlier release as a new release (nothing is lost).")
    sp.add_argument("version", type=int)
    sp.add_argument("--by", help=BY_HELP)
    sp.add_argument("--note", required=True)

    sp = add("drafts", cmd_drafts, "List drafts waiting to be published.")
    sp.add_argument("--json", action="store_true")

    sp = add("export", cmd_export, "Write the public downloads of a release: CSV and Parquet per dataset, datapackage.json.")
    sp.add_argument("outdir")
    sp.add_argument("--version", type=int, help="the release to export (default: the newest)")

    sp = add("redact", cmd_redact, "Remove personal data the scanner found in a draft's public text.")
    sp.add_argument("draft")
    sp.add_argument("--all", action="store_true", help="replace every hit with [redacted]")
    sp.add_argument("--row", type=int, help="spreadsheet row of one hit to correct by hand")
    sp.add_argument("--column", help="its column")
    sp.add_argument("--text", help="the corrected public text")
    sp.add_argument("--by", help=BY_HELP)

    sp = add("demo", cmd_demo, "Build the demo store from the embedded demo exports.")
    sp.add_argument("--kind", choices=["police", "campus", "security", "all"], default="police",
                    help="police (default): Riverton's police service; campus: Riverton State University's public safety department, "
                         "with its Clery Act report and crime log; security: Beacon Guard Services, a private security company with "
                         "client sites and no boundaries; all: the three, the others in the folder's providers/riverton-state/ and "
                         "providers/beacon-guard/")
    sp.add_argument("--force", action="store_true", help="rebuild even if the store has releases")

    sp = add("rebuild", cmd_rebuild, "Rebuild every release from the raw files into another folder and compare.")
    sp.add_argument("--into", required=True)

    sp = add("deck", cmd_deck, "Write the town-hall deck of an area and a quarter as one HTML file that works offline.")
    sp.add_argument("outfile")
    sp.add_argument("--area", default="all", help="area id or name (e.g. \"Riverside Mall\"), or 'all' for all areas (default)")
    sp.add_argument("--scheme", help="the area scheme --area is in, e.g. district (--scheme district --area 7); default: the main areas")
    sp.add_argument("--quarter", default="latest", help="e.g. 2026Q3, or 'latest' (default)")
    sp.add_argument("--lang", default="en", help="language of the slides: en (default) or fr")
    sp.add_argument("--version", type=int, help="the release to show (default: the newest)")
    sp.add_argument("--pdf", action="store_true", help="also write OUTFILE.pdf, one slide per page (needs Debian's chromium)")

    sp = add("site", cmd_site, "Write a static public site of a release (any web server can serve it; nothing from outside).")
    sp.add_argument("outdir")
    sp.add_argument("--version", type=int, help="the release to publish (default: the newest)")

    sp = add("client-report", cmd_client_report, "Write a client site's report for a period (HTML or PDF by the file's ending); the client "
                                                    "copy needs an analyst's approval of the newest release (approve-report).")
    sp.add_argument("outfile", help="OUT.pdf or OUT.html")
    sp.add_argument("--site", required=True, help="the site's name or id, e.g. \"Riverside Mall\"")
    sp.add_argument("--period", required=True, help="a quarter like 2026-Q3, or a month like 2026-07")
    sp.add_argument("--draft", action="store_true", help="write a copy marked DRAFT on every page, approved or not")
    sp.add_argument("--lang", default="en", choices=["en", "fr"], help="language of the report (default: en)")
    sp.add_argument("--paper", default="a4", choices=["a4", "letter"], help="page size (default: a4)")
    sp.add_argument("--by", help=BY_HELP)

    sp = add("approve-report", cmd_approve_report, "Approve a client site's report for a period in the newest release, so it may be shared.")
    sp.add_argument("--site", required=True, help="the site's name or id")
    sp.add_argument("--period", required=True, help="a quarter like 2026-Q3, or a month like 2026-07")
    sp.add_argument("--lang", default="en", choices=["en", "fr"], help="the language the analyst read it in (recorded)")
    sp.add_argument("--by", help=BY_HELP)

    sp = add("add-user", cmd_add_user, "Add an analyst account (asks for a password; only a salted scrypt hash is kept).")
    sp.add_argument("name", help="a local sign-in name, or with --oidc the email the identity provider signs in with")
    sp.add_argument("--role", required=True, choices=["analyst"])
    sp.add_argument("--password-stdin", action="store_true", help="read the password from the first line of standard input")
    sp.add_argument("--oidc", action="store_true", help="an identity-provider account (st.login): no password is stored")
    sp.add_argument("--by", help=BY_ADMIN_HELP)

    sp = add("remove-user", cmd_remove_user, "Remove an account; its open sessions end on their next page.")
    sp.add_argument("name")
    sp.add_argument("--by", help=BY_ADMIN_HELP)

    sp = add("users", cmd_users, "List the accounts and their roles (never the password hashes).")

    sp = add("audit", cmd_audit, "Show the audit log: sign-ins, uploads, drafts, publishes, rollbacks, deletions, redactions, accounts, "
                                   "client-site reports approved for the client and the copies made of them (client-report-approved, "
                                   "client-report-shared, client-report-draft) (who, the operating-system user, from the browser or the "
                                   "command line).")
    sp.add_argument("--limit", type=int, default=100)
    sp.add_argument("--json", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        from model.errors import CLI

        print(f"error: {_one_line(exc.sentence(CLI))}", file=sys.stderr)  # where, what happened, and the command to run
        return 2
    except StoreBusy as exc:
        print(f"busy: {_one_line(exc)}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("stopped.", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for the analyst; the detail goes to the data folder's logs/ (owner-only)
        import traceback

        from store import logs

        try:
            where = f"Details for the developers are in {logs.append(_store(args).root, ERROR_LOG, traceback.format_exc())}."
        except OSError as log_exc:  # e.g. a symlink planted at the log, which is never followed
            where = f"The details could not be written to the data folder's {logs.DIR}/{ERROR_LOG} ({log_exc.strerror or log_exc})."
        print(f"error: something unexpected went wrong ({type(exc).__name__}: {_one_line(exc)[:200]}). Nothing was published. {where}", file=sys.stderr)
        return 1


ERROR_LOG = "bridges-error.log"


def _one_line(exc: BaseException) -> str:
    """A message on one line (a value quoted from a file can hold line breaks)."""
    return " ".join(str(exc).split())
