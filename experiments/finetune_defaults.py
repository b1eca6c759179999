"""Fine-tune the embedded default model with the library defaults on six GLUE tasks and keep the results.

Usage: python experiments/finetune_defaults.py [--data_root ../shared/data] [--seeds 42] [--tasks MRPC RTE ...]
Each run writes runs/finetune/<TASK>_s<SEED>/ (checkpoint + results.json) and copies results.json to
results/finetune/<TASK>_s<SEED>.json. A finished run is skipped, so an interrupted sweep resumes.
SST-2 trains on a seeded random subset of 8,000 of its 67,349 examples to fit a 2-core machine.
"""
import argparse, shutil
from pathlib import Path
from bert_lottery.train import finetune

SUBSETS = {'SST-2': 8000}

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data_root', default=None)
    p.add_argument('--tasks', nargs='+', default=['MRPC', 'RTE', 'CoLA', 'STS-B', 'WNLI', 'SST-2'])
    p.add_argument('--seeds', nargs='+', type=int, default=[42])
    p.add_argument('--runs', default='runs/finetune')
    p.add_argument('--results', default='results/finetune')
    a = p.parse_args()
    for seed in a.seeds:
        for task in a.tasks:
            dst = Path(a.results)/f'{task}_s{seed}.json'
            if dst.exists(): print('done already:', dst); continue
            out = Path(a.runs)/f'{task}_s{seed}'
            res = finetune(task, data_root=a.data_root, output_dir=out, seed=seed, train_subset=SUBSETS.get(task), progress=False)
            dst.parent.mkdir(parents=True, exist_ok=True); shutil.copy(out/'results.json', dst)
            print(f"{task} seed {seed}: {res['main_metric']} = {res['score']:.4f} in {res['train_seconds']:.0f} s", flush=True)

if __name__ == '__main__': main()
