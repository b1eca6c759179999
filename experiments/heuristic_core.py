"""The Heuristic Core's NLI experiment (issue 11) on 2 CPU cores, with the embedded default model: what the runner's spec
cannot say, the importance-pruning comparison and the table.

Usage:
  BERT_LOTTERY_DATA=../shared/data bert_lottery run specs/heuristic_core.yaml results/heuristic_core/store
      MNLI fine-tuned on dev_matched (seed 42), then L0 gates at targets 30% and 50% x gate seeds 0, 1, 2, each evaluated on
      dev_mismatched and on 6,000 HANS pairs (the store's light part is committed; its checkpoint is not)
  python experiments/heuristic_core.py [--data_root ../shared/data] [--only compare table]
  compare  importance (s-pruning) masks at the same sparsities: `sprune(..., target=t)` continues the heads+MLPs stage (7 heads
           and 1 MLP per step, importance re-scored under each step's mask) on a seeded 3,000-pair subset of dev_matched past
           the 90% stop to the mask nearest each target; each evaluated like the L0 runs -> results/heuristic_core/sprune_t<pct>/
  table    one table of every subnetwork and the full model, and the effective size -> results/heuristic_core/table.md
"""
import argparse, json, time
from pathlib import Path
import numpy as np
from bert_lottery.data import encode, get_task, load_glue, seeded_subset, write_json
from bert_lottery.l0 import HANS_SUBCASES, effective_size, effective_size_score
from bert_lottery.models import load_checkpoint
from bert_lottery.ood import evaluate_ood
from bert_lottery.spec import expand
from bert_lottery.sprune import sprune
from bert_lottery.store import Store
from bert_lottery.train import evaluate

STAGES = ['compare', 'table']
OUT = Path('results/heuristic_core')
STORE = OUT/'store'


def store_units():
    "The units of the spec the store was run with, and the store."
    return expand(json.loads((STORE/'spec.json').read_text())), Store(STORE)


def hc_score(mismatched:float, hans:dict, score:str='original')->float:
    "The effective-size score of this setting (matched trains the model, so the in-domain part is mismatched alone)."
    return effective_size_score([mismatched], hans, score)


def compare(data_root, n_score=3000, seed=0):
    us, st = store_units()
    ft, l0 = next(u for u in us if u.kind == 'finetune'), [u for u in us if u.kind == 'l0']
    targets = sorted({u.params['target'] for u in l0})
    if all((OUT/f'sprune_t{round(100 * t)}'/'summary.json').exists() for t in targets): print('done already: compare'); return
    if not (st.heavy(ft.id)/'config.json').is_file(): raise SystemExit(f"No checkpoint at {st.heavy(ft.id)}: run the spec first (see --help)")
    task = get_task('MNLI'); tok, model = load_checkpoint(st.heavy(ft.id), task); pad = tok.pad_token_id or 0
    p = l0[0].params
    data = encode(tok, seeded_subset(load_glue(task, p['train_split'], data_root), n_score, seed), 128)
    evals = {s: encode(tok, load_glue(task, s, data_root), 128) for s in p['eval_splits']}
    for t in targets:
        t0, out = time.perf_counter(), OUT/f'sprune_t{round(100 * t)}'
        m, history = sprune(model, task, data, pad_id=pad, order='length', target=t)
        m = m.replace(method='s-pruning scores, heads+mlps stage continued to the target', n_score=n_score, score_split=p['train_split'])
        with m.apply(model): pruned = evaluate(model, task, evals, pad_id=pad)
        hans = evaluate_ood(model, tok, 'hans', 'MNLI', mask=m, data_root=data_root, subset=p['ood_subset'])
        out.mkdir(parents=True, exist_ok=True); m.save(out/'mask.safetensors')
        write_json(out/'summary.json', dict(method='sprune_continued', target=t, sparsity=m.sparsity, heads_off=int((m.head == 0).sum()),
                                            mlps_off=int((m.mlp == 0).sum()), pruned=pruned, ood_pruned={'hans': hans},
                                            score_trajectory=[(h.mask.sparsity, h.metric) for h in history],
                                            seconds=time.perf_counter() - t0))
        print(f"{out}: sparsity {m.sparsity:.3f}, mismatched {pruned['accuracy_mismatched']:.4f}, HANS non-ent {hans['non_entailed_subcase_mean']:.4f}", flush=True)


def table():
    us, st = store_units()
    ft = json.loads((st.dir(next(u.id for u in us if u.kind == 'finetune'))/'results.json').read_text())
    l0s = [json.loads((st.dir(u.id)/'summary.json').read_text()) for u in us if u.kind == 'l0' and st.status(u.id) == 'done']
    if not l0s: print('no L0 unit is done yet'); return
    rows, runs = [], []
    def row(subnetwork, target, seed, sparsity, mm, h):
        return dict(subnetwork=subnetwork, target=target, seed=seed, sparsity=sparsity, mismatched=mm, hans=h['accuracy'],
                    four=float(np.mean([h['by_subcase'][s] for s in HANS_SUBCASES])), hans_nonent=h['non_entailed_subcase_mean'],
                    score=hc_score(mm, h), score_two_part=hc_score(mm, h, 'two_part'))
    rows.append(row('full model', '', '', 0., l0s[0]['full']['accuracy_mismatched'], l0s[0]['ood_full']['hans']))
    for s in sorted(l0s, key=lambda s: (s['target'], s['seed'])):
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
    for stage in dict.fromkeys(a.only): compare(a.data_root) if stage == 'compare' else table()


if __name__ == '__main__': main()
