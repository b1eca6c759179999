"""The Heuristic Core's NLI experiment (issue 11) on 2 CPU cores, with the embedded default model.

Usage: python experiments/heuristic_core.py [--data_root ../shared/data] [--only STAGE ...]
Stages, in the order they run by default (each skips what is already done, so an interrupted run resumes):
  sweep    the units of the runner spec specs/heuristic_core.yaml: MNLI fine-tuned on dev_matched (seed 42), then L0 gates at
           targets 30% and 50% x gate seeds 0, 1, 2 (gate seed outermost), each evaluated on dev_mismatched and on 6,000 HANS pairs -> the runner's store results/heuristic_core/store
  collect  the light results of the store (fine-tuning results, each L0 run's summary, history and mask)
           -> results/heuristic_core/finetune.json, results/heuristic_core/l0_t<pct>_g<seed>/
  compare  importance (s-pruning) masks at the same sparsities: the heads+MLPs stage of s-pruning (7 heads and 1 MLP per step,
           importance re-scored under each step's mask) on a seeded 3,000-pair subset of dev_matched, continued without the 90%
           stop to the steps nearest 30% and 50% of the 78 components; each evaluated like the L0 runs
           -> results/heuristic_core/sprune_t<pct>/
  table    one table of every subnetwork and the full model, and the effective size -> results/heuristic_core/table.md
The checkpoint stays in the store's heavy/ folder (git-ignored); the rest of results/heuristic_core is JSON and mask files.
"""
import argparse, json, shutil, time
from pathlib import Path
import numpy as np
from bert_lottery.data import encode, get_task, glue_loader, load_glue, seeded_subset, write_json
from bert_lottery.importance import gate_importance
from bert_lottery.l0 import HANS_SUBCASES, effective_size, effective_size_score
from bert_lottery.masks import StructuredMask
from bert_lottery.metrics import score
from bert_lottery.models import load_checkpoint
from bert_lottery.ood import evaluate_ood
from bert_lottery.spec import expand, load_spec
from bert_lottery.store import Store, run_job
from bert_lottery.sprune import normalize_head_scores, normalize_mlp_scores, prune_step
from bert_lottery.train import evaluate

STAGES = ['sweep', 'collect', 'compare', 'table']
SPEC, OUT = Path('specs/heuristic_core.yaml'), Path('results/heuristic_core')
STORE = OUT/'store'   # its light part (manifests, results, masks) is committed, so a new machine resumes; heavy/ and locks/ are git-ignored


def units(data_root):
    spec = {**load_spec(SPEC, STORE), 'data_root': data_root}
    return spec, expand(spec)


def hc_score(mismatched:float, hans:dict, score:str='original')->float:
    "The effective-size score of this setting (matched trains the model, so the in-domain part is mismatched alone)."
    return effective_size_score([mismatched], hans, score)


def compare(data_root, us, n_score=3000, seed=0):
    ft = next(u for u in us if u.kind == 'finetune')
    l0 = [u for u in us if u.kind == 'l0']
    targets = sorted({u.params['target'] for u in l0})
    if all((OUT/f'sprune_t{round(100 * t)}'/'summary.json').exists() for t in targets): print('done already: compare'); return
    ckpt = Store(STORE).heavy(ft.id)
    task = get_task('MNLI'); tok, model = load_checkpoint(ckpt, task); pad = tok.pad_token_id or 0
    p = l0[0].params
    data = encode(tok, seeded_subset(load_glue(task, p['train_split'], data_root), n_score, seed), 128)
    loader = glue_loader(data, 64, pad_id=pad, order='length')
    evals = {s: encode(tok, load_glue(task, s, data_root), 128) for s in p['eval_splits']}
    t0, mask, steps = time.perf_counter(), StructuredMask.ones((model.config.num_hidden_layers, model.config.num_attention_heads)), []
    n_heads = max(1, int(0.1 * mask.head.numel()))
    model.eval()
    while mask.sparsity < max(targets) and mask.n_heads > n_heads and mask.n_mlps > 1:
        sc = gate_importance(model, loader, mask)
        steps.append(dict(sparsity=mask.sparsity, metric=score(task, sc.preds, sc.labels)['accuracy'], mask=mask))
        print(f"importance step {len(steps)}: sparsity {mask.sparsity:.3f}, dev_matched subset accuracy {steps[-1]['metric']:.4f}", flush=True)
        mask = prune_step(mask, normalize_head_scores(sc.head), normalize_mlp_scores(sc.mlp), n_heads, 1)
    steps.append(dict(sparsity=mask.sparsity, metric=None, mask=mask))
    for t in targets:
        out = OUT/f'sprune_t{round(100 * t)}'
        best = min(steps, key=lambda s: abs(s['sparsity'] - t))
        m = best['mask'].replace(method='s-pruning scores, heads+mlps stage continued to the target', target=t, n_score=n_score,
                                 score_split=p['train_split'], order='length')
        with m.apply(model): pruned = evaluate(model, task, evals, pad_id=pad)
        hans = evaluate_ood(model, tok, 'hans', 'MNLI', mask=m, data_root=data_root, subset=p['ood_subset'])
        out.mkdir(parents=True, exist_ok=True); m.save(out/'mask.safetensors')
        write_json(out/'summary.json', dict(method='sprune_continued', target=t, sparsity=m.sparsity, heads_off=int((m.head == 0).sum()),
                                            mlps_off=int((m.mlp == 0).sum()), pruned=pruned, ood_pruned={'hans': hans},
                                            score_trajectory=[(s['sparsity'], s['metric']) for s in steps],
                                            seconds=time.perf_counter() - t0))
        print(f"{out}: sparsity {m.sparsity:.3f}, mismatched {pruned['accuracy_mismatched']:.4f}, HANS non-ent {hans['non_entailed_subcase_mean']:.4f}", flush=True)


def table():
    ft = json.loads((OUT/'finetune.json').read_text())
    rows, runs = [], []
    l0s = [json.loads(f.read_text()) for f in sorted(OUT.glob('l0_t*/summary.json'))]
    if not l0s: print('no L0 runs collected yet'); return
    def row(subnetwork, target, seed, sparsity, mm, h):
        return dict(subnetwork=subnetwork, target=target, seed=seed, sparsity=sparsity, mismatched=mm, hans=h['accuracy'],
                    four=float(np.mean([h['by_subcase'][s] for s in HANS_SUBCASES])), hans_nonent=h['non_entailed_subcase_mean'],
                    score=hc_score(mm, h), score_two_part=hc_score(mm, h, 'two_part'))
    rows.append(row('full model', '', '', 0., l0s[0]['full']['accuracy_mismatched'], l0s[0]['ood_full']['hans']))
    for s in l0s:
        rows.append(row('L0', s['target'], s['seed'], s['final_sparsity'], s['pruned']['accuracy_mismatched'], s['ood_pruned']['hans']))
        runs.append(dict(sparsity=s['target'], seed=s['seed'], score=rows[-1]['score'], score_two_part=rows[-1]['score_two_part']))
    for f in sorted(OUT.glob('sprune_t*/summary.json')):
        s = json.loads(f.read_text())
        rows.append(row('importance', s['target'], '', s['sparsity'], s['pruned']['accuracy_mismatched'], s['ood_pruned']['hans']))
    eff = effective_size(runs, rows[0]['score'])
    eff_lib = effective_size([dict(r, score=r['score_two_part']) for r in runs], rows[0]['score_two_part'], rule='means')
    lines = ['| subnetwork | target | gate seed | sparsity | MNLI mismatched | HANS | HANS, the 4 named subcases | HANS non-entailed (15-subcase mean) | score (original) | score (two-part) |',
             '|---|---|---|---|---|---|---|---|---|---|']
    for r in rows:
        lines.append(f"| {r['subnetwork']} | {r['target']} | {r['seed']} | {r['sparsity']:.3f} | {100 * r['mismatched']:.1f} | {100 * r['hans']:.1f} | "
                     f"{100 * r['four']:.1f} | {100 * r['hans_nonent']:.1f} | {100 * r['score']:.1f} | {100 * r['score_two_part']:.1f} |")
    lines.append(f"\nFull model fine-tuned on dev_matched: {ft['n_train']} pairs, dev_mismatched {100 * ft['score']:.1f}.")
    lines.append(f"Effective size as the original (score = mean of mismatched and the 4 named HANS subcases, matched being the training split; per gate seed, "
                 f"strict >, tolerance 0.03; grid {sorted(eff['mean_by_sparsity'])}): {eff['effective_size']} (per seed {eff['per_seed']}).")
    lines.append(f"Effective size by the library's earlier rule (score = mean of mismatched and the 15-subcase non-entailed mean; on means over seeds, >=): "
                 f"{eff_lib['effective_size']}.")
    (OUT/'table.md').write_text('\n'.join(lines) + '\n'); write_json(OUT/'effective_size.json', dict(original=eff, means_two_part=eff_lib))
    print('\n'.join(lines))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data_root', default=None)
    p.add_argument('--only', nargs='+', default=STAGES, choices=STAGES)
    a = p.parse_args()
    spec, us = units(a.data_root) if set(a.only) - {'table'} else (None, [])
    for stage in dict.fromkeys(a.only):
        if stage == 'sweep':   # the runner's units, gate seeds outermost, so that an interrupted run has every target at some seeds
            st = Store(STORE); st.root.mkdir(parents=True, exist_ok=True); write_json(st.root/'spec.json', spec)
            ft = [u for u in us if u.kind == 'finetune']
            l0 = sorted((u for u in us if u.kind == 'l0'), key=lambda u: (u.params['seed'], u.params['target']))
            print(dict(zip([u.id for u in ft + l0], run_job(st, ft + l0, a.data_root, progress=True))), flush=True)
        elif stage == 'collect':
            st = Store(STORE)
            for u in us:
                if st.status(u.id) != 'done': continue
                if u.kind == 'finetune': OUT.mkdir(parents=True, exist_ok=True); shutil.copy(st.dir(u.id)/'results.json', OUT/'finetune.json')
                else:
                    dst = OUT/f"l0_t{round(100 * u.params['target'])}_g{u.params['seed']}"; dst.mkdir(parents=True, exist_ok=True)
                    for f in ('summary.json', 'history.json', 'mask.safetensors'): shutil.copy(st.dir(u.id)/f, dst/f)
            print('collected:', sorted(x.name for x in OUT.iterdir()))
        elif stage == 'compare': compare(a.data_root, us)
        elif stage == 'table': table()


if __name__ == '__main__': main()
