"""Cost model: the expected wall time of the full reproduction sweep, from measured throughputs.

The sweep: 6 GLUE tasks (CoLA, SST-2, MRPC, STS-B, QNLI, RTE; MNLI and QQP, at 393k and 364k training examples,
would each cost more than the six together) x 5 seeds; per task and seed: fine-tune the full model; s-pruning and
m-pruning; good, random and bad subnetworks of each, evaluated pruned (6 dev evaluations) and retrained
(6 fine-tunings); the majority class and random-init baselines (one dev evaluation, one fine-tuning).

Work is counted in tokens (each example costs its own length: the library pads each batch only to its longest member,
and length-grouped batches leave little padding):
- fine-tuning: epochs (3) x the task's training tokens, at the measured training throughput;
- s-pruning: steps x dev tokens, each a forward and backward pass (costed at the training throughput);
- m-pruning: steps x dev tokens, forward only, at the measured evaluation throughput;
- pruned evaluations and baselines: dev tokens at the evaluation throughput.
Step counts are the means of the runs in results/sprune and results/mprune. Where a training split is not on disk
(QNLI here), its tokens are estimated as GLUE's official training size x the dev set's mean length. Throughputs (tokens/s) come from
`bench/vs_trainer.py` (the library arm: training) and from timing dev evaluation here. Pass a GPU's numbers with
--train_tps/--eval_tps (measured there with the same two scripts) to get its row; N GPUs divide the work by N
(task-seed units are independent; --scaling sets the efficiency).

Usage: python bench/sweep_cost.py [--data_root ../shared/data] [--out results/bench/sweep_cost.json]
"""
import argparse, glob, json, os
from pathlib import Path
import numpy as np, torch
from bert_lottery.train import resolve_precision
from _timing import median_of

TASKS = ['CoLA', 'SST-2', 'MRPC', 'STS-B', 'QNLI', 'RTE']
OFFICIAL_TRAIN = dict(QNLI=104743)   # GLUE's training-set sizes, for tasks whose training split is not on disk


def task_tokens(data_root):
    from bert_lottery.batching import encode_task
    from bert_lottery.data import get_task
    from bert_lottery.models import load_model
    tok, _ = load_model(None, 'MRPC', 0)
    out = {}
    for t in TASKS:
        task = get_task(t)
        dev = encode_task(tok, task, data_root, 128, splits=[task.eval_splits[0]])[task.eval_splits[0]]
        try:
            tr = encode_task(tok, task, data_root, 128, splits=['train'])['train']
            n_train, train_tokens, est = len(tr), int(tr.lengths.sum()), False
        except FileNotFoundError:   # no training split here (QNLI): its official size x the dev set's mean length
            n_train, est = OFFICIAL_TRAIN[t], True
            train_tokens = int(n_train * dev.lengths.mean())
        out[t] = dict(n_train=n_train, train_tokens=train_tokens, train_estimated=est, n_dev=len(dev), dev_tokens=int(dev.lengths.sum()))
    return out


def eval_tps(data_root, precision):
    "Measured evaluation throughput (tokens/s) of the embedded model on RTE dev, under `precision`."
    from bert_lottery.batching import encode_task
    from bert_lottery.models import load_model
    from bert_lottery.train import evaluate
    tok, m = load_model(None, 'RTE', 0)
    dev = encode_task(tok, 'RTE', data_root, 128, splits=['dev'])['dev']
    ctx = torch.autocast('cpu', dtype=torch.bfloat16) if precision == 'bf16' else torch.autocast('cpu', enabled=False)
    with ctx: secs, _, _ = median_of(lambda: evaluate(m, 'RTE', {'dev': dev}), repeats=1, warmup=1)
    return float(dev.lengths.sum() / secs)


def train_tps(vs_trainer_dir, tokens, arm='library'):
    "Training throughput (tokens/s) of `arm` in the vs_trainer results: training tokens x epochs / training seconds."
    rates = [tokens[r['task']]['train_tokens'] * r['epochs'] / r['train_seconds']
             for r in (json.loads(Path(f).read_text()) for f in sorted(glob.glob(f'{vs_trainer_dir}/*_{arm}_s*.json')))]
    return float(np.mean(rates)), len(rates)


def mean_steps(pattern, key):
    vals = []
    for f in glob.glob(pattern):
        d = json.loads(Path(f).read_text())
        vals.append(d[key] if key else len(d) - 1)
    return float(np.mean(vals)), len(vals)


def sweep_seconds(tokens, train_tps, eval_tps, s_steps, m_steps, seeds=5, epochs=3):
    "Seconds of the whole sweep on one device, and the share of each part."
    parts = dict(finetune=0., sprune=0., mprune=0., evaluations=0.)
    for t in tokens.values():
        parts['finetune'] += (1 + 6 + 1) * epochs * t['train_tokens'] / train_tps     # full, 6 retrained, random init
        parts['sprune'] += s_steps * t['dev_tokens'] / train_tps
        parts['mprune'] += m_steps * t['dev_tokens'] / eval_tps
        parts['evaluations'] += (6 + 1) * t['dev_tokens'] / eval_tps                  # 6 pruned, the majority class
    return {k: v * seeds for k, v in parts.items()}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data_root', default=os.environ.get('BERT_LOTTERY_DATA'))
    p.add_argument('--vs_trainer', default='results/bench/vs_trainer')
    p.add_argument('--train_tps', type=float, default=None, help="a GPU's training tokens/s (adds its rows)")
    p.add_argument('--eval_tps', type=float, default=None, help="a GPU's evaluation tokens/s")
    p.add_argument('--gpu_name', default='GPU')
    p.add_argument('--scaling', type=float, default=0.9, help='efficiency of N devices running units in parallel')
    p.add_argument('--out', default='results/bench/sweep_cost.json')
    a = p.parse_args()
    tokens = task_tokens(a.data_root)
    s_steps, n_s = mean_steps('results/sprune/*/history.json', None)
    m_steps, n_m = mean_steps('results/mprune/*/history.json', None)
    cpu_train, n_runs = train_tps(a.vs_trainer, tokens)
    precision = 'bf16' if resolve_precision('auto') == 'bf16' else 'fp32'
    cpu_eval = eval_tps(a.data_root, precision)
    rows = [dict(device=f'2 CPU cores ({precision})', n=1, train_tps=cpu_train, eval_tps=cpu_eval)]
    if a.train_tps and a.eval_tps:
        rows += [dict(device=f'1 {a.gpu_name}', n=1, train_tps=a.train_tps, eval_tps=a.eval_tps),
                 dict(device=f'8 {a.gpu_name}', n=8, train_tps=a.train_tps, eval_tps=a.eval_tps)]
    for r in rows:
        parts = sweep_seconds(tokens, r['train_tps'], r['eval_tps'], s_steps, m_steps)
        eff = 1 if r['n'] == 1 else a.scaling
        r.update({f'{k}_hours': v / 3600 / (r['n'] * eff) for k, v in parts.items()})
        r['total_hours'] = sum(parts.values()) / 3600 / (r['n'] * eff)
    res = dict(tasks=tokens, sprune_steps=s_steps, sprune_runs=n_s, mprune_steps=m_steps, mprune_runs=n_m,
               train_tps_runs=n_runs, rows=rows, seeds=5, epochs=3)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(res, indent=1))
    for r in rows:
        print(f"{r['device']}: training {r['train_tps']:.0f} tokens/s, evaluation {r['eval_tps']:.0f} tokens/s -> "
              f"{r['total_hours']:.1f} h (fine-tuning {r['finetune_hours']:.1f}, s-pruning {r['sprune_hours']:.1f}, "
              f"m-pruning {r['mprune_hours']:.1f}, evaluations {r['evaluations_hours']:.1f})")


if __name__ == '__main__':
    main()
