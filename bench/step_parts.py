"""What each cheaper part of the training step gives: the library's own loop (`bert_lottery.train.train`), with the parts of
`fastpath` and the fused optimizer switched on one at a time, in one run, the arms taking turns.

Arms, each adding one part to the one before:
  before          the step as it was: per-tensor AdamW, `Accelerator.clip_grad_norm_`, `F.dropout`, SDPA attention
  + fused AdamW   `torch.optim.AdamW(fused=True)` (`train.make_optimizer`)
  + foreach clip  `clip_grad_norm_(foreach=True)` (`train.clip_gradients`)
  + fast dropout  every `nn.Dropout` draws its keep-mask from 15 random bits (`fastpath.fast_dropout_in`)
  + lottery attn  eager attention with that dropout (`attention='bert_lottery'`), as it was: under bf16 its scores,
                  softmax and dropout in fp32 (the fp32 attention mask promotes them)
  + attn in bf16  the same attention in the products' precision: the mask added in the scores' dtype
                  (`fastpath._in_dtype`; nothing changes in fp32)
  + first token   the last layer attends from and finishes for the first token only, all the classifier reads
                  (`fastpath.first_token_only`)
  + used rows     the word embeddings cut to the rows the training split uses (`fastpath.used_rows_only`); the arms
                  above train every row (`used_rows_only=False`)
  library         the library as it runs: all of the above, the attention path measured (`attention='auto'`)
  + bf16_residual the library with the option `bf16_residual=True`: under bf16 the residual stream stays bf16
                  (`fastpath.bf16_residual`; off by default, and nothing changes in fp32)
The default model on the task's real training data, batch 32, length-grouped dynamic padding, `--precision` (fp32, bf16 or
both where bf16 is native). Each arm trains `--steps` steps after `--warmup`, `--rounds` times, the arms taking turns
(reversed every other round); the figure is the median ms per step over its rounds. Arms switch parts by replacing the
library's own helpers for the length of the arm (a benchmark's patch, not an option of `train`).

    HF_HUB_OFFLINE=1 python bench/step_parts.py [--task RTE] [--precision both] [--steps 8] [--rounds 3] [--threads 2] [--arms ARM ...]
"""
import argparse, os, statistics, time
from contextlib import ExitStack, nullcontext
from unittest import mock
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch
from transformers.utils import logging
import bert_lottery.fastpath as F
import bert_lottery.train as T
from bert_lottery.batching import encode_task
from bert_lottery.data import get_task
from bert_lottery.models import load_model
from _timing import StopTraining, add_threads_arg, markdown_table, set_threads, train_steps

_library_optimizer = T.make_optimizer

def _unfused(model, lr, weight_decay):
    "The optimizer before: AdamW over the library's groups, one tensor at a time."
    groups = [dict(params=g['params'], weight_decay=g['weight_decay']) for g in _library_optimizer(model, lr, weight_decay).param_groups]
    return torch.optim.AdamW(groups, lr=lr, foreach=False, fused=False)

def _accelerate_clip(acc, params, max_norm): return acc.clip_grad_norm_(params, max_norm)

WHOLE = {(T, 'first_token_only'): lambda m: nullcontext(False)}     # every token through the last layer
FP32_SCORES = {(F, '_in_dtype'): lambda mask, dtype: mask}          # the mask keeps its fp32: scores, softmax, dropout in fp32
OLD_OPTIMIZER = {(T, 'make_optimizer'): _unfused}                   # per-tensor AdamW
OLD_CLIP = {(T, 'clip_gradients'): _accelerate_clip}                # Accelerate's clipping
OLD_DROPOUT = {(T, 'fast_dropout_in'): lambda m: nullcontext()}     # F.dropout's draws
ALL_ROWS = dict(used_rows_only=False)                               # every word-embedding row trains
ARMS = {   # arm -> (patches {(module, name): stand-in}, train's attention option[, more options of train])
    'before': ({**OLD_OPTIMIZER, **OLD_CLIP, **OLD_DROPOUT, **WHOLE}, 'sdpa', ALL_ROWS),
    '+ fused AdamW': ({**OLD_CLIP, **OLD_DROPOUT, **WHOLE}, 'sdpa', ALL_ROWS),
    '+ foreach clip': ({**OLD_DROPOUT, **WHOLE}, 'sdpa', ALL_ROWS),
    '+ fast dropout': (WHOLE, 'sdpa', ALL_ROWS),
    '+ lottery attention': ({**WHOLE, **FP32_SCORES}, 'bert_lottery', ALL_ROWS),
    '+ attention in bf16': (WHOLE, 'bert_lottery', ALL_ROWS),
    '+ first token only': ({}, 'bert_lottery', ALL_ROWS),
    '+ used rows only': ({}, 'bert_lottery'),
    'library (auto attention)': ({}, 'auto'),
    'library + bf16_residual': ({}, 'auto', dict(bf16_residual=True)),   # an option, off by default (a no-op in fp32)
}

def step_ms(model, tok, task, enc, precision, patches, attention, warmup, steps, **options):
    "Median milliseconds per step of `steps` steps after `warmup`, with `patches` in place."
    starts = []
    def clock(inputs):
        starts.append(time.perf_counter())
        if len(starts) > warmup + steps: raise StopTraining
    with ExitStack() as stack:
        for (mod, k), v in patches.items(): stack.enter_context(mock.patch.object(mod, k, v))
        train_steps(model, tok, task, enc, warmup + steps + 1, clock, precision=precision, attention=attention, **options)
    d = [b - a for a, b in zip(starts[warmup:], starts[warmup + 1:])]
    return 1000 * statistics.median(d)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--task', default='RTE'); p.add_argument('--data_root', default=os.environ.get('BERT_LOTTERY_DATA'))
    p.add_argument('--precision', default='both', choices=['fp32', 'bf16', 'both'])
    p.add_argument('--steps', type=int, default=8); p.add_argument('--warmup', type=int, default=2); p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--arms', nargs='+', default=list(ARMS), choices=list(ARMS), metavar='ARM', help='the arms to run (default: all; before is always run, the speed-ups are on it)')
    p.add_argument('--quick', action='store_true', help='a smoke test: 1 round of 2 steps after 1, not a measurement')
    add_threads_arg(p)
    a = p.parse_args()
    if a.quick: a.steps, a.warmup, a.rounds = 2, 1, 1
    logging.set_verbosity_error()
    threads = set_threads(a.threads)
    task = get_task(a.task)
    tok, model = load_model(None, task, 0)
    enc = encode_task(tok, task, a.data_root, splits=['train'])['train']
    precs = ['fp32', 'bf16'] if a.precision == 'both' else [a.precision]
    if 'bf16' in precs and not T.bf16_native(): print('bf16 is emulated on this machine: its figures are not native bf16')
    rows, arms = [], [arm for arm in ARMS if arm == 'before' or arm in a.arms]
    for prec in precs:
        times = {arm: [] for arm in arms}
        for r in range(a.rounds):
            for arm in (arms if r % 2 == 0 else arms[::-1]):
                patches, attention, *options = ARMS[arm]
                times[arm].append(step_ms(model, tok, task, enc, prec, patches, attention, a.warmup, a.steps, **(options[0] if options else {})))
        base = statistics.median(times['before'])
        for arm, ts in times.items():
            m = statistics.median(ts)
            rows.append([prec, arm, f'{m:.0f}', f'{base / m:.2f}x'])
        print(markdown_table(['precision', 'arm', 'ms per step', 'speed-up on before'], rows[-len(arms):]), flush=True)
    print(f"\n{a.task}, batch 32, {threads} threads, torch {torch.__version__}; median of {a.rounds} rounds of {a.steps} steps")
    print(markdown_table(['precision', 'arm', 'ms per step', 'speed-up on before'], rows))

if __name__ == '__main__':
    main()
