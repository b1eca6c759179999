"""Good, random and bad subnetworks of s-pruning and m-pruning, pruned and retrained, with the paper's baselines (issue 8),
on MRPC and RTE with the embedded default model, seed 42.

Usage: python experiments/subnetworks.py [--tasks MRPC RTE] [--data_root ../shared/data] [--only STAGE ...]
Needs runs/finetune/<TASK>_s42 (experiments/finetune_defaults.py), results/sprune/<TASK>_s42 (experiments/sprune_variants.py)
and results/mprune/<TASK>_s42 (experiments/tickets.py). Stages, in order (each skips what is already done):
  sample      random and bad masks of the s- and m-pruning good masks, seed 42 -> results/subnets/<TASK>_s42/{s,m}_{random,bad}.safetensors
  pruned      every mask on the fine-tuned model                                  -> .../{s,m}_{good,random,bad}_pruned.json
  majority    the majority-class baseline                                          -> .../majority.json
  retrained   every mask fine-tuned from the pre-trained weights (s: compacted)    -> .../{s,m}_{good,random,bad}_retrained.json
  random_init a random s-mask of the bad size on re-initialised weights, fine-tuned -> .../s_random_init.json
  longer      the s-pruning bad subnetwork fine-tuned for 4, 5 and 6 epochs        -> .../s_bad_retrained_e<k>.json
Every fine-tuning runs with --precision (default fp32: the full models in runs/finetune were fine-tuned in fp32, before
bf16 became the default, and retraining repeats the full model's recipe).
"""
import argparse
from pathlib import Path
from bert_lottery.masks import Mask
from bert_lottery.subnets import evaluate_masked, majority_class, retrain, sample_bad, sample_random
from tickets import run   # the same run-unless-done helper (this folder is on sys.path when the script runs)

STAGES = ['sample', 'pruned', 'majority', 'retrained', 'random_init', 'longer']

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--tasks', nargs='+', default=['MRPC', 'RTE'])
    p.add_argument('--data_root', default=None)
    p.add_argument('--only', nargs='+', default=STAGES, choices=STAGES)
    p.add_argument('--precision', default='fp32', choices=['auto', 'bf16', 'fp32'])
    a = p.parse_args()
    R, seed = Path('results'), 42
    ft = dict(data_root=a.data_root, seed=seed, save_model=False, progress=False, precision=a.precision)
    for stage in [s for s in STAGES if s in a.only]:
        for t in a.tasks:
            ckpt, out = f'runs/finetune/{t}_s{seed}', R/'subnets'/f'{t}_s{seed}'
            good = {'s': R/'sprune'/f'{t}_s{seed}'/'mask.safetensors', 'm': R/'mprune'/f'{t}_s{seed}'/'mask.safetensors'}
            masks = {f'{k}_good': g for k, g in good.items()}
            masks.update({f'{k}_{sub}': out/f'{k}_{sub}.safetensors' for k in good for sub in ('random', 'bad')})
            if stage == 'sample':
                for k, g in good.items():
                    gm = Mask.load(g)
                    for sub, fn in (('random', sample_random), ('bad', sample_bad)):
                        if not (out/f'{k}_{sub}.safetensors').exists(): fn(gm, seed).save(out/f'{k}_{sub}.safetensors')
            elif stage == 'pruned':
                for name, m in masks.items(): run(out/f'{name}_pruned.json', lambda m=m: evaluate_masked(ckpt, t, m, data_root=a.data_root))
            elif stage == 'majority':
                run(out/'majority.json', lambda: majority_class(t, a.data_root))
            elif stage == 'retrained':
                for name, m in masks.items():
                    run(out/f'{name}_retrained.json', lambda m=m: retrain(t, m, **ft))
            elif stage == 'random_init':
                run(out/'s_random_init.json', lambda: retrain(t, masks['s_random'], weights='random', **ft))
            elif stage == 'longer':
                for e in (4, 5, 6):
                    run(out/f's_bad_retrained_e{e}.json', lambda e=e: retrain(t, masks['s_bad'], epochs=e, **ft))

if __name__ == '__main__': main()
