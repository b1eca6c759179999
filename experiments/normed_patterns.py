"""Issue 35.3: the normed attention-pattern CNN on the original's maps, ||alpha f|| without row normalisation, with the
original's slice of the output projection.

The labelled normed maps in shared/data/attention_patterns/normed have rows summing to 1 and take each head's columns of
the output projection (Kobayashi et al.'s f), but the original saved and classified ||alpha f|| as it is
(head_classifiication_data_gen.ipynb cell 3, head_classification.ipynb), with the head's rows of the output projection
(model_bert.py:337, `dense.weight.view(heads, head_dim, -1)`). The default model made the shared maps, and labels.tsv records
each map's input (word pieces), layer and head, so this script recomputes all 600 maps (`patterns.rebuild_normed_maps`):
first with the columns, each of which, renormalised, must equal its file, or it stops; then the original's maps, the rows
without the normalisation, which the CNN learns from (the labels are the annotators', made on the files).
Stages (each writes only what it names):
  cv        5-fold stratified cross-validation of the CNN, 40 epochs, on the agreed labels: vertical+diagonal kept (the
            original's normed classes) and merged; then the classifiers on all agreed maps, saved with row_normalized=false
            and projection='rows'
            -> results/patterns/cv_normed.json, cv_normed_merged.json, cnn_normed.safetensors, cnn_normed_merged.safetensors
  patterns  every head's normed patterns (cnn_normed.safetensors) on the 30 dev inputs of MRPC and RTE that
            experiments/analysis.py used: the pre-trained model, and the fine-tuned one when runs/finetune/<TASK>_s42 exists
            -> the *_normed entries of results/patterns/heads_<TASK>.json
Files made from row-normalised maps are kept once, renamed *_rownorm.json / *_rownorm.safetensors; an entry of
heads_<TASK>.json that cannot be recomputed (no fine-tuned checkpoint) stays, marked row_normalized=true, projection='columns'.

Usage: HF_HUB_OFFLINE=1 python experiments/normed_patterns.py [--data_root ../shared/data] [--only cv patterns] [--smoke]
--smoke runs both stages on 40 maps, 2 folds and 2 epochs into a temporary folder, in about a minute.
"""
import argparse, json, shutil, tempfile, time
from pathlib import Path
import numpy as np
from scipy.stats import pearsonr
from transformers import AutoModel, AutoTokenizer
from bert_lottery.batching import encode
from bert_lottery.data import load_glue, resolve_data_root, seeded_subset
from bert_lottery.files import write_json
from bert_lottery.masks import StructuredMask
from bert_lottery.models import default_model, load_checkpoint, load_model
from bert_lottery.patterns import (annotator_agreement, cross_validate, head_patterns, load_classifier, load_labelled_maps, prepare,
                                   rebuild_normed_maps, save_classifier, train_cnn)
from bert_lottery.subnets import super_survivors

TASKS, SEEDS, EPOCHS, N_INPUTS = ('MRPC', 'RTE'), (42, 1337, 86), 40, 30

def keep_old(path:Path):
    "Rename `path` to its *_rownorm twin once, if it was made from row-normalised maps."
    old = path.with_name(path.stem + '_rownorm' + path.suffix)
    if path.exists() and not old.exists(): shutil.copy2(path, old); print(f'kept {path.name} as {old.name}', flush=True)

def rebuilt_maps(root:Path, n:int|None):
    "The labelled rows, their agreed normed labels and the original's maps (the rows of W_o, no normalisation), after checking the inputs against the shared files."
    stored, labels, rows = load_labelled_maps(root/'attention_patterns', 'normed')
    rows, labels, stored = rows[:n], labels[:n], stored[:n]
    tok, model = AutoTokenizer.from_pretrained(default_model()), AutoModel.from_pretrained(default_model())
    t0, cols = time.perf_counter(), rebuild_normed_maps(rows, model, tok, projection='columns')     # as the shared files were made
    renorm = lambda m: m / m.sum(1, keepdims=True).clip(1e-12)
    err = max(float(np.abs(renorm(m) - s).max()) for m, s in zip(cols, stored))
    if err > 1e-4: raise SystemExit(f'the recomputed maps, renormalised, differ from the shared files by {err:.2e}: not the maps that were labelled')
    maps = rebuild_normed_maps(rows, model, tok, projection='rows')                                # the original's
    diff = max(float(np.abs(renorm(m) - s).max()) for m, s in zip(maps, stored))
    sums = np.concatenate([m.sum(1) for m in maps])
    print(f'{len(maps)} maps recomputed in {time.perf_counter() - t0:.0f} s; with the columns and renormalised they match the files to {err:.1e}; '
          f"the original's (rows) differ from the files by up to {diff:.3f} renormalised; their row sums {sums.min():.2f}..{sums.max():.2f} "
          f'(median {np.median(sums):.2f})', flush=True)
    return rows, labels, maps

def cv_stage(out:Path, rows, labels, maps, folds:int, epochs:int):
    for suffix, merge in (('', None), ('_merged', True)):
        data = prepare(maps, labels, 'normed', merge_vertical=merge)
        cv = cross_validate(data, folds=folds, epochs=epochs)
        cv.update(agreement=annotator_agreement(rows, 'normed'), epochs=epochs, disagreed=data['disagreed'], row_normalized=False, projection='rows',
                  maps="||alpha f|| of the default model, recomputed from labels.tsv, the original's: W_o's rows, not row-normalised")
        for f in (out/f'cv_normed{suffix}.json', out/f'cnn_normed{suffix}.safetensors'): keep_old(f)
        write_json(out/f'cv_normed{suffix}.json', cv)
        save_classifier(train_cnn(data['X'], data['y'], len(data['classes']), epochs=epochs), out/f'cnn_normed{suffix}.safetensors',
                        data['classes'], row_normalized=False, projection='rows')
        print(f"cnn normed{suffix}: accuracy {100 * cv['accuracy']:.1f} ± {100 * cv['accuracy_std']:.1f}, macro F1 {cv['macro_f1']:.3f}, "
              f"majority {100 * cv['majority_accuracy']:.1f} ({cv['n']} maps, classes {cv['classes']})", flush=True)

def patterns_stage(out:Path, data_root, n_inputs:int):
    clf, classes, size = load_classifier(out/'cnn_normed.safetensors')
    if clf.row_normalized is not False or clf.projection != 'rows':
        raise SystemExit("cnn_normed.safetensors was not trained on the original's maps (rows of W_o, no normalisation): run the cv stage first")
    for t in TASKS:
        f = out/f'heads_{t}.json'
        res = json.loads(f.read_text()) if f.exists() else dict(task=t, n_inputs=n_inputs, seeds=list(SEEDS))
        sups = super_survivors([StructuredMask.load(Path('results')/'sprune'/f'{t}_s{s}'/'mask.safetensors') for s in SEEDS])
        res['super_heads'] = sups.head.flatten().tolist()
        keep_old(f)
        for which in ('pretrained', 'finetuned'):
            ckpt = Path('runs')/'finetune'/f'{t}_s42'
            if which == 'finetuned' and not ckpt.is_dir():
                if res.get(f'{which}_normed') is not None:
                    res[f'{which}_normed'].setdefault('row_normalized', True); res[f'{which}_normed'].setdefault('projection', 'columns')
                print(f'{t} {which}: no checkpoint at {ckpt}; its normed entry is left as it was (row-normalised maps, columns of W_o)', flush=True)
                continue
            tok, model = load_model(None, t) if which == 'pretrained' else load_checkpoint(ckpt, t)
            enc = encode(tok, seeded_subset(load_glue(t, 'dev', data_root), n_inputs, seed=0))
            frac = head_patterns(model, enc, clf, len(classes), size, 'normed', pad_id=tok.pad_token_id or 0)
            het = frac[..., classes.index('heterogeneous')].flatten().numpy()
            r = float(pearsonr(sups.head.flatten().numpy(), het)[0]) if het.std() > 0 else None
            res[f'{which}_normed'] = dict(classes=classes, fractions=frac.tolist(), pearson_super_heterogeneous=r, row_normalized=False, projection='rows', classifier='cnn_normed.safetensors')
            print(f'{t} {which} normed: Pearson(super-survival, heterogeneous share) = {r}', flush=True)
        write_json(f, res)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data_root', default=None)
    p.add_argument('--only', nargs='+', default=['cv', 'patterns'], choices=['cv', 'patterns'])
    p.add_argument('--smoke', action='store_true', help='40 maps, 2 folds, 2 epochs, 6 inputs, into a temporary folder')
    a = p.parse_args()
    root = resolve_data_root(a.data_root)
    out = Path(tempfile.mkdtemp()) if a.smoke else Path('results')/'patterns'
    if a.smoke:
        for f in Path('results/patterns').glob('heads_*.json'): shutil.copy2(f, out/f.name)
    if 'cv' in a.only:
        rows, labels, maps = rebuilt_maps(root, 40 if a.smoke else None)
        cv_stage(out, rows, labels, maps, 2 if a.smoke else 5, 2 if a.smoke else EPOCHS)
    if 'patterns' in a.only: patterns_stage(out, a.data_root, 6 if a.smoke else N_INPUTS)
    print(f'written to {out}')

if __name__ == '__main__': main()
