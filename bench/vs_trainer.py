"""Benchmark: the library's fine-tuning against the stock Hugging Face `Trainer`, side by side in one run.

Every arm fine-tunes the same model (classifier initialised from the same seed) on the same tokenised data
(max length 128) with the same hyper-parameters: 3 epochs, lr 5e-5, global batch 32, 10% linear warm-up,
weight decay 0.01 (not on biases and LayerNorms), gradient clipping at 1.0, AdamW. The arms:

- `library`: `bert_lottery.train.finetune` with its defaults (length-grouped dynamic padding; precision 'auto',
  i.e. bf16 autocast on a CPU with AVX512-BF16 or AMX, fp32 elsewhere; the fast path of `fastpath`: 15-bit dropout draws,
  the attention path measured per machine and length, foreach clipping).
- `library_fp32`: the same with `precision='fp32'` (the bf16 quality check).
- `library_bf16_residual`: `library` with the option `bf16_residual=True` (the residual stream in bf16 too; `fastpath.bf16_residual`).
- `trainer_padded` (a): `transformers.Trainer` as run_glue.py runs it: every example padded to 128,
  `default_data_collator`, random sampler, fp32.
- `trainer_grouped` (b): the best a Trainer user gets without custom code: `DataCollatorWithPadding` and
  `train_sampling_strategy='group_by_length'` (transformers 5's name for `group_by_length=True`), fp32.
- `trainer_grouped_bf16`: (b) with `bf16=True`, so that the library's bf16 default is also compared at equal precision.
- `library_cache1024`: `library` in a process that keeps oneDNN's default kernel cache of 1,024 primitives, as the
  Trainer arms do (what the larger cache `bert_lottery` sets on import gives).

Every arm runs in a process of its own (nothing cached from one run to the next). The library's processes import
`bert_lottery`, which sets `ONEDNN_PRIMITIVE_CACHE_CAPACITY=16384` where it is unset; the Trainer arms' processes get
oneDNN's default, 1024, as a Trainer user's process has. A value set in the environment is kept for every arm.

Both use fused AdamW (the Trainer's default `adamw_torch_fused` on torch >= 2.8; the library's `train.make_optimizer`);
everything else in the recipe matches (decay groups, betas, eps, linear schedule and its horizon, clipping, eval batch 128;
warm-up steps round down in the library and up in the Trainer, at most one step apart). The library evaluates dev after
every epoch and the Trainer once, so only the training examples/s are like for like; the wall times are not.

Training examples/s = training examples x epochs / seconds in the training loop (the library's per-epoch dev
evaluations excluded; the Trainer's `train_runtime`). Wall = the whole call: model loading, tokenisation (cached),
training and dev evaluation. Each (task, arm, seed) is saved to `--out/<task>_<arm>_s<seed>.json` as it finishes,
so an interrupted run resumes; the table (mean +- std over seeds, and the speed ratios) is printed and written to
`--out/table.md` after every run.

Usage: python bench/vs_trainer.py [--data_root ../shared/data] [--tasks RTE MRPC] [--seeds 42 1337 86]
       [--arms library trainer_grouped trainer_padded library_fp32 trainer_grouped_bf16] [--out results/bench/vs_trainer]
"""
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path
CACHE_ENV = 'ONEDNN_PRIMITIVE_CACHE_CAPACITY'
USER_CACHE = os.environ.get(CACHE_ENV)      # read before anything imports bert_lottery, which sets it where unset
import numpy as np, torch
from _timing import add_threads_arg, markdown_table, ratio, set_threads, timed

ARMS = ('library', 'trainer_grouped', 'trainer_padded', 'library_fp32', 'trainer_grouped_bf16', 'library_bf16_residual', 'library_cache1024')
HP = dict(epochs=3, lr=5e-5, batch_size=32, warmup=0.1, weight_decay=0.01, max_grad_norm=1.0, max_length=128)


class ListDataset(torch.utils.data.Dataset):
    def __init__(self, items): self.items = items
    def __len__(self): return len(self.items)
    def __getitem__(self, i): return self.items[i]


def as_items(enc, pad_to=None, pad_id=0):
    "Trainer features: one dict per example, padded to `pad_to` (run_glue's pad_to_max_length) or left unpadded."
    items = []
    for i, ids in enumerate(enc.input_ids):
        ids = list(ids); tt = list(enc.token_type_ids[i]) if enc.token_type_ids is not None else None
        att = [1] * len(ids)
        if pad_to:
            extra = pad_to - len(ids)
            ids, att = ids + [pad_id] * extra, att + [0] * extra
            if tt is not None: tt = tt + [0] * extra
        d = dict(input_ids=ids, attention_mask=att, labels=enc.labels[i].item())   # int for classes, float for STS-B
        if tt is not None: d['token_type_ids'] = tt
        items.append(d)
    return items


def run_library(task, seed, a, precision, **options):
    from bert_lottery.train import finetune
    wall, r = timed(lambda: finetune(task, data_root=a.data_root, seed=seed, progress=False, save_model=False, precision=precision, **options,
                                     train_subset=a.train_subset, dev_subset=a.dev_subset,
                                     epochs=HP['epochs'], lr=HP['lr'], batch_size=HP['batch_size'], warmup=HP['warmup'],
                                     weight_decay=HP['weight_decay'], max_grad_norm=HP['max_grad_norm'], max_length=HP['max_length']))
    train_s = sum(e['seconds'] for e in r['history'])
    return dict(score=r['score'], metric=r['main_metric'], train_seconds=train_s, wall_seconds=wall,
                examples_per_s=r['n_train'] * HP['epochs'] / train_s, n_train=r['n_train'], precision=r['precision'],
                epoch_seconds=[round(e['seconds'], 2) for e in r['history']])


def trainer_fit_predict(task, seed, a, grouped, bf16=False):
    "Fine-tune with the `Trainer` and predict dev: the training metrics, the prediction output, the dev `Encoded`, the training-set size."
    from transformers import Trainer, TrainingArguments, DataCollatorWithPadding, default_data_collator
    from bert_lottery.batching import encode_task
    from bert_lottery.models import load_model
    tok, model = load_model(None, task, seed)
    encs = encode_task(tok, task, a.data_root, HP['max_length'],
                       subsets={'train': a.train_subset, **{s: a.dev_subset for s in task.eval_splits}})
    pad = None if grouped else HP['max_length']
    train_ds = ListDataset(as_items(encs['train'], pad, tok.pad_token_id))
    dev = encs[task.eval_splits[0]]
    dev_ds = ListDataset(as_items(dev, pad, tok.pad_token_id))
    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(
            output_dir=out, per_device_train_batch_size=HP['batch_size'], per_device_eval_batch_size=128,
            learning_rate=HP['lr'], num_train_epochs=HP['epochs'], warmup_steps=HP['warmup'],
            weight_decay=HP['weight_decay'], max_grad_norm=HP['max_grad_norm'], seed=seed,
            eval_strategy='no', save_strategy='no', logging_strategy='no', report_to='none', disable_tqdm=True,
            use_cpu=not torch.cuda.is_available(), dataloader_num_workers=0, bf16=bf16,
            train_sampling_strategy='group_by_length' if grouped else 'random')
        collator = DataCollatorWithPadding(tok) if grouped else default_data_collator
        trainer = Trainer(model=model, args=args, train_dataset=train_ds, data_collator=collator)
        m = trainer.train().metrics
        # With group_by_length, transformers 5 also samples the *evaluation* set through a LengthGroupedSampler
        # (Trainer._get_eval_sampler), so `predictions` come back permuted. Score them against the `label_ids`
        # that come back in the same order, never against the dataset's own order.
        out = trainer.predict(dev_ds)
    return m, out, dev, len(train_ds)


def run_trainer(task, seed, a, grouped, bf16=False):
    from bert_lottery.data import get_task
    from bert_lottery.metrics import score, split_metric
    task = get_task(task)
    wall, (m, out, dev, n_train) = timed(lambda: trainer_fit_predict(task, seed, a, grouped, bf16))
    logits, labels, gold = out.predictions, np.asarray(out.label_ids), np.asarray(dev.labels)
    if not np.array_equal(np.sort(labels), np.sort(gold)):
        raise RuntimeError("the Trainer's label_ids are not a permutation of the dev labels")
    preds = logits[:, 0] if logits.shape[-1] == 1 else logits.argmax(-1)
    mm = split_metric(task)     # the main metric, named for the split where a task has several (MNLI)
    return dict(score=score(task, preds, labels)[mm], metric=mm, eval_order_permuted=bool((labels != gold).any()), train_seconds=m['train_runtime'], wall_seconds=wall,
                examples_per_s=n_train * HP['epochs'] / m['train_runtime'], n_train=n_train,
                precision='bf16' if bf16 else 'no')


def run_arm(task, arm, seed, a):
    if arm == 'library': return run_library(task, seed, a, 'auto')
    if arm == 'library_fp32': return run_library(task, seed, a, 'fp32')
    if arm == 'library_bf16_residual': return run_library(task, seed, a, 'auto', bf16_residual=True)
    if arm == 'library_cache1024': return run_library(task, seed, a, 'auto')      # its process keeps oneDNN's default cache (`arm_env`)
    if arm == 'trainer_padded': return run_trainer(task, seed, a, grouped=False)
    if arm == 'trainer_grouped': return run_trainer(task, seed, a, grouped=True)
    if arm == 'trainer_grouped_bf16': return run_trainer(task, seed, a, grouped=True, bf16=True)
    raise ValueError(f"unknown arm {arm!r}; one of {ARMS}")


def arm_env(arm):
    "The environment of an arm's process: a Trainer's (and `library_cache1024`) keeps oneDNN's default kernel cache of 1,024, as a process without bert_lottery has; the library's own gets the larger one bert_lottery sets on import. A value the user set stays for every arm."
    env = dict(os.environ)
    if USER_CACHE is not None: env[CACHE_ENV] = USER_CACHE
    elif arm.startswith('trainer') or arm == 'library_cache1024': env[CACHE_ENV] = '1024'
    else: env.pop(CACHE_ENV, None)
    return env


def fmt(xs, nd=1, scale=1):
    xs = np.asarray(xs, float) * scale
    return f"{xs.mean():.{nd}f} ± {xs.std(ddof=1) if len(xs) > 1 else 0:.{nd}f}"


PAIRS = [('library', 'trainer_padded'), ('library', 'trainer_grouped'),          # the ratios (a) and (b)
         ('library', 'trainer_grouped_bf16'), ('library_fp32', 'trainer_grouped'),  # precision-matched
         ('library', 'library_fp32'),                                              # what bf16 alone gives
         ('library_bf16_residual', 'trainer_grouped_bf16'), ('library_bf16_residual', 'library'),   # the option
         ('library', 'library_cache1024'), ('library_cache1024', 'trainer_grouped_bf16')]             # oneDNN's kernel cache


def table(out, tasks, arms=ARMS):
    header, rows = ['task', 'arm', 'precision', 'seeds', 'train examples/s', 'wall (s)', 'dev score (x100)', 'library speed-up'], []
    ratios = []
    for task in tasks:
        res = {arm: [json.loads(p.read_text()) for p in sorted(out.glob(f'{task}_{arm}_s*.json'))] for arm in arms}
        lib = np.mean([r['examples_per_s'] for r in res.get('library', [])]) if res.get('library') else None
        for arm in arms:
            rs = res[arm]
            if not rs: continue   # arms not run (yet) are left out
            eps = [r['examples_per_s'] for r in rs]
            speedup = ratio(lib, np.mean(eps)) if lib and arm.startswith('trainer') else ''   # library arms: see the ratios below
            rows.append([task, arm, 'fp32' if rs[0]['precision'] == 'no' else rs[0]['precision'], ','.join(str(r['seed']) for r in rs),
                         fmt(eps), fmt([r['wall_seconds'] for r in rs], 0), fmt([r['score'] for r in rs], 1, 100), speedup])
        for a1, a2 in PAIRS:
            r1, r2 = res.get(a1, []), res.get(a2, [])
            seeds = sorted({r['seed'] for r in r1} & {r['seed'] for r in r2})
            if not seeds: continue
            m = lambda rs, k: np.mean([r[k] for r in rs if r['seed'] in seeds])
            by_seed = lambda rs: {r['seed']: r['examples_per_s'] for r in rs}
            per = [by_seed(r1)[s] / by_seed(r2)[s] for s in seeds]   # per seed: the arms of one invocation ran back to back
            spread = f"; per seed {' / '.join(f'{x:.2f}' for x in per)}, mean {fmt(per, 2)}x" if len(per) > 1 else ''
            ratios.append(f"{task}: {a1} / {a2} = {ratio(m(r1, 'examples_per_s'), m(r2, 'examples_per_s'))} examples/s{spread}; dev "
                          f"{100 * m(r1, 'score'):.1f} vs {100 * m(r2, 'score'):.1f} (seeds {','.join(map(str, seeds))})")
    return markdown_table(header, rows) + '\n\n' + '\n'.join(ratios) + '\n'


def all_tasks(out):
    "Every task with a result in `out`, so that the table covers earlier invocations too."
    return sorted({json.loads(p.read_text())['task'] for p in out.glob('*_s*.json')}, key=lambda t: (t != 'RTE', t))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data_root', default=os.environ.get('BERT_LOTTERY_DATA'))
    p.add_argument('--tasks', nargs='+', default=['RTE', 'MRPC'])
    p.add_argument('--seeds', nargs='+', type=int, default=[42, 1337, 86])
    p.add_argument('--arms', nargs='+', default=list(ARMS), choices=ARMS)
    p.add_argument('--out', default='results/bench/vs_trainer')
    p.add_argument('--pause_file', default=None, help='while this file exists, wait before starting the next run')
    p.add_argument('--one', nargs=3, metavar=('TASK', 'ARM', 'SEED'), default=None, help='internal: run one arm in this process and write its file')
    p.add_argument('--train_subset', type=int, default=None, help='smoke tests only: a seeded subset of the training set')
    p.add_argument('--dev_subset', type=int, default=None, help='smoke tests only: a seeded subset of the dev set')
    add_threads_arg(p)
    a = p.parse_args()
    set_threads(a.threads)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    if a.one:                                  # one arm, in a process of its own
        task, arm, seed = a.one[0], a.one[1], int(a.one[2])
        r = dict(task=task, arm=arm, seed=seed, **HP, train_subset=a.train_subset, dev_subset=a.dev_subset, **run_arm(task, arm, seed, a),
                 onednn_cache=os.environ.get(CACHE_ENV, 'default (1024)'))
        (out/f'{task}_{arm}_s{seed}.json').write_text(json.dumps(r, indent=1))
        return
    print(f"threads {torch.get_num_threads()}, cuda {torch.cuda.is_available()}", flush=True)
    passed = [f'--out={out}'] + [f'--{k}={v}' for k, v in (('data_root', a.data_root), ('threads', a.threads), ('train_subset', a.train_subset), ('dev_subset', a.dev_subset)) if v is not None]
    for seed in a.seeds:
        for task in a.tasks:
            for arm in a.arms:
                f = out/f'{task}_{arm}_s{seed}.json'
                if f.exists(): continue
                while a.pause_file and Path(a.pause_file).exists(): time.sleep(5)   # lets other work use the CPU between runs
                # every arm in a fresh process: no kernel cache, allocator state or warm-up carried from one run to the next
                subprocess.run([sys.executable, __file__, '--one', task, arm, str(seed), *passed], env=arm_env(arm), check=True)
                r = json.loads(f.read_text())
                print(f"{task} {arm} seed {seed}: {r['examples_per_s']:.1f} ex/s, train {r['train_seconds']:.0f} s, "
                      f"wall {r['wall_seconds']:.0f} s, {r['metric']} {r['score']:.4f}", flush=True)
                t = table(out, all_tasks(out)); (out/'table.md').write_text(t)
    print(table(out, all_tasks(out)))


if __name__ == '__main__':
    main()
