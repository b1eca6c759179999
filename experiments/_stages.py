"""What the experiment scripts share: a stage that runs once and keeps its JSON result."""
import json
from pathlib import Path
from bert_lottery.files import write_json

def run(path, fn):
    "Run `fn` unless `path` exists; write its JSON result there."
    path = Path(path)
    if path.exists(): print('done already:', path); return json.loads(path.read_text())
    res = fn(); write_json(path, res)
    print(f"{path}: {res.get('main_metric', '')} {res.get('score', res.get('metric', res.get('final_sparsity', '')))}", flush=True)
    return res
