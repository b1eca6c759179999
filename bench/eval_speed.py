"""Benchmark: evaluation speed, before and after (issue 12, item 5), on a fine-tuned checkpoint.

1. One dev evaluation, as every m-pruning step does it:
   - before: in the original code's style (every example padded to 128, file order, `torch.no_grad`) at batch 32, where
     the original's find_masks.sh evaluates at batch 64 (`--batch_size 64`);
   - after: `bert_lottery.train.evaluate`: dynamic padding, length-sorted batches, `torch.inference_mode`, at eval batch
     sizes 32..256 (`train.eval_batch_size`: 32 on a CPU, where it measured fastest, 128 on an accelerator).
   Each arm is timed --repeats times (median); the predictions must agree.
2. One whole s-pruning run (heads+MLPs, the paper's settings). Its probe needs gradients, so `inference_mode` cannot
   apply; what changes is the batches:
   - original: padded to 128, file order (the original's features);
   - library default: dynamic padding, file order (the same batches, so the same mask);
   - length order: dynamic padding, length-sorted batches (other batches, so the mask may differ).

Results go to results/bench/eval_speed.json.

    HF_HUB_OFFLINE=1 python bench/eval_speed.py --checkpoint runs/finetune/MRPC_s42 [--task MRPC] [--data_root ../shared/data]
"""
import argparse, os
from pathlib import Path
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch
from transformers.utils import logging
from bert_lottery.batching import encode_task, glue_loader, model_inputs
from bert_lottery.files import write_json
from bert_lottery.metrics import score, split_metric
from bert_lottery.models import load_checkpoint
from bert_lottery.sprune import sprune
from bert_lottery.train import evaluate
from _timing import add_threads_arg, median_of, set_threads, timed

def eval_before(model, enc, pad_id):
    "Evaluation in the original's style (padded to 128, file order, no_grad) at batch 32; the original's find_masks.sh uses batch 64."
    model.eval(); preds = []
    with torch.no_grad():
        for b in glue_loader(enc, 32, pad_id=pad_id, fixed_length=128, order='dataset'):
            preds.append(model(**model_inputs(b, labels=False)).logits.argmax(-1))
    return torch.cat(preds).numpy()

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--checkpoint', required=True)
    p.add_argument('--task', default='MRPC')
    p.add_argument('--data_root', default=None)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--skip_sprune', action='store_true')
    p.add_argument('--out', default='results/bench/eval_speed.json')
    add_threads_arg(p)
    a = p.parse_args()
    set_threads(a.threads); logging.set_verbosity_error()
    tok, model = load_checkpoint(a.checkpoint, a.task)
    pad = tok.pad_token_id or 0
    dev = encode_task(tok, a.task, a.data_root, splits=['dev'])['dev']
    res = dict(task=a.task, checkpoint=a.checkpoint, n_dev=len(dev), threads=torch.get_num_threads(), evaluation=[], sprune=[])
    t_before, _, p_before = median_of(lambda: eval_before(model, dev, pad), a.repeats)
    acc_before = score(a.task, p_before, dev.labels)['accuracy']
    res['evaluation'].append(dict(arm='before: padded 128, file order, batch 32, no_grad', batch=32, seconds=t_before, accuracy=acc_before))
    print(f"{a.task} dev ({len(dev)} examples), one evaluation, median of {a.repeats}:", flush=True)
    print(f"  before (padded 128, file order, batch 32, no_grad): {t_before:6.2f} s  acc {acc_before:.4f}", flush=True)
    for bs in (32, 64, 128, 256):
        t, _, m = median_of(lambda: evaluate(model, a.task, {'dev': dev}, batch_size=bs, pad_id=pad), a.repeats)
        res['evaluation'].append(dict(arm=f'after: length-sorted, batch {bs}, inference_mode', batch=bs, seconds=t, accuracy=m['accuracy'],
                                      speedup=t_before / t))
        print(f"  after  (length-sorted, batch {bs:3d}, inference_mode): {t:6.2f} s  acc {m['accuracy']:.4f}  x{t_before / t:.2f}", flush=True)
        if abs(m['accuracy'] - acc_before) > 1 / len(dev): raise SystemExit(f"accuracy differs: {m['accuracy']} vs {acc_before}")
    if not a.skip_sprune:
        arms = [('original: padded 128, file order', dict(order='dataset', fixed_length=128)),
                ('library default: dynamic padding, file order', dict(order='dataset')),
                ('length order: dynamic padding, length-sorted', dict(order='length'))]
        masks = {}
        for name, kw in arms:
            secs, (mask, hist) = timed(lambda: sprune(model, a.task, dev, pad_id=pad, progress=False, **kw))
            masks[name] = mask
            same = bool(mask.head.equal(masks[arms[0][0]].head) and mask.mlp.equal(masks[arms[0][0]].mlp))
            row = dict(arm=name, seconds=secs, steps=len(hist), heads=mask.n_heads, mlps=mask.n_mlps, metric=mask.meta['metric'],
                       same_mask_as_original=same, speedup=res['sprune'][0]['seconds'] / secs if res['sprune'] else 1.0)
            res['sprune'].append(row)
            print(f"  s-pruning, {name}: {secs:6.1f} s, {len(hist)} steps, {mask.n_heads} heads {mask.n_mlps} MLPs, "
                  f"{split_metric(a.task)} {mask.meta['metric']:.4f}, same mask as original: {same}, x{row['speedup']:.2f}", flush=True)
    write_json(Path(a.out), res)

if __name__ == '__main__': main()
