"""The analyses of issue 10 on the default model: s-pruning of more seeds, stability and overlap statistics of the
published masks and of ours, the attention-pattern classifier, and the patterns of the heads of MRPC and RTE models.

Usage: python experiments/analysis.py [--data_root ../shared/data] [--only STAGE ...]
Stages (each skips what is already done):
  sprune_seeds  s-pruning of runs/finetune/<TASK>_s{1337,86} (made with `bert_lottery finetune <TASK> --seed <SEED> --output_dir runs/finetune/<TASK>_s<SEED>`) -> results/sprune/<TASK>_s<seed>/
  analyse       stability, overlaps, survival heatmaps of the published masks and of ours -> results/analysis/{published,ours}/
  cnn           5-fold stratified cross-validation of the pattern CNN on raw and normed maps, the annotators' agreement,
                and the classifiers trained on all agreed maps                           -> results/patterns/
  patterns      every head's raw and normed patterns over 30 dev inputs of MRPC and RTE, pre-trained and fine-tuned,
                against super-survival across our seeds                                  -> results/patterns/heads_*.json
"""
import argparse
from pathlib import Path
from scipy.stats import pearsonr
from bert_lottery.batching import encode
from bert_lottery.data import load_glue, seeded_subset
from bert_lottery.files import write_json
from bert_lottery.masks import StructuredMask
from bert_lottery.models import load_checkpoint, load_model
from bert_lottery.patterns import (annotator_agreement, cross_validate, head_patterns, load_classifier, load_labelled_maps, prepare,
                                   save_classifier, train_cnn)
from bert_lottery.sprune import sprune_checkpoint
from bert_lottery.stats import analyse
from bert_lottery.subnets import super_survivors

STAGES = ['sprune_seeds', 'analyse', 'cnn', 'patterns']
TASKS, SEEDS, EPOCHS = ('MRPC', 'RTE'), (42, 1337, 86), 40

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data_root', default=None)
    p.add_argument('--only', nargs='+', default=STAGES, choices=STAGES)
    a = p.parse_args()
    R = Path('results'); root = Path(a.data_root)
    if 'sprune_seeds' in a.only:
        for t in TASKS:
            for s in SEEDS[1:]:
                out = R/'sprune'/f'{t}_s{s}'
                if not (out/'summary.json').exists():
                    summ = sprune_checkpoint(f'runs/finetune/{t}_s{s}', t, str(out), data_root=a.data_root, progress=False)
                    print(f"sprune {t} seed {s}: {summ['heads_kept']}/72 heads, {summ['mlps_kept']}/6 MLPs, {summ['metric']:.4f}", flush=True)
    if 'analyse' in a.only:
        analyse(root/'prasanna2020_masks', R/'analysis'/'published')
        analyse('results/sprune/*_s*/mask.safetensors', R/'analysis'/'ours')
        print('analyses written', flush=True)
    if 'cnn' in a.only:
        for kind in ('raw', 'normed'):
            f = R/'patterns'/f'cv_{kind}.json'
            if f.exists(): continue
            maps, labels, rows = load_labelled_maps(root/'attention_patterns', kind)
            data = prepare(maps, labels, kind)
            cv = cross_validate(data, folds=5, epochs=EPOCHS)
            cv.update(agreement=annotator_agreement(rows, kind), epochs=EPOCHS, disagreed=data['disagreed'])
            write_json(f, cv)
            save_classifier(train_cnn(data['X'], data['y'], len(data['classes']), epochs=EPOCHS), R/'patterns'/f'cnn_{kind}.safetensors', data['classes'],
                            row_normalized=(kind == 'normed'),   # the labelled normed maps have rows summing to 1
                            projection='columns' if kind == 'normed' else None)   # and take each head's columns of W_o
            print(f"cnn {kind}: accuracy {cv['accuracy']:.3f} ± {cv['accuracy_std']:.3f}, majority {cv['majority_accuracy']:.3f}, "
                  f"agreement {cv['agreement']['agreement']:.3f}", flush=True)
    if 'patterns' in a.only:
        for t in TASKS:
            f = R/'patterns'/f'heads_{t}.json'
            if f.exists(): continue
            sups = super_survivors([StructuredMask.load(R/'sprune'/f'{t}_s{s}'/'mask.safetensors') for s in SEEDS])
            res = dict(task=t, n_inputs=30, super_heads=sups.head.flatten().tolist(), seeds=list(SEEDS))
            for which in ('pretrained', 'finetuned'):
                tok, model = load_model(None, t) if which == 'pretrained' else load_checkpoint(f'runs/finetune/{t}_s42', t)
                enc = encode(tok, seeded_subset(load_glue(t, 'dev', a.data_root), 30, seed=0))
                for kind in ('raw', 'normed'):
                    clf, classes, size = load_classifier(R/'patterns'/f'cnn_{kind}.safetensors')
                    frac = head_patterns(model, enc, clf, len(classes), size, kind, pad_id=tok.pad_token_id or 0)
                    het = frac[..., classes.index('heterogeneous')].flatten().numpy()
                    res[f'{which}_{kind}'] = dict(classes=classes, fractions=frac.tolist(),
                                                  pearson_super_heterogeneous=float(pearsonr(sups.head.flatten().numpy(), het)[0]) if het.std() > 0 else None)
            write_json(f, res)
            print(f"patterns {t} written", flush=True)

if __name__ == '__main__': main()
