"""Benchmark: fine-tuning with and without `torch.compile`, compile time included (issue 12, item 6).

Both arms fine-tune the same model (same seed, data order, recipe and precision) through `bert_lottery.train.train`;
the compiled arm first calls `model.compile(dynamic=...)` (PyTorch's in-place `nn.Module.compile`, so the library's
hooks, masks and Accelerate's autocast wrapper see the same module). Length-grouped batches have many distinct shapes,
so `dynamic=True` (one graph with a symbolic batch and length) is the default; `--dynamic none` lets PyTorch decide,
which recompiles on the first few new shapes.

Prints, per arm: total wall time (compile included), the first epoch's and the later epochs' training examples/s, the
dev score, and the ratio compiled / eager. Results go to results/bench/compile_speed.json.

    HF_HUB_OFFLINE=1 python bench/compile_speed.py [--task RTE] [--epochs 3] [--data_root ../shared/data] [--arms eager compiled]
"""
import argparse, json, os
from pathlib import Path
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch
from transformers.utils import logging
from bert_lottery.batching import encode_task
from bert_lottery.files import write_json
from bert_lottery.metrics import main_metric
from bert_lottery.models import load_model
from bert_lottery.train import train
from _timing import add_threads_arg, set_threads, timed

def run_arm(arm, a):
    tok, m = load_model(task=a.task, seed=a.seed)
    encs = encode_task(tok, a.task, a.data_root, 128, subsets={'train': a.train_subset})
    dev = {k: v for k, v in encs.items() if k != 'train'}
    if arm == 'compiled':
        torch._dynamo.reset()
        m.compile(dynamic={'true': True, 'false': False, 'none': None}[a.dynamic])
    wall, log = timed(lambda: train(m, a.task, encs['train'], a.seed, dev, epochs=a.epochs, precision=a.precision,
                                    pad_id=tok.pad_token_id or 0, progress=False))
    eps = [e['examples_per_s'] for e in log['epochs']]
    name = main_metric(a.task)
    res = dict(arm=arm, task=a.task, epochs=a.epochs, seed=a.seed, precision=a.precision, dynamic=a.dynamic if arm == 'compiled' else None,
               n_train=len(encs['train']), wall_s=wall, train_s=sum(e['seconds'] for e in log['epochs']),
               first_epoch_ex_s=eps[0], later_epochs_ex_s=(sum(eps[1:]) / len(eps[1:])) if len(eps) > 1 else None,
               dev=log['epochs'][-1]['dev'][name], threads=torch.get_num_threads())
    print(json.dumps(res), flush=True)
    return res

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--task', default='RTE')
    p.add_argument('--epochs', type=float, default=3)
    p.add_argument('--seed', type=int, default=42)
    p.add_argument('--precision', default='auto')
    p.add_argument('--dynamic', default='true', choices=['true', 'false', 'none'])
    p.add_argument('--train_subset', type=int, default=None, help='quick check on a subset')
    p.add_argument('--data_root', default=None)
    p.add_argument('--arms', nargs='+', default=['eager', 'compiled'], choices=['eager', 'compiled'])
    p.add_argument('--out', default='results/bench/compile_speed.json')
    add_threads_arg(p)
    a = p.parse_args()
    set_threads(a.threads); logging.set_verbosity_error()
    rows = [run_arm(arm, a) for arm in a.arms]
    by = {r['arm']: r for r in rows}
    if len(by) == 2:
        e, c = by['eager'], by['compiled']
        print(f"{a.task}, {a.epochs:g} epochs, {a.precision}: eager {e['wall_s']:.0f} s (dev {e['dev']:.4f}); compiled {c['wall_s']:.0f} s "
              f"(dev {c['dev']:.4f}); compiled/eager wall {c['wall_s'] / e['wall_s']:.2f}; later epochs "
              f"{c['later_epochs_ex_s'] or 0:.1f} vs {e['later_epochs_ex_s'] or 0:.1f} ex/s; first epoch {c['first_epoch_ex_s']:.1f} vs {e['first_epoch_ex_s']:.1f} ex/s")
    if a.train_subset is None: write_json(Path(a.out), dict(rows=rows, torch=torch.__version__))

if __name__ == '__main__': main()
