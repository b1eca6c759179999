#!/usr/bin/env python
"""Check the rendered docs site (`_docs/`) in headless Chromium: one page per notebook, each rendered and with no broken local links.

Usage: `python tools/check_docs.py [--docs _docs] [--nbs nbs]`. Standard library only; needs Debian's `chromium`
(or set CHROMIUM=/path/to/chrome). Prints one OK/FAIL line per notebook page and a summary; exits 1 on any failure.
Screenshots of index.html and one other page go to `_docs/_screens/`.
"""
import argparse, configparser, functools, html.parser, os, re, shutil, subprocess, sys, tempfile, threading
import urllib.error, urllib.parse, urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--disable-quic', '--hide-scrollbars', '--window-size=1280,1400']
MIN_WORDS = 8  # fewer words than this in <main> (title block included) counts as an empty page
DIRECTIVE = re.compile(r'^\s*#\|\s*[\w-]+', re.M)  # a `#| export` / `#| hide` line that nbdev/Quarto should have consumed
ARTEFACTS = [(re.compile(r'```'), 'literal ``` fence in the text'),
             (re.compile(r'\{\{<.*?>\}\}', re.S), 'raw {{< >}} shortcode'),
             (re.compile(r':::\s*\{'), 'raw ::: {..} div fence')]
HEADING = re.compile(r'\s*#{1,6}(\s|$)')  # a paragraph/heading/list item whose text starts with `# `: markdown not rendered
BLOCKS = {'p', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6'}


def find_chromium():
    for c in [os.environ.get('CHROMIUM'), 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']:
        if c and shutil.which(c): return shutil.which(c)
    sys.exit("check_docs: FAIL: chromium not found. Install it (Debian: `apt-get install -y chromium`) or set CHROMIUM=/path/to/chromium")


def page_candidates(nb: Path, nbs: Path):
    "Pages a notebook may render to: nbdev's output-file (`00_core.ipynb` -> `core.html`, see nbdev.doclinks._nbpath2html), else its own name."
    rel = PurePosixPath(nb.relative_to(nbs).as_posix())
    names = [re.sub(r'^\d+[a-zA-Z0-9]*_', '', rel.name.lower()), rel.name]
    return list(dict.fromkeys(str(rel.with_name(n).with_suffix('.html')) for n in names))


def notebooks(nbs: Path):
    "Every notebook that becomes a page: `*.ipynb` not starting with `_`, outside `_`/`.` folders (nbdev's rules)."
    return sorted(p for p in nbs.rglob('*.ipynb')
                  if not p.name.startswith(('_', '.')) and not any(q.startswith(('_', '.')) for q in p.relative_to(nbs).parts[:-1]))


class Server:
    "Serve `root` on 127.0.0.1:<free port> in a thread, remembering every path that answered 404."
    def __init__(self, root):
        self.missing, self.lock = [], threading.Lock()
        outer = self
        class H(SimpleHTTPRequestHandler):
            def log_message(self, *a): pass
            def send_error(self, code, *a, **k):
                if code == 404:
                    with outer.lock: outer.missing.append(urllib.parse.unquote(self.path.split('?')[0]))
                return super().send_error(code, *a, **k)
        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(H, directory=str(root)))
        self.base = f'http://127.0.0.1:{self.httpd.server_address[1]}/'
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def take_missing(self):
        with self.lock: m, self.missing = self.missing, []
        return [p for p in m if p != '/favicon.ico']  # browsers ask for it unprompted

    def status(self, url):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method='HEAD'), timeout=10) as r: return r.status
        except urllib.error.HTTPError as e: return e.code
        except OSError: return 0


class Dom(html.parser.HTMLParser):
    "Pull out of a DOM dump: title, h1s, text of <main> (split into code and prose), and every link and image."
    VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr'}
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.title, self.h1, self.prose, self.code, self.alltext, self.links = [], '', [], [], [], [], []
        self.error_cells, self.blocks, self.ids = 0, [], set()
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in BLOCKS: self.blocks.append('')
        if a.get('id'): self.ids.add(a['id'])
        if tag == 'a' and a.get('href'): self.links.append(('link', a['href']))
        if tag in ('img', 'script') and a.get('src'): self.links.append((tag, a['src']))
        if tag == 'link' and a.get('href') and 'stylesheet' in (a.get('rel') or ''): self.links.append(('stylesheet', a['href']))
        if 'cell-output-error' in (a.get('class') or ''): self.error_cells += 1
        if tag not in self.VOID: self.stack.append(tag)
    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag: pass
    def handle_data(self, d):
        s = self.stack
        if 'script' in s or 'style' in s: return
        if s and s[-1] == 'title': self.title += d
        if 'h1' in s: self.h1.append(d)
        if 'body' in s: self.alltext.append(d)
        if 'main' in s: (self.code if ('pre' in s or 'code' in s) else self.prose).append(d)
        if self.blocks and 'main' in s and BLOCKS & set(s) and not {'pre', 'code', 'table'} & set(s): self.blocks[-1] += d


def dump_dom(chrome, url, profile, timeout=90):
    r = subprocess.run([chrome, *FLAGS, f'--user-data-dir={profile}', '--dump-dom', url],
                       capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0 or '<html' not in r.stdout.lower():
        raise RuntimeError(f'chromium --dump-dom failed (rc={r.returncode}): {r.stderr.strip()[-300:]}')
    return r.stdout


def screenshot(chrome, url, dest, profile, timeout=90):
    dest.parent.mkdir(parents=True, exist_ok=True)
    r = subprocess.run([chrome, *FLAGS, f'--user-data-dir={profile}', f'--screenshot={dest}', url],
                       capture_output=True, text=True, timeout=timeout)
    return r.returncode == 0 and dest.exists()


def check_page(chrome, srv, rel, profile, site_prefix):
    "Return a list of problems with the page at `rel` (empty when it is fine)."
    url = srv.base + rel
    srv.take_missing()
    dom = Dom(); dom.feed(dump_dom(chrome, url, profile))
    probs = [f'404 while loading: {p}' for p in sorted(set(srv.take_missing()))]  # CSS, JS, images the browser fetched
    if not dom.title.strip(): probs.append('no <title>')
    if not ''.join(dom.h1).strip(): probs.append('no <h1>')
    if not any(k == 'stylesheet' for k, _ in dom.links): probs.append('no stylesheet')
    if 'quarto-sidebar' not in dom.ids: probs.append('no sidebar (nav#quarto-sidebar)')
    prose, code = '\n'.join(dom.prose), '\n'.join(dom.code)
    words = len((prose + ' ' + code).split())
    if words < MIN_WORDS: probs.append(f'page body nearly empty ({words} words in <main>)')
    for pat, what in ARTEFACTS:
        if m := pat.search(prose): probs.append(f'{what}: {m.group(0)[:40]!r}')
    if b := next((b for b in dom.blocks if HEADING.match(b)), None):
        probs.append(f"markdown '#' shown as text (commented-out markdown?): {b.strip()[:40]!r}")
    if m := DIRECTIVE.search(prose + '\n' + code): probs.append(f'unprocessed cell directive: {m.group(0).strip()!r}')
    alltext = ''.join(dom.alltext)
    if 'Traceback (most recent call last)' in alltext or dom.error_cells:
        probs.append('Python traceback / error output in page')
    seen = set()
    for kind, href in dom.links:  # every local link, image, script and stylesheet must exist
        if href.startswith(('#', 'mailto:', 'javascript:', 'data:')): continue
        if site_prefix and href.startswith(site_prefix):  # nbdev doc links are absolute (doc_host + doc_baseurl)
            href = srv.base + href[len(site_prefix):].lstrip('/')
        full = urllib.parse.urljoin(url, href).split('#')[0]
        if not full.startswith(srv.base) or full in seen: continue
        seen.add(full)
        if (st := srv.status(full)) != 200: probs.append(f'broken {kind} {href} ({st})')
    return probs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--docs', help='rendered site (default: doc_path from settings.ini)')
    ap.add_argument('--nbs', help='notebooks folder (default: nbs_path from settings.ini)')
    args = ap.parse_args()
    ini = configparser.ConfigParser(); ini.read(ROOT/'settings.ini')
    s = ini['DEFAULT']
    docs = Path(args.docs or ROOT/s.get('doc_path', '_docs')).resolve()
    nbs = Path(args.nbs or ROOT/s.get('nbs_path', 'nbs')).resolve()
    site_prefix = (s.get('doc_host', '').rstrip('/') + '/' + s.get('doc_baseurl', '').strip('/')).rstrip('/') + '/' if s.get('doc_host') else ''
    if not (docs/'index.html').exists():
        sys.exit(f'check_docs: FAIL: {docs}/index.html not found; render first with tools/render_docs.py')
    chrome = find_chromium()
    nbl = notebooks(nbs)
    if not nbl: sys.exit(f'check_docs: FAIL: no notebooks in {nbs}')
    srv = Server(docs)
    profile = tempfile.mkdtemp(prefix='check_docs_chromium_')
    fails, shots, pages = 0, [], []
    try:
        for nb in nbl:
            name = nb.relative_to(nbs).as_posix()
            rel = next((c for c in page_candidates(nb, nbs) if (docs/c).is_file()), None)
            if rel is None:
                print(f'FAIL {name}: missing page (looked for {" or ".join(page_candidates(nb, nbs))})'); fails += 1; continue
            pages.append(rel)
            try: probs = check_page(chrome, srv, rel, profile, site_prefix)
            except (RuntimeError, subprocess.TimeoutExpired) as e: probs = [str(e)]
            if probs: fails += 1
            print(f"{'FAIL' if probs else 'OK  '} {name} -> {rel}" + (': ' + '; '.join(probs) if probs else ''))
        others = [p for p in pages if p != 'index.html']
        for rel in ['index.html'] + others[:1]:
            dest = docs/'_screens'/(rel.replace('/', '__').removesuffix('.html') + '.png')
            if screenshot(chrome, srv.base + rel, dest, profile): shots.append(dest)
            else: print(f'warning: screenshot of {rel} failed')
    finally:
        srv.httpd.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
    for d in shots: print(f'screenshot: {d}')
    print(f'check_docs: {len(nbl) - fails}/{len(nbl)} notebook page(s) OK' + (f', {fails} FAILED' if fails else ''))
    sys.exit(1 if fails else 0)


if __name__ == '__main__': main()
