"""s-prune fine-tuned checkpoints with the faithful defaults and with each option, and keep the light results.

Usage: python experiments/sprune_variants.py [--tasks MRPC RTE] [--seed 42] [--data_root ../shared/data]
  --checkpoints runs/finetune   folder of <TASK>_s<SEED>/ checkpoints written by experiments/finetune_defaults.py
  --out results/sprune          the default run goes to <out>/<TASK>_s<SEED>/, each variant to <out>_variants/<TASK>_s<SEED>/<variant>/
  --variants default running_sum ...   (default: all of VARIANTS)
A run whose summary.json exists is skipped, so an interrupted sweep resumes. Only masks, histories and summaries are
written; checkpoints stay in runs/ (git-ignored).
"""
import argparse
from pathlib import Path
from bert_lottery.sprune import sprune_checkpoint

VARIANTS = {
    'default': {},                                   # the original's behaviour, with the paper's E|dL/dg|
    'running_sum': dict(accumulate='running_sum'),   # the original code's never-zeroed gradients
    'rescore': dict(rescore=True),                   # re-score the kept mask when a stage ends on a failed step
    'length_order': dict(order='length'),            # length-sorted scoring batches (faster, other batches)
    'train_split': dict(score_split='train'),        # a dev-sized train subset drives the loop
    'heads': dict(mode='heads'),                     # heads only (Appendix B)
    'mlps': dict(mode='mlps'),                       # MLPs only (Appendix B)
}

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--tasks', nargs='+', default=['MRPC', 'RTE'])
    p.add_argument('--seed', type=int, default=42)
    p.add_argument('--data_root', default=None)
    p.add_argument('--checkpoints', default='runs/finetune')
    p.add_argument('--out', default='results/sprune')
    p.add_argument('--variants', nargs='+', default=list(VARIANTS))
    a = p.parse_args()
    for task in a.tasks:
        ckpt = Path(a.checkpoints)/f'{task}_s{a.seed}'
        for v in a.variants:
            out = Path(a.out)/f'{task}_s{a.seed}' if v == 'default' else Path(a.out + '_variants')/f'{task}_s{a.seed}'/v
            if (out/'summary.json').exists(): print('done already:', out); continue
            s = sprune_checkpoint(str(ckpt), task, str(out), data_root=a.data_root, progress=False, **VARIANTS[v])
            print(f"{task} {v}: {s['heads_kept']}/{s['heads_total']} heads, {s['mlps_kept']}/{s['mlps_total']} MLPs, "
                  f"{s['metric_name']} {s['base_metric']:.4f} -> {s['metric']:.4f} in {s['seconds']:.0f} s", flush=True)

if __name__ == '__main__': main()
