"""Benchmark: one whole s-pruning run (default heads+MLPs mode) on a fine-tuned checkpoint.

Prints wall time, the number of pruning steps (each = one pass that scores importance and measures the metric), time per step,
and the surviving heads and MLPs. The run's files go to --output_dir (default results/sprune/<TASK>_s<SEED>).
Usage: python bench/sprune_run.py --checkpoint runs/finetune/MRPC_s42 [--task MRPC] [--data_root ../shared/data] [--dev_subset N]
"""
import argparse
from bert_lottery.sprune import sprune_checkpoint
from _timing import timed

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--checkpoint', required=True)
    p.add_argument('--task', default='MRPC')
    p.add_argument('--data_root', default=None)
    p.add_argument('--seed', type=int, default=42, help='names the default output folder')
    p.add_argument('--mode', default='heads+mlps')
    p.add_argument('--output_dir', default=None)
    p.add_argument('--dev_subset', type=int, default=None, help='smoke tests only: a seeded subset of the dev set')
    a = p.parse_args()
    out = a.output_dir or f'results/sprune/{a.task}_s{a.seed}'
    wall, s = timed(lambda: sprune_checkpoint(a.checkpoint, a.task, out, data_root=a.data_root, mode=a.mode,
                                              dev_subset=a.dev_subset, progress=False))
    print(f"{a.task} s-pruning ({a.mode}): wall {wall:.1f} s (loop {s['seconds']:.1f} s), {s['n_steps']} steps, "
          f"{s['seconds']/max(1, s['n_steps']):.1f} s per step; {s['metric_name']} {s['base_metric']:.4f} -> {s['metric']:.4f}; "
          f"kept {s['heads_kept']}/{s['heads_total']} heads, {s['mlps_kept']}/{s['mlps_total']} MLPs -> {out}")

if __name__ == '__main__': main()
