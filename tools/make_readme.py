"""Write README.md from nbs/index.ipynb (what `nbdev_readme` does with Quarto): markdown cells as they are,
visible code cells as Python blocks, and their saved outputs (markdown, a link to a figure shown with `Image('../path')`, or plain text)."""
import json, re, sys
from pathlib import Path

def _src(c): return ''.join(c['source'])
def _output(o, src=''):
    data = o.get('data', {})
    img = re.search(r"Image\(['\"]\.\./([^'\"]+)['\"]", src)
    if 'image/png' in data and img: return f'![{Path(img[1]).stem}]({img[1]})'    # a figure the repo holds: link it
    if 'image/png' in data: return ''                                                # a figure made on the page: the docs show it
    if 'text/markdown' in data: return ''.join(data['text/markdown'])
    if 'text/plain' in data: return '```\n' + ''.join(data['text/plain']).rstrip() + '\n```'
    if o.get('output_type') == 'stream' and o.get('name') == 'stdout': return '```\n' + ''.join(o['text']).rstrip() + '\n```'
    return ''

def readme(nb_path='nbs/index.ipynb'):
    parts = []
    for c in json.loads(Path(nb_path).read_text())['cells']:
        s = _src(c)
        if c['cell_type'] == 'markdown': parts.append(s); continue
        if s.lstrip().startswith('#| hide') or '#| echo: false' in s: shown = False
        else: shown = True
        if shown: parts.append('```python\n' + s + '\n```')
        if '#| hide' not in s.splitlines()[:1]: parts += [p for p in (_output(o, s) for o in c.get('outputs', [])) if p]
    return '<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file -->\n\n' + '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    out = readme(*sys.argv[1:2])
    Path('README.md').write_text(out)
