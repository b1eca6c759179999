"""The timing code every script in bench/ shares: one clock, warm-up and repeats, medians, peer arms taken in turns,
a fixed thread count, and the markdown table the results are printed as.

Scripts run as `python bench/NAME.py`, so bench/ is on the path: `from _timing import timed, interleaved, ...`.
- `timed(fn)` / `seconds(fn)`: `time.perf_counter` around one call, queued GPU work included.
- `median_of(fn, repeats, warmup)`: the median of several calls after untimed warm-up calls.
- `interleaved(arms, repeats, warmup)`: peer arms measured side by side, taking turns (the order reversed every other
  round), so that a drift of the machine's speed hits every arm alike. An arm returns the seconds it measured, so it
  can leave its set-up out; `clocked(fn)` makes such an arm of a plain function.
- `add_threads_arg(parser)` and `set_threads(n)`: `--threads N` fixes torch's CPU thread count (`torch.set_num_threads`).
- `markdown_table(header, rows)` and `ratio(a, b)`: how the figures are printed.
- `train_steps(...)`: the library's own training loop (`bert_lottery.train.train`) for a few steps, with a callback at
  the start of every step (to time or profile it) that may stop training with `StopTraining`.
"""
import math, statistics, time
import torch

__all__ = ['sync', 'timed', 'seconds', 'median_of', 'clocked', 'interleaved', 'medians', 'add_threads_arg', 'set_threads',
           'markdown_table', 'ratio', 'StopTraining', 'train_steps']


def sync():
    "Wait for queued GPU work, so that the clock includes it (nothing to wait for on the CPU)."
    if torch.cuda.is_available() and torch.cuda.is_initialized(): torch.cuda.synchronize()


def timed(fn):
    "Seconds one call of `fn()` takes on the `perf_counter` clock (GPU work included), and its result."
    sync(); t = time.perf_counter()
    out = fn(); sync()
    return time.perf_counter() - t, out


def seconds(fn)->float:
    "Seconds one call of `fn()` takes."
    return timed(fn)[0]


def median_of(fn, repeats:int, warmup:int=0):
    "Median seconds of `repeats` calls of `fn()` after `warmup` untimed ones, every timed call's seconds, and the last result."
    for _ in range(warmup): fn()
    ts, out = [], None
    for _ in range(repeats):
        t, out = timed(fn); ts.append(t)
    return statistics.median(ts), ts, out


def clocked(fn):
    "An arm for `interleaved`: calls `fn()` and returns the seconds it took."
    return lambda: seconds(fn)


def interleaved(arms:list, repeats:int, warmup:int=1)->list:
    "Seconds of each of `arms` (callables that return the seconds they measured) over `repeats` rounds, after `warmup` untimed calls each."
    for arm in arms:
        for _ in range(warmup): arm()
    times = [[] for _ in arms]
    for r in range(repeats):   # the arms take turns; every other round in reverse order
        for i in (range(len(arms)) if r % 2 == 0 else reversed(range(len(arms)))): times[i].append(arms[i]())
    return times


def medians(times:list)->list:
    "The median of each arm's seconds."
    return [statistics.median(t) for t in times]


def add_threads_arg(parser):
    "Add `--threads N` (torch's CPU threads; default: torch's choice) to an argparse parser."
    parser.add_argument('--threads', type=int, default=None, help="torch CPU threads (default: torch's choice)")
    return parser


def set_threads(n:int|None=None)->int:
    "Fix torch's CPU thread count to `n` (None: leave torch's choice); the count in use."
    if n: torch.set_num_threads(n)
    return torch.get_num_threads()


def markdown_table(header:list, rows:list)->str:
    "A markdown table of `rows` (lists of cells, already formatted) under `header`."
    lines = ['| ' + ' | '.join(map(str, header)) + ' |', '|' + '---|' * len(header)]
    return '\n'.join(lines + ['| ' + ' | '.join(map(str, r)) + ' |' for r in rows])


def ratio(a:float, b:float, nd:int=2)->str:
    "`a / b` as a speed ratio, e.g. '1.23x'."
    return f"{a / b:.{nd}f}x"


class StopTraining(Exception):
    "Raised by the callback of `train_steps` to stop training at the start of that step."


def train_steps(model, tok, task, # a sequence-classification model, its tokenizer and its task
                enc, # the encoded training split (`bert_lottery.batching.Encoded`)
                steps:int, # train for at most this many steps (less if `on_step` stops it)
                on_step, # called with each step's model inputs at its start; may raise `StopTraining`
                seed:int=0, batch_size:int=32, # train's seed and batch size
                **kwargs): # more options of `train`, e.g. `precision`
    "Train `model` with `bert_lottery.train.train` for at most `steps` steps, calling `on_step(inputs)` at the start of each (before its forward)."
    from bert_lottery.train import train, resolve_precision
    try: from bert_lottery.fastpath import attention_for, median_batch
    except ImportError: attention_for = None   # a library from before the measured attention path (a 'before' arm)
    epochs = (steps - 0.5) / math.ceil(len(enc) / batch_size)   # train takes ceil(batches x epochs) steps
    if attention_for and kwargs.get('attention', 'auto') == 'auto':   # measure the attention path first (cached): its timed forwards would count as steps
        dtype = dict(bf16=torch.bfloat16, fp16=torch.float16).get(resolve_precision(kwargs.get('precision', 'auto')), torch.float32)
        attention_for(model.train(), median_batch(enc, batch_size, tok.pad_token_id or 0), dtype)
    hook = model.register_forward_pre_hook(lambda module, args, inputs: on_step(inputs), with_kwargs=True)
    try: train(model, task, enc, seed, None, epochs=epochs, batch_size=batch_size, pad_id=tok.pad_token_id or 0, progress=False, **kwargs)
    except StopTraining: pass
    finally: hook.remove()
