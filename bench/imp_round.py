"""Time and peak memory of IMP rounds against plain fine-tuning for the same number of epochs, side by side.

    HF_HUB_OFFLINE=1 python bench/imp_round.py [--task MRPC] [--data_root ../shared/data] [--train_subset 1000] [--rounds 2]

Each arm runs in its own process (so that peak resident memory is its own): `imp` with `--rounds` rounds of one epoch,
and `finetune` for `--rounds` epochs with the same seed, data and options. Prints seconds per round (per epoch), the
overhead of a round (rewinding, pruning, masked training, evaluation) over a plain epoch, and peak RSS of each process.
"""
import argparse, json, os, resource, subprocess, sys
from _timing import seconds

def child(a):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers.utils import logging; logging.set_verbosity_error()
    from bert_lottery.tickets import imp
    from bert_lottery.train import finetune
    kw = dict(data_root=a.data_root, train_subset=a.train_subset, seed=42, progress=False)
    if a.mode == 'imp': secs = seconds(lambda: imp(a.task, rounds=a.rounds, epochs_per_round=1, **kw))
    else: secs = seconds(lambda: finetune(a.task, epochs=a.rounds, warmup=0, weight_decay=0, **kw))
    print(json.dumps(dict(seconds=secs, peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--task', default='MRPC')
    p.add_argument('--data_root', default=os.environ.get('BERT_LOTTERY_DATA'))
    p.add_argument('--train_subset', type=int, default=1000)
    p.add_argument('--rounds', type=int, default=2)
    p.add_argument('--mode', default=None, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.mode: return child(a)
    res = {}
    for mode in ('plain', 'imp', 'plain', 'imp'):          # twice each, alternating; the faster run of each counts
        out = subprocess.run([sys.executable, __file__, '--mode', mode, '--task', a.task, '--data_root', a.data_root or '',
                              '--train_subset', str(a.train_subset), '--rounds', str(a.rounds)], capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        res.setdefault(mode, []).append(r)
    best = {m: min(rs, key=lambda r: r['seconds']) for m, rs in res.items()}
    per = {m: best[m]['seconds'] / a.rounds for m in best}
    print(f"{a.task}, {a.train_subset} training examples, {a.rounds} rounds of 1 epoch (IMP) against {a.rounds} epochs (plain)")
    for m in ('plain', 'imp'):
        print(f"{m:5}: {per[m]:7.1f} s per {'round' if m == 'imp' else 'epoch'}, peak RSS {best[m]['peak_rss_mb']:7.0f} MB   (runs: {[round(r['seconds']) for r in res[m]]} s)")
    print(f"IMP round / plain epoch: {per['imp'] / per['plain']:.2f}; peak memory ratio {best['imp']['peak_rss_mb'] / best['plain']['peak_rss_mb']:.2f}")

if __name__ == '__main__': main()
