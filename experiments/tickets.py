"""The magnitude-pruning and lottery-ticket experiments of issue 7 on MRPC and RTE, with the embedded default model.

Usage: python experiments/tickets.py [--tasks MRPC RTE] [--data_root ../shared/data] [--only STAGE ...]
Stages, in the order they run by default (--only runs the ones it names, in its order; each skips what is already done,
so an interrupted sweep resumes):
  mprune     m-pruning (Prasanna et al.) of runs/finetune/<TASK>_s42 -> results/mprune/<TASK>_s42/
  imp        IMP with rewinding, 5 rounds of 1 epoch, seed 42      -> results/imp/<TASK>_s42/
  seeds      the full model fine-tuned with seeds 1337 and 86      -> results/finetune/<TASK>_s<seed>.json
  ticket50   the IMP ticket at 50% fine-tuned with the full recipe  -> results/tickets/<TASK>_s42/imp_50.json
  transfer   each task's 50% ticket fine-tuned on the other task   -> results/tickets/<TARGET>_s42/transfer_from_<SOURCE>_50.json
  random50   random pruning at 50%, seed 42                        -> results/tickets/<TASK>_s42/random_pruning_50.json
  omp50      one-shot pruning to 50% of pre-trained / fine-tuned weights -> results/tickets/<TASK>_s42/omp_{pretrained,finetuned}_50.json
  weights50  the 50% ticket on re-initialised, layer-shuffled and matrix-shuffled weights -> .../<weights>_50.json
  tickets    the IMP tickets at 40, 30, 20, 10% fine-tuned with the full recipe, down to the first (sparsest) matching one
             -> results/tickets/<TASK>_s42/imp_<pct>.json
  omp50_nopooler
             one-shot pruning of the pre-trained encoder weights only (the pooler left whole) -> .../omp_pretrained_50_nopooler.json
Checkpoints stay in runs/ (git-ignored); results/ gets JSON and mask files only.
"""
import argparse, json, shutil
from pathlib import Path
from _stages import run
from bert_lottery.models import load_model
from bert_lottery.mprune import mprune_checkpoint
from bert_lottery.tickets import imp, matching, omp, random_mask, transfer
from bert_lottery.train import finetune

EXTRA_SEEDS = (1337, 86)   # the full model's other fine-tuning seeds, for the matching rule's standard deviation
STAGES = ['mprune', 'imp', 'seeds', 'ticket50', 'transfer', 'random50', 'omp50', 'weights50', 'tickets', 'omp50_nopooler']


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--tasks', nargs='+', default=['MRPC', 'RTE'])
    p.add_argument('--data_root', default=None)
    p.add_argument('--only', nargs='+', default=STAGES, choices=STAGES)
    p.add_argument('--precision', default='auto', choices=['auto', 'bf16', 'fp32'],
                   help="of every fine-tuning (auto: bf16 where native; each result records the one it used)")
    p.add_argument('--all_tickets', action='store_true', help="fine-tune every IMP ticket (10-40%%), not only down to the sparsest matching one")
    a = p.parse_args()
    R, runs, seed = Path('results'), Path('runs'), 42
    common = dict(data_root=a.data_root, progress=False)
    ft_common = dict(common, precision=a.precision)
    for stage in dict.fromkeys(a.only):   # in the order given (the default: the order above)
        for t in a.tasks:
            ckpt, tdir = runs/'finetune'/f'{t}_s{seed}', R/'tickets'/f'{t}_s{seed}'
            ticket = R/'imp'/f'{t}_s{seed}'/'mask.safetensors'
            if stage == 'mprune':
                if not (R/'mprune'/f'{t}_s{seed}'/'summary.json').exists():
                    s = mprune_checkpoint(str(ckpt), t, str(R/'mprune'/f'{t}_s{seed}'), **common)
                    print(f"mprune {t}: {s['sparsity']:.3f} sparse, {s['base_metric']:.4f} -> {s['metric']:.4f}", flush=True)
            elif stage == 'imp':
                if not (R/'imp'/f'{t}_s{seed}'/'summary.json').exists():
                    s = imp(t, str(R/'imp'/f'{t}_s{seed}'), seed=seed, rounds=5, epochs_per_round=1, **common)
                    print(f"imp {t}: rounds {s['round_scores']} in {s['seconds']:.0f} s", flush=True)
            elif stage == 'seeds':
                for s in EXTRA_SEEDS:
                    def ft(s=s):
                        out = runs/'finetune'/f'{t}_s{s}'
                        return finetune(t, output_dir=out, seed=s, **common)
                    run(R/'finetune'/f'{t}_s{s}.json', ft)
            elif stage == 'ticket50':
                run(tdir/'imp_50.json', lambda: finetune(t, mask=ticket, seed=seed, save_model=False, **ft_common))
            elif stage == 'transfer':
                for src in a.tasks:
                    if src == t: continue
                    run(tdir/f'transfer_from_{src}_50.json',
                        lambda: transfer(t, R/'imp'/f'{src}_s{seed}'/'mask.safetensors', seed=seed, save_model=False, **ft_common))
            elif stage == 'random50':
                run(tdir/'random_pruning_50.json', lambda: finetune(t, mask=random_mask(load_model(None, t)[1], 0.5, seed), seed=seed,
                                                                    save_model=False, **ft_common))
            elif stage == 'omp50':
                for src, name in (('pretrained', 'omp_pretrained_50'), (str(ckpt), 'omp_finetuned_50')):
                    def o(src=src, name=name):
                        res = omp(t, 0.5, source=src, seed=seed, output_dir=str(runs/'omp'/f'{t}_{name}'), **ft_common)
                        shutil.copy(runs/'omp'/f'{t}_{name}'/'mask.safetensors', tdir/f'{name}_mask.safetensors')
                        return res
                    tdir.mkdir(parents=True, exist_ok=True); run(tdir/f'{name}.json', o)
            elif stage == 'omp50_nopooler':
                # The variant without the pooler in the global pool: all-MiniLM-L6-v2's pooler weights are ~10x smaller
                # than its encoder's (sentence-transformers never uses the pooler), so Chen et al.'s pooled ranking prunes it almost whole.
                run(tdir/'omp_pretrained_50_nopooler.json',
                    lambda: omp(t, 0.5, source='pretrained', pooler=False, seed=seed, save_model=False, **ft_common))
            elif stage == 'weights50':
                for w in ('random', 'shuffle_layers', 'shuffle_within'):
                    run(tdir/f'weights_{w}_50.json', lambda w=w: finetune(t, mask=ticket, weights=w, seed=seed, save_model=False, **ft_common))
            elif stage == 'tickets':
                # Sparsest first: the first ticket at or above the matching floor is the sparsest matching one of the grid,
                # so the sparser-than-needed ones run and the denser ones are skipped (`--all_tickets` runs them all).
                full = [json.loads((R/'finetune'/f'{t}_s{s}.json').read_text())['score'] for s in (seed, *EXTRA_SEEDS)]
                scores = {0.5: json.loads((tdir/'imp_50.json').read_text())['score']}
                for k in (4, 3, 2, 1):
                    if matching(full, scores)['sparsest_matching'] is not None and not a.all_tickets: break
                    res = run(tdir/f'imp_{10*k}.json', lambda k=k: finetune(t, mask=R/'imp'/f'{t}_s{seed}'/f'round_{k}.safetensors',
                                                                           seed=seed, save_model=False, **ft_common))
                    scores[k/10] = res['score']
                print(f"tickets {t}:", matching(full, scores), flush=True)

if __name__ == '__main__': main()
