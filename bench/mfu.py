"""Model FLOP utilisation: the library's training throughput as a fraction of this machine's own matmul peak, in one run.

1. **Peak.** The matmuls of the encoder's linear layers in one training step, at their shapes: for each weight shape
   [out, in] (Q, K, V and the attention output [hidden, hidden]; the MLP's [ffn, hidden] and [hidden, ffn]) the forward
   product x W^T and backward's two (grad input, grad weight), at `--peak_tokens` tokens (32 x 64), in fp32 and in bf16
   (tensors of that dtype, as autocast hands them to the kernel), each timed with torch (median of `--peak_repeats`
   after a warm-up; one repeat for emulated bf16).
   The peak is their FLOPs over their time, weighted as a step uses them; the best single product is printed too.
2. **Training.** `bert_lottery.train.train` itself (the library's step: forward under the chosen precision, backward,
   clipping, AdamW, the next length-grouped batch) on the task's real training data, for `--warmup` + `--steps` steps. A
   forward pre-hook on the model marks the start of every step and keeps its attention mask, so the timed window is
   exactly `--steps` whole steps after the warm-up.
3. **FLOPs.** Per token, 6 x the encoder's matmul weights (forward 2, backward 4), plus attention: QK^T and AV cost
   4 x length x hidden per token per layer forward, x3 with backward. *Real* counts each example at its own length;
   *padded* counts every example of a batch at the batch's longest length. *Computed* is padded less the work
   `fastpath.first_token_only` skips in a classifier's last layer (its output projection, FFN and attention beyond the
   first token): what the kernels compute. MFU real and padded count the whole encoder's work, as a peer that computes
   every token does; MFU computed is the share of the peak the library's own kernels reach. The classifier
   head and the embeddings are left out (under 0.1% of the FLOPs). MFU = training GFLOP/s / peak GFLOP/s of the same dtype
   at the same model's shapes.

Models: `default`, the embedded all-MiniLM-L6-v2 (6 layers x 12 heads, hidden 384, FFN 1536), and `bert-base`, a
bert-base-shaped model (12 x 12, hidden 768, FFN 3072) with random weights and the same tokenizer.
`--precision auto` (the default) runs both precisions where bf16 is native (`train.bf16_native()`), fp32 only elsewhere:
emulated bf16 is many times slower, and `--precision both` measures it anyway. `--quick` is a smoke test (one step of
batch 4, peak matmuls at 256 tokens): its figures are not the machine's.

    HF_HUB_OFFLINE=1 python bench/mfu.py [--task RTE] [--precision auto|fp32|bf16|both] [--steps 10] [--quick] [--data_root ../shared/data]
"""
import argparse, os, time
from collections import Counter
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch
from transformers.utils import logging
from bert_lottery.batching import encode_task
from bert_lottery.data import get_task
from bert_lottery.fastpath import first_token_layer
from bert_lottery.layout import layer_parts
from bert_lottery.models import load_model
from bert_lottery.train import bf16_native
from _timing import StopTraining, add_threads_arg, markdown_table, median_of, set_threads, sync, train_steps

MODELS = ('default', 'bert-base')
DTYPES = dict(fp32=torch.float32, bf16=torch.bfloat16)


def bert_base(tok, task, seed:int):
    "A bert-base-shaped classifier (12 layers x 12 heads, hidden 768, FFN 3072) with random weights, for `tok`'s vocabulary."
    from transformers import BertConfig, BertForSequenceClassification
    torch.manual_seed(seed)
    return BertForSequenceClassification(BertConfig(vocab_size=len(tok), hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                                                    intermediate_size=3072, num_labels=task.num_labels, pad_token_id=tok.pad_token_id or 0))


def make_model(name:str, task, seed:int=0):
    "The tokenizer and a fresh classifier for `name` ('default' or 'bert-base')."
    tok, model = load_model(None, task, seed)
    return (tok, model) if name == 'default' else (tok, bert_base(tok, task, seed))


def linear_shapes(model)->Counter:
    "How many of the encoder's linear layers have each weight shape (out, in)."
    return Counter(tuple(m.weight.shape) for m in model.base_model.encoder.modules() if isinstance(m, torch.nn.Linear))


def matmul_rates(shapes:Counter, tokens:int, dtype, repeats:int, warmup:int, device)->list:
    "Each matmul a linear layer of each shape runs in a training step at `tokens` tokens: its FLOPs and median seconds."
    rows = []
    for (o, i), n in shapes.items():
        x, w, gy = (torch.randn(*s, dtype=dtype, device=device) for s in ((tokens, i), (o, i), (tokens, o)))
        for product, fn in (('forward x W^T', lambda: torch.nn.functional.linear(x, w)), ('grad input gy W', lambda: gy @ w),
                            ('grad weight gy^T x', lambda: gy.t() @ x)):
            s, _, _ = median_of(fn, repeats, warmup)
            rows.append(dict(shape=(o, i), count=n, product=product, flops=2 * tokens * o * i, seconds=s))
    return rows


def peak(rows:list)->tuple:
    "The step-weighted GFLOP/s of the products in `rows`, and the best single product's."
    mix = sum(r['count'] * r['flops'] for r in rows) / sum(r['count'] * r['seconds'] for r in rows) / 1e9
    return mix, max(r['flops'] / r['seconds'] for r in rows) / 1e9


class StepClock:
    "Notes the start time of every training step and its attention mask; stops training at the step after `warmup + steps`."
    def __init__(self, warmup:int, steps:int): self.warmup, self.steps, self.starts, self.masks = warmup, steps, [], []
    def __call__(self, inputs):
        if len(self.starts) in (self.warmup, self.warmup + self.steps): sync()    # the window's ends: queued GPU work done
        self.starts.append(time.perf_counter())
        if len(self.starts) > self.warmup + self.steps: raise StopTraining
        self.masks.append(inputs['attention_mask'])


def measure_training(model, tok, task, enc, precision:str, warmup:int, steps:int, batch_size:int, seed:int=0)->dict:
    "Seconds, examples and per-example lengths of `steps` steps of `train.train` after `warmup` steps."
    clock = StepClock(warmup, steps)
    train_steps(model, tok, task, enc, warmup + steps + 1, clock, seed, batch_size, precision=precision)   # the next step's start closes the window
    masks = clock.masks[warmup:warmup + steps]
    return dict(seconds=clock.starts[warmup + steps] - clock.starts[warmup], lengths=[m.sum(1).cpu().double() for m in masks],
                padded=[tuple(m.shape) for m in masks])


def training_flops(run:dict, matmul_weights:int, layers:int, hidden:int, last_skipped:int=0)->tuple:
    "FLOPs of the timed steps counted over real tokens, over padded tokens, and as computed: padded, less what `first_token_only` skips (`last_skipped`: the last layer's weights past attention, 0 when it is off)."
    attn = 12 * layers * hidden          # per token per unit of sequence length: QK^T and AV, forward and backward
    real = sum(6 * matmul_weights * float(L.sum()) + attn * float((L ** 2).sum()) for L in run['lengths'])
    padded = sum(6 * matmul_weights * B * P + attn * B * P * P for B, P in run['padded'])
    # the last layer: its output projection and FFN, and its attention, for the first token alone
    skipped = sum(6 * last_skipped * B * (P - 1) + (attn // layers) * B * (P * P - P) for B, P in run['padded']) if last_skipped else 0
    return real, padded, padded - skipped


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--task', default='RTE')
    p.add_argument('--data_root', default=os.environ.get('BERT_LOTTERY_DATA'))
    p.add_argument('--precision', default='auto', choices=['auto', 'fp32', 'bf16', 'both'])
    p.add_argument('--models', nargs='+', default=list(MODELS), choices=MODELS)
    p.add_argument('--steps', type=int, default=10, help='timed training steps per model and precision')
    p.add_argument('--warmup', type=int, default=2, help='untimed training steps first')
    p.add_argument('--batch_size', type=int, default=32)
    p.add_argument('--peak_tokens', type=int, default=32 * 64, help='tokens of the peak matmuls ([tokens, in] x [in, out])')
    p.add_argument('--peak_repeats', type=int, default=3)
    p.add_argument('--quick', action='store_true', help='a smoke test, not a measurement: 1 timed step of batch 4 after 1, '
                   'peak matmuls at 256 tokens, one repeat each')
    add_threads_arg(p)
    a = p.parse_args()
    if a.quick: a.steps, a.warmup, a.batch_size, a.peak_tokens, a.peak_repeats = 1, 1, 4, 256, 1
    threads = set_threads(a.threads); logging.set_verbosity_error()
    native = bf16_native()
    precisions = {'auto': ['fp32', 'bf16'] if native else ['fp32'], 'both': ['fp32', 'bf16']}.get(a.precision, [a.precision])
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    where = torch.cuda.get_device_name() if device == 'cuda' else f'CPU, {threads} threads, {torch.backends.cpu.get_cpu_capability()}'
    print(f"torch {torch.__version__}; {where}; bf16_native() = {native}")
    if not native:
        print("bf16 is NOT native here (no AVX512-BF16 / AMX / bf16 GPU): bf16 matmuls are emulated, and slow"
              + ('' if 'bf16' in precisions else "; bf16 training is skipped (--precision both runs it anyway)"))
    task = get_task(a.task)
    peaks, rows = [], []
    for name in a.models:
        tok, model = make_model(name, task)
        shapes, cfg = linear_shapes(model), model.config
        weights = sum(n * o * i for (o, i), n in shapes.items())
        print(f"\n{name}: {cfg.num_hidden_layers} layers x {cfg.num_attention_heads} heads, hidden {cfg.hidden_size}, FFN "
              f"{cfg.intermediate_size}; {weights / 1e6:.1f} M encoder matmul weights; attention '{cfg._attn_implementation}'", flush=True)
        peak_of = {}
        for dt in ('fp32', 'bf16'):
            emulated = dt == 'bf16' and not native            # slow: one timed repeat is enough to see it
            mix, best = peak(matmul_rates(shapes, a.peak_tokens, DTYPES[dt], 1 if emulated else a.peak_repeats, 1, device))
            peak_of[dt] = mix
            peaks.append([name, dt + (' (emulated)' if emulated else ''), a.peak_tokens, f"{mix:.1f}", f"{best:.1f}"])
            print(f"  peak {dt}: {mix:.1f} GFLOP/s (best single product {best:.1f})", flush=True)
        enc = encode_task(tok, task, a.data_root, 128, splits=['train'])['train']
        for prec in precisions:
            tok, model = make_model(name, task)         # a fresh model per precision
            run = measure_training(model, tok, task, enc, prec, a.warmup, a.steps, a.batch_size)
            last = layer_parts(model)[-1]
            skipped = sum(l.weight.numel() for l in (last.o, last.ffn_in, last.ffn_out)) if first_token_layer(model) is not None else 0
            real, padded, computed = training_flops(run, weights, cfg.num_hidden_layers, cfg.hidden_size, skipped)
            n_ex, n_tok = sum(len(L) for L in run['lengths']), sum(float(L.sum()) for L in run['lengths'])
            s = run['seconds']
            gf_real, gf_pad, gf_comp = real / s / 1e9, padded / s / 1e9, computed / s / 1e9
            rows.append([name, prec, f"{n_ex / s:.1f}", f"{n_tok / s:.0f}", f"{gf_real:.1f}", f"{gf_pad:.1f}", f"{peak_of[prec]:.1f}",
                         f"{gf_real / peak_of[prec]:.0%}", f"{gf_pad / peak_of[prec]:.0%}", f"{gf_comp / peak_of[prec]:.0%}"])
            print(f"  training {prec}: {a.steps} step{'s' * (a.steps != 1)}, {n_ex} examples, {n_tok / n_ex:.1f} real tokens per example "
                  f"({sum(B * P for B, P in run['padded']) / n_tok:.2f}x padded), {real / n_ex / 1e9:.2f} GFLOP per example, "
                  f"{s:.1f} s", flush=True)
    print(f"\nPeak matmul throughput at the models' shapes ({a.peak_tokens} tokens; forward and both backward products, "
          f"weighted as one training step uses them):\n")
    print(markdown_table(['model', 'dtype', 'tokens', 'peak GFLOP/s', 'best product GFLOP/s'], peaks))
    print(f"\nTraining on {task.name} (batch {a.batch_size}, {a.steps} timed step{'s' * (a.steps != 1)} after {a.warmup}), `train.train`:\n")
    print(markdown_table(['model', 'precision', 'ex/s', 'tokens/s real', 'GFLOP/s real', 'GFLOP/s padded', 'peak GFLOP/s',
                          'MFU real', 'MFU padded', 'MFU computed'], rows))


if __name__ == '__main__':
    main()
