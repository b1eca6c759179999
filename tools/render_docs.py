#!/usr/bin/env python
"""Build the docs site without Quarto: nbdev's own notebook processing into `_proc/`, then smalldocs into `doc_path` (`_docs/`).

Usage (project venv): `.venv/bin/python tools/render_docs.py [--incremental] [--strict]`. Exits non-zero on failure.
Mirrors `nbdev_docs` (nbdev/quarto.py `_pre_docs`, nbdev 2.4) with `quarto render` replaced by smalldocs; like nbdev_docs it
also (re)writes nbs/nbdev.yml, nbs/sidebar.yml and <lib>/_modidx.py. README.md is not rebuilt (that needs Quarto).
"""
import argparse, os, re, shutil, sys, traceback
from pathlib import Path


def proc_nbs(incremental=False):
    "What `nbdev_docs`/`nbdev_proc_nbs` do before `quarto render`: nbdev.yml, _modidx, sidebar.yml, notebooks -> _proc/."
    import nbdev.quarto as nq
    nq._ensure_quarto = lambda: None  # nbdev would otherwise try to download and `sudo dpkg -i` Quarto
    # force=True rebuilds _proc from scratch, so renamed or deleted notebooks leave no stale pages behind
    cache, cfg, _ = nq._pre_docs(force=not incremental)
    return Path(cache), cfg


# Quarto gives pandas DataFrame outputs Bootstrap table styling; smalldocs leaves them as bare `border="1"` tables
EXTRA_CSS = 'nbdev_smalldocs.css'
DATAFRAME_CSS = """/* written by tools/render_docs.py */
.cell-output-display table.dataframe { border: none; border-collapse: collapse; font-size: .875em; margin-bottom: 1rem; }
.cell-output-display table.dataframe th, .cell-output-display table.dataframe td {
  padding: .25rem .5rem; border: none; border-bottom: 1px solid var(--bs-border-color, #dee2e6); text-align: right; }
.cell-output-display table.dataframe tbody tr:nth-of-type(odd) { background: rgba(0, 0, 0, .03); }
"""


def render(cache):
    "Render `cache` (_proc) with smalldocs; return the output folder and the warnings."
    from smalldocs.config import load
    from smalldocs.site import Site

    class NbdevSite(Site):
        "smalldocs ignores Quarto's `output-file`; nbdev's FrontmatterProc sets it (`00_core.ipynb` -> `core.html`), and doc links rely on it."
        def read(self, src):
            page = super().read(src)
            of = page.front.get('output-file')
            if of: page.out = page.out.with_name(Path(str(of)).with_suffix('.html').name)
            return page

        def find_page(self, target):  # so that a link written as `core.html` finds the page of `00_core.ipynb`
            return super().find_page(target) or next((p for p in self.pages.values() if p.out == target), None)

    project = load(cache)  # reads _proc/_quarto.yml + metadata-files nbdev.yml, sidebar.yml (output-dir: doc_path)
    html = project.config.setdefault('format', {}).setdefault('html', {}) if isinstance(project.config.get('format', {}), dict) else None
    if isinstance(html, dict):  # add our stylesheet in memory; _quarto.yml stays as nbdev/Quarto expect it
        (cache/EXTRA_CSS).write_text(DATAFRAME_CSS)
        css = html.get('css') or []
        html['css'] = [*(css if isinstance(css, list) else [css]), EXTRA_CSS]
    site = NbdevSite(project, quiet=True)
    site.build()
    outs = {}
    for p in site.pages.values():
        if p.out in outs: raise SystemExit(f"render_docs: {outs[p.out]} and {p.src} both map to {p.out}")
        outs[p.out] = p.src
    return site.out, site.warnings, len(site.pages)


# Warnings that the stock nbdev _quarto.yml always produces under smalldocs (Quarto-only features); not worth printing
BENIGN = re.compile(r'^(format commonmark is not built|format\.html\.keep-md is ignored|.*: output-file is not read by smalldocs)')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--incremental', action='store_true', help="reuse _proc/ and only reprocess changed notebooks")
    ap.add_argument('--strict', action='store_true', help="fail on any smalldocs warning (e.g. broken links)")
    args = ap.parse_args()
    os.chdir(Path(__file__).resolve().parent.parent)  # the repo root, where settings.ini is
    try: import nbdev, smalldocs  # noqa: F401
    except ImportError as e: sys.exit(f"render_docs: {e}; run it with the project venv (pip install -e .[dev])")
    try:
        cache, cfg = proc_nbs(args.incremental)
        print(f"render_docs: processed notebooks into {cache}")
        out, warnings, n = render(cache)
    except SystemExit: raise
    except Exception as e:
        traceback.print_exc()
        sys.exit(f"render_docs: FAILED: {type(e).__name__}: {e}")
    warnings = [w for w in warnings if not BENIGN.match(w)]
    for w in warnings: print(f"render_docs: warning: {w}", file=sys.stderr)
    dest = cfg.doc_path
    if out.resolve() != dest.resolve():  # nbdev.yml sets output-dir: _docs, relative to _proc; move it up, as nbdev_docs does
        shutil.rmtree(dest, ignore_errors=True)
        shutil.move(str(out), str(dest))
    moved = write_redirects(Path(dest))
    print(f"render_docs: wrote {n} page(s) to {dest}, and {moved} redirect(s) from the pages' URLs before nbs/ had folders")


REDIRECT = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Moved to {new}</title>
<link rel="canonical" href="{new}"><meta http-equiv="refresh" content="0; url={new}"></head>
<body><p>This page moved to <a href="{new}">{new}</a>.</p></body></html>
"""


def write_redirects(docs:Path)->int:
    "The page URLs from before `nbs/` was split into api/, tutorials/ and results/ (`train.html`) lead to the pages (`api/train.html`)."
    n = 0
    for page in sorted(docs.glob('*/*.html')):
        if page.parent.name.startswith(('_', '.')): continue
        old = docs/page.name
        if old.exists(): continue   # a top-level page of that name wins
        old.write_text(REDIRECT.format(new=f"{page.parent.name}/{page.name}")); n += 1
    return n
    if args.strict and warnings: sys.exit(f"render_docs: {len(warnings)} warning(s) with --strict")


if __name__ == '__main__': main()  # the guard matters: proc_nbs spawns worker processes that re-import this file
