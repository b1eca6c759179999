"""The MLM ticket of issue 29 (Chen et al., row 25) on the embedded default model, and its transfer to MRPC and RTE.

Usage: python experiments/mlm_ticket.py [--data_root ../shared/data] [--only STAGE ...] [--smoke]
Stages, in the order they run by default (each skips what is already done, so an interrupted run resumes):
  mlm        IMP on masked LM to 50%: 5 prunings of 10% (4 trained rounds of 50 steps), blocks of 128 tokens, batch 16,
             a fresh MLM head first trained 150 steps on the frozen encoder; the corpus is the GLUE training sentences of
             CoLA, SST-2, STS-B and WNLI (the target tasks' sentences left out). About 10 minutes on 2 free CPU cores
             (timed steps: head 1.2 s, masked training 1.9 s, scoring 32 held-out blocks 0.9 s; 3-8x slower under load).
             The 4 fine-tunings of the next two stages take about 6 minutes each.
                                                                      -> results/mlm/s42/
  transfer   the MLM ticket fine-tuned on each task (3 epochs, seed 42) -> results/tickets/<TASK>_s42/transfer_from_MLM_50.json
  random50   random pruning at 50% of the same weights (the encoder's; the pooler dense, as in the MLM ticket)
                                                                      -> results/tickets/<TASK>_s42/random_pruning_50_nopooler.json
  table      the transfer table beside the full model, the task's own IMP ticket, the other task's ticket, one-shot pruning
             of the pre-trained encoder and random pruning, from what results/ holds -> results/mlm/transfer.json, printed
--smoke runs every stage on tiny sizes into a temporary folder (about a minute; the numbers mean nothing).
Checkpoints are not kept; results/ gets JSON and mask files only.
"""
import argparse, json, tempfile
from pathlib import Path
from bert_lottery.files import write_json
from _stages import run
from bert_lottery.corpus import glue_corpus
from bert_lottery.mlm import mlm_imp
from bert_lottery.models import load_model
from bert_lottery.tickets import matching, random_mask, transfer
from bert_lottery.train import finetune

STAGES = ['mlm', 'transfer', 'random50', 'table']
CORPUS_TASKS = ['CoLA', 'SST-2', 'STS-B', 'WNLI']     # the GLUE training splits at hand, less the targets MRPC and RTE
MLM = dict(rounds=5, rate=0.1, steps_per_round=50, head_steps=150, block_size=128, batch_size=16, eval_blocks=32)
SMOKE = dict(rounds=5, rate=0.1, steps_per_round=1, head_steps=1, block_size=64, batch_size=4, eval_blocks=4)
SMOKE_FT = dict(epochs=1, train_subset=32, dev_subset=32)
ROWS = [('full model', 'finetune/{t}_s42.json'), ('own IMP ticket (encoder and pooler)', 'tickets/{t}_s42/imp_50.json'),
        ('MLM ticket', 'tickets/{t}_s42/transfer_from_MLM_50.json'), ("the other task's IMP ticket (encoder and pooler)", 'tickets/{t}_s42/transfer_from_{o}_50.json'),
        ('OMP of the pre-trained encoder', 'tickets/{t}_s42/omp_pretrained_50_nopooler.json'),
        ('random pruning (encoder)', 'tickets/{t}_s42/random_pruning_50_nopooler.json'),
        ('random pruning (encoder and pooler)', 'tickets/{t}_s42/random_pruning_50.json')]


def table(R, tasks):
    "Dev scores (x100) at 50% sparsity, one column per task, from the JSON files under `R`."
    read = lambda p: json.loads(p.read_text()) if p.is_file() else None
    rows = []
    for name, pat in ROWS:
        row = dict(subnetwork=name)
        for t in tasks:
            o = next((x for x in tasks if x != t), t)
            r = read(R/pat.format(t=t, o=o))
            row[t] = None if r is None else round(100 * r['score'], 1)
            row[f'{t}_precision'] = None if r is None else 'bf16' if r.get('precision') == 'bf16' else 'fp32'   # older records name none: fp32
        rows.append(row)
    floors = {}
    for t in tasks:
        full = [read(R/'finetune'/f'{t}_s{s}.json') for s in (42, 1337, 86)]
        if all(full): floors[t] = round(100 * matching([f['score'] for f in full], {})['floor'], 1)
    rows.append(dict(subnetwork='matching floor (full mean - std, 3 seeds)', **{t: floors.get(t) for t in tasks}))
    return rows

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--tasks', nargs='+', default=['MRPC', 'RTE'])
    p.add_argument('--data_root', default=None)
    p.add_argument('--only', nargs='+', default=STAGES, choices=STAGES)
    p.add_argument('--precision', default='auto', choices=['auto', 'bf16', 'fp32'])
    p.add_argument('--smoke', action='store_true', help="tiny sizes, into a temporary folder")
    a = p.parse_args()
    R = Path(tempfile.mkdtemp()) if a.smoke else Path('results')
    (mlm_kw, ft_kw), seed = ((SMOKE, SMOKE_FT) if a.smoke else (MLM, {})), 42
    ticket = R/'mlm'/'s42'/'mask.safetensors'
    common = dict(data_root=a.data_root, progress=False, precision=a.precision, seed=seed, save_model=False, **ft_kw)
    for stage in dict.fromkeys(a.only):
        if stage == 'mlm':
            run(R/'mlm'/'s42'/'summary.json', lambda: mlm_imp(None, glue_corpus(a.data_root, CORPUS_TASKS), output_dir=R/'mlm'/'s42',
                                                               seed=seed, progress=not a.smoke, **mlm_kw))
        for t in a.tasks:
            tdir = R/'tickets'/f'{t}_s{seed}'
            if stage == 'transfer': run(tdir/'transfer_from_MLM_50.json', lambda: transfer(t, ticket, **common))
            elif stage == 'random50':
                run(tdir/'random_pruning_50_nopooler.json',
                    lambda: finetune(t, mask=random_mask(load_model(None, t)[1], 0.5, seed, pooler=False), **common))
        if stage == 'table':
            summ = R/'mlm'/'s42'/'summary.json'
            if summ.is_file():
                s = json.loads(summ.read_text()); h = s['head']
                print(f"MLM run: {s['seconds']:.0f} s; head perplexity {h['before']['perplexity']:.0f} -> {h.get('after', h['before'])['perplexity']:.0f}")
                for r in s['records']:
                    print(f"  round {r['round']}: sparsity {r['sparsity']:.3f}, perplexity at the rewound weights {r['rewound']['perplexity']:.0f}"
                          + (f", after training {r['trained']['perplexity']:.0f}" if r['trained'] else '')
                          + (f", Jaccard with one-shot pruning of the pre-trained weights {r['one_shot_jaccard']:.3f}" if 'one_shot_jaccard' in r else ''))
            rows = table(R, a.tasks)
            write_json(R/'mlm'/'transfer.json', rows)
            print('| subnetwork (50% sparse) | ' + ' | '.join(a.tasks) + ' |\n|---|' + '---|' * len(a.tasks))
            cell = lambda r, t: '-' if r[t] is None else f"{r[t]:.1f}" + (' (bf16)' if r.get(f'{t}_precision') == 'bf16' else '')
            for r in rows: print(f"| {r['subnetwork']} | " + ' | '.join(cell(r, t) for t in a.tasks) + ' |')
            print('Each run trained in fp32 unless marked (bf16): the bf16 runs were made on a machine with native bf16, with the same recipe and seed.')
    if a.smoke: print('smoke run written to', R)

if __name__ == '__main__': main()
