"""Cost of one L0 (hard-concrete) pruning step against one plain forward+backward pass of the same model.

    HF_HUB_OFFLINE=1 python bench/l0_step.py [--batch_size 32] [--length 128] [--steps 8] [--repeats 5]

The embedded default model with a 3-label head (the MNLI setting), batches of random token ids of one fixed length.
- plain: the model in train mode, weights requiring gradients, loss on labels, backward (no optimizer step): the
  cost of one fine-tuning step's compute.
- L0: `l0.l0_prune` itself, `--steps` steps (the means given, so none are computed): per step a reference forward
  without gradients, the gated forward with mean ablation, the KL and Lagrangian terms, backward to the gates (the
  weights are frozen), and the two AdamW steps. Its time per step includes its bookkeeping.
Both in fp32 (l0_prune does not autocast). The two are interleaved (alternating order) so background load hits both
alike; the medians over repeats are reported, and their ratio (target <= 1.3).
"""
import argparse, os
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import numpy as np, torch
from transformers.utils import logging
from bert_lottery.batching import Encoded
from bert_lottery.l0 import l0_prune
from bert_lottery.layout import model_dims
from bert_lottery.models import load_model
from _timing import add_threads_arg, interleaved, medians, seconds, set_threads


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--batch_size', type=int, default=32)
    p.add_argument('--length', type=int, default=128)
    p.add_argument('--steps', type=int, default=8)
    p.add_argument('--repeats', type=int, default=5)
    add_threads_arg(p)
    a = p.parse_args()
    set_threads(a.threads); logging.set_verbosity_error()
    _, model = load_model(None, 'MNLI', 0)
    L, H = model_dims(model); D = model.config.hidden_size
    g = np.random.default_rng(0)
    n = a.batch_size * a.steps
    ids = [[101] + g.integers(1000, 20000, a.length - 2).tolist() + [102] for _ in range(n)]
    enc = Encoded(ids, None, g.integers(0, 3, n))
    means = (torch.zeros(L, H, D // H), torch.zeros(L, D))
    x = torch.tensor(ids).split(a.batch_size); y = torch.as_tensor(enc.labels).split(a.batch_size)

    def plain_steps():
        for xb, yb in zip(x, y):
            model(input_ids=xb, attention_mask=torch.ones_like(xb), labels=yb).loss.backward()
            model.zero_grad(set_to_none=True)

    def plain():                                     # seconds per step; l0_prune leaves the weights frozen
        model.requires_grad_(True); model.train()
        return seconds(plain_steps) / len(x)

    def l0():
        return seconds(lambda: l0_prune(model, enc, target=0.5, steps=a.steps, batch_size=a.batch_size, means=means,
                                        log_every=10**9, progress=False)) / a.steps

    tp, tl = interleaved([plain, l0], a.repeats, warmup=1)   # one warm-up each, then taking turns
    mp, ml = medians([tp, tl])
    print(f"model: embedded all-MiniLM-L6-v2, 3 labels; threads {torch.get_num_threads()}; fp32")
    print(f"{a.steps} steps of {a.batch_size} x {a.length} tokens, median of {a.repeats} interleaved repeats")
    print(f"plain forward+backward: {mp * 1000:8.1f} ms/step  (runs {[round(t * 1000) for t in tp]})")
    print(f"L0 step (l0_prune):     {ml * 1000:8.1f} ms/step  (runs {[round(t * 1000) for t in tl]})")
    print(f"ratio L0/plain: {ml / mp:.3f}  (target <= 1.3: {'OK' if ml / mp <= 1.3 else 'MISSED'})")


if __name__ == '__main__':
    main()
