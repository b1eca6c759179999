"""A `torch.profiler` profile of the library's training step, its CPU time grouped by what it is spent on.

`bert_lottery.train.train` itself runs (the default model, the task's real training data, batch 32, length-grouped
dynamic padding). A forward pre-hook on the model calls the profiler's `step()` at the start of every training step, so
after `--wait` unprofiled steps and one profiler warm-up step, `--steps` whole steps are recorded: forward, backward,
gradient clipping, the AdamW step and loading the next batch.

Each profiled event's self CPU time goes to one group. The enclosing event decides first: inside the DataLoader's
`__next__` it is data (collate), inside `Optimizer.step`/`zero_grad` the optimizer, inside scaled-dot-product attention
(or its fused backward node) or the library's own attention (`fastpath.lottery_attention`, a named range) attention,
inside the library's dropout (`fastpath.fast_dropout`, a named range) dropout, inside the embedding's backward node
embedding backward. Inside any other
backward node, the group of the forward op that made the node (linked by autograd's sequence number), so that the
backward of attention's math path counts as attention and dropout's mask multiply as dropout. Otherwise the event
itself, or else the nearest enclosing op or autograd node that names a group: matmuls (mm, addmm, bmm, matmul, linear
and their backward nodes), LayerNorm, GELU, dropout, softmax, casts and copies (to, _to_copy, copy_: autocast's casts,
and any other copy), gradient clipping (the norm and the scaling), other ops. Python overhead is the self time of the
profiler's step events: the step's wall time that no op covers (the model's and the loop's Python, hooks, Accelerate's
wrappers). Outside attention, softmax is the loss's log-softmax.

The profiler slows the step down; the step's wall time without it (the median of the --wait steps) is printed too.
On a GPU the times are the CPU side only (kernel launches): read the device time from the top-ops table there.

    HF_HUB_OFFLINE=1 python bench/profile_step.py [--precision fp32|bf16] [--task RTE] [--steps 3] [--quick] [--data_root ../shared/data]
"""
import argparse, os, statistics, time
from collections import defaultdict
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch
from torch.optim.optimizer import register_optimizer_step_pre_hook
from torch.profiler import ProfilerActivity, profile, schedule
from transformers.utils import logging
from bert_lottery.batching import encode_task
from bert_lottery.data import get_task
from bert_lottery.models import load_model
from bert_lottery.train import bf16_native, resolve_precision
from _timing import StopTraining, add_threads_arg, markdown_table, set_threads, train_steps

# an enclosing event with one of these in its name puts everything under it in the group
CONTEXTS = [('data (collate)', ('enumerate(DataLoader)',)),
            ('optimizer (AdamW)', ('Optimizer.step', 'Optimizer.zero_grad')),
            ('attention', ('scaled_dot_product', 'ScaledDotProduct', 'aten::baddbmm', 'BaddbmmBackward', 'lottery_attention')),
            ('dropout', ('fast_dropout',)),     # the library's dropout (`fastpath.fast_dropout`, a named range)
            ('embedding backward', ('EmbeddingBackward', 'embedding_backward', 'embedding_dense_backward'))]
# the event itself, or else its nearest enclosing op or autograd node, named exactly (autograd nodes without the prefix)
OPS = {'matmuls': ('aten::mm', 'aten::addmm', 'aten::bmm', 'aten::matmul', 'aten::linear', 'MmBackward0', 'AddmmBackward0',
                   'BmmBackward0', 'LinearBackward0'),
       'LayerNorm': ('aten::layer_norm', 'aten::native_layer_norm', 'aten::native_layer_norm_backward', 'NativeLayerNormBackward0'),
       'GELU': ('aten::gelu', 'aten::gelu_backward', 'GeluBackward0'),
       'dropout': ('aten::dropout', 'aten::native_dropout', 'aten::native_dropout_backward', 'NativeDropoutBackward0', 'aten::bernoulli_'),
       'softmax': ('aten::softmax', 'aten::_softmax', 'aten::_softmax_backward_data', 'SoftmaxBackward0', 'aten::log_softmax',
                   'aten::_log_softmax', 'aten::_log_softmax_backward_data', 'LogSoftmaxBackward0'),
       'casts and copies (to, copy_)': ('aten::to', 'aten::_to_copy', 'aten::copy_', 'ToCopyBackward0'),
       'gradient clipping': ('aten::_foreach_norm', 'aten::linalg_vector_norm', 'aten::_foreach_mul_')}
GROUP_OF = {name: g for g, names in OPS.items() for name in names}
STEP = 'ProfilerStep'                 # the profiler's step events (named 'ProfilerStep*' in the trace)
AUTOGRAD = 'autograd::engine::evaluate_function: '


def ancestors(e):
    "The event and its enclosing events, innermost first."
    while e is not None: yield e; e = e.cpu_parent


def context_group(chain:list)->str|None:
    "The group an enclosing event (or the event itself) puts everything under it in, if any."
    return next((g for g, keys in CONTEXTS if any(k in a.name for a in chain for k in keys)), None)


def name_group(chain:list)->str|None:
    "The group of the event or, failing that, of its nearest enclosing op or autograd node that names one."
    return next((GROUP_OF[a.name.removeprefix(AUTOGRAD)] for a in chain if a.name.removeprefix(AUTOGRAD) in GROUP_OF), None)


def forward_ops(events)->dict:
    "Autograd sequence number -> the forward op that made that backward node (the last op recorded with the number)."
    out = {}
    for e in sorted(events, key=lambda e: e.time_range.start):
        if e.sequence_nr >= 0 and not any(a.name.startswith(AUTOGRAD) for a in ancestors(e)): out[e.sequence_nr] = e
    return out


class Grouper:
    "The group an event's self time counts in; a backward node's time counts where its forward op's does."
    def __init__(self, events): self.fwd = forward_ops(events)
    def forward_group(self, chain): return context_group(chain) or name_group(chain) or 'other ops'
    def __call__(self, e)->str:
        if e.name.startswith(STEP): return 'Python overhead'
        chain = list(ancestors(e))
        if g := context_group(chain): return g
        node = next((a for a in chain if a.name.startswith(AUTOGRAD)), None)
        if node is not None and node.sequence_nr in self.fwd:     # e.g. the bmm of attention's backward counts as attention
            g = self.forward_group(list(ancestors(self.fwd[node.sequence_nr])))
            if g != 'other ops': return g
        return name_group(chain) or 'other ops'


def breakdown(events)->tuple:
    "Self CPU microseconds per group, the profiled steps' wall microseconds, and the number of steps."
    per, steps, group = defaultdict(float), [e for e in events if e.name.startswith(STEP)], Grouper(events)
    for e in events: per[group(e) if any(a.name.startswith(STEP) for a in ancestors(e)) else 'outside the steps'] += e.self_cpu_time_total
    return per, sum(e.cpu_time_total for e in steps), len(steps)


class StepMarker:
    "Calls `prof.step()` and notes the time at the start of every training step, keeps the batch shapes; stops training at step `last`."
    def __init__(self, prof, last:int): self.prof, self.last, self.starts, self.shapes = prof, last, [], []
    def __call__(self, inputs):
        self.prof.step(); self.starts.append(time.perf_counter())
        if len(self.starts) == self.last: raise StopTraining
        self.shapes.append(tuple(inputs['input_ids'].shape))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--task', default='RTE')
    p.add_argument('--data_root', default=os.environ.get('BERT_LOTTERY_DATA'))
    p.add_argument('--precision', default='auto', choices=['auto', 'fp32', 'bf16'], help="train's precision ('auto': bf16 where native)")
    p.add_argument('--batch_size', type=int, default=32)
    p.add_argument('--wait', type=int, default=3, help='unprofiled steps first (their wall time is printed)')
    p.add_argument('--steps', type=int, default=3, help='profiled steps, after one profiler warm-up step')
    p.add_argument('--top', type=int, default=15, help='rows of the top-ops table (0: none)')
    p.add_argument('--quick', action='store_true', help='a smoke test: 1 unprofiled step, 1 profiled step')
    add_threads_arg(p)
    a = p.parse_args()
    if a.quick: a.wait, a.steps = 1, 1
    threads = set_threads(a.threads); logging.set_verbosity_error()
    task = get_task(a.task)
    tok, model = load_model(None, task, 0)
    enc = encode_task(tok, task, a.data_root, 128, splits=['train'])['train']
    total = a.wait + 1 + a.steps + 1              # the start of the step after the profiled ones closes the trace
    seen, traces = [], []
    step_hook = register_optimizer_step_pre_hook(lambda opt, args, kwargs: seen.append(opt))
    # period 0 is the set-up before the first step; each prof.step() starts the next period
    plan = schedule(wait=1 + a.wait, warmup=1, active=a.steps, repeat=1)
    with profile(activities=[ProfilerActivity.CPU], schedule=plan, on_trace_ready=lambda pr: traces.append(pr.events())) as prof:
        marker = StepMarker(prof, total)
        try: train_steps(model, tok, task, enc, total, marker, 0, a.batch_size, precision=a.precision)
        finally: step_hook.remove()
    if not traces: raise SystemExit(f"no trace: train ran {len(marker.starts)} steps, {total} were needed")
    per, wall, n = breakdown(traces[0])
    opt = seen[0]
    unprofiled = statistics.median(t1 - t0 for t0, t1 in zip(marker.starts[:a.wait], marker.starts[1:a.wait + 1]))
    prof_shapes = marker.shapes[a.wait + 1:a.wait + 1 + a.steps]
    print(f"torch {torch.__version__}; CPU, {threads} threads, {torch.backends.cpu.get_cpu_capability()}; bf16_native() = {bf16_native()}")
    print(f"precision {a.precision} -> {resolve_precision(a.precision)}; default model; {task.name} train, batch {a.batch_size}; "
          f"profiled batches (examples x padded length): {prof_shapes}")
    print(f"optimizer: {type(opt).__name__} (train.make_optimizer), foreach={opt.defaults.get('foreach')}, fused={opt.defaults.get('fused')}, "
          f"{sum(len(g['params']) for g in opt.param_groups)} tensors in {len(opt.param_groups)} groups")
    print(f"step wall time: {unprofiled * 1000:.0f} ms without the profiler (median of {a.wait}), {wall / n / 1000:.0f} ms profiled "
          f"(mean of {n})\n")
    rows = sorted(((g, us) for g, us in per.items() if g != 'outside the steps'), key=lambda r: -r[1])
    print(markdown_table(['group', 'ms per step', '% of step'], [[g, f"{us / n / 1000:.1f}", f"{us / wall:.1%}"] for g, us in rows]
                         + [['total', f"{sum(us for _, us in rows) / n / 1000:.1f}", f"{sum(us for _, us in rows) / wall:.1%}"]]))
    if per.get('outside the steps'): print(f"\n(events outside the profiled steps, e.g. other threads: {per['outside the steps'] / n / 1000:.1f} ms per step)")
    if a.top: print('\n' + traces[0].key_averages().table(sort_by='self_cpu_time_total', row_limit=a.top))


if __name__ == '__main__':
    main()
