"""Benchmark: length-grouped dynamic padding against fixed padding to 128, fine-tuning the embedded default model.

For each task, both runs use the same seed, hyper-parameters (library defaults) and data; only the batching differs.
Prints training throughput (examples/s, per epoch and overall), the dev score of each, and the speed ratio.
Usage: python bench/batching.py [--data_root ../shared/data] [--tasks MRPC CoLA] [--epochs 3] [--train_subset N]
"""
import argparse, json, time
from pathlib import Path
from bert_lottery.train import finetune

def run(task, fixed, a):
    return finetune(task, data_root=a.data_root, seed=a.seed, epochs=a.epochs, train_subset=a.train_subset,
                    fixed_length=128 if fixed else None, progress=False)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data_root', default=None)
    p.add_argument('--tasks', nargs='+', default=['MRPC', 'CoLA'])
    p.add_argument('--epochs', type=float, default=3)
    p.add_argument('--seed', type=int, default=42)
    p.add_argument('--train_subset', type=int, default=None)
    p.add_argument('--out', default='results/bench_batching.json')
    a = p.parse_args()
    rows = []
    for task in a.tasks:
        dyn, fix = run(task, False, a), run(task, True, a)
        eps = lambda r: r['n_train'] * a.epochs / sum(e['seconds'] for e in r['history'])
        row = dict(task=task, metric=dyn['main_metric'], dynamic_score=dyn['score'], fixed_score=fix['score'],
                   dynamic_examples_per_s=[e['examples_per_s'] for e in dyn['history']],
                   fixed_examples_per_s=[e['examples_per_s'] for e in fix['history']],
                   dynamic_overall=eps(dyn), fixed_overall=eps(fix), speedup=eps(dyn) / eps(fix))
        rows.append(row)
        print(f"{task}: dynamic {row['dynamic_overall']:.1f} ex/s (per epoch {[round(x,1) for x in row['dynamic_examples_per_s']]}), "
              f"fixed-128 {row['fixed_overall']:.1f} ex/s (per epoch {[round(x,1) for x in row['fixed_examples_per_s']]}), "
              f"speed-up x{row['speedup']:.2f}; dev {row['metric']}: dynamic {row['dynamic_score']:.4f}, fixed {row['fixed_score']:.4f}", flush=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(dict(args=vars(a), rows=rows, when=time.ctime()), indent=1))

if __name__ == '__main__': main()
