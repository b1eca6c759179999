"""Cost of a training step with a fixed weight mask (torch.nn.utils.prune underneath) against the same step unmasked.

    HF_HUB_OFFLINE=1 python bench/masked_training.py [--sparsity 0.5] [--batch_size 32] [--length 128] [--steps 6] [--repeats 5]

The embedded default model with a 2-label head; batches of random token ids of a fixed length; AdamW steps as `train`
takes them (forward, backward, clip, step). Masked and plain runs are interleaved (alternating order) so that background
load hits both alike; the median over repeats is reported, and their ratio (target <= 1.10).
"""
import argparse, os
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch
from transformers.utils import logging
from bert_lottery.models import load_model
from bert_lottery.tickets import random_mask
from _timing import add_threads_arg, interleaved, medians, seconds, set_threads

def steps(model, opt, batches):
    "Seconds for one pass of training steps over `batches`."
    def one_pass():
        for b in batches:
            loss = model(**b).loss; loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step(); opt.zero_grad()
    return seconds(one_pass)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--sparsity', type=float, default=0.5)
    p.add_argument('--batch_size', type=int, default=32)
    p.add_argument('--length', type=int, default=128)
    p.add_argument('--steps', type=int, default=6)
    p.add_argument('--repeats', type=int, default=5)
    add_threads_arg(p)
    a = p.parse_args()
    set_threads(a.threads); logging.set_verbosity_error()
    _, model = load_model(task='MRPC', seed=0)
    model.train()
    mask = random_mask(model, a.sparsity, seed=0)
    g = torch.Generator().manual_seed(0)
    batches = [dict(input_ids=torch.randint(1000, model.config.vocab_size, (a.batch_size, a.length), generator=g),
                    labels=torch.randint(0, 2, (a.batch_size,), generator=g)) for _ in range(a.steps)]
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
    def masked():                                       # the mask's set-up and removal are not timed
        with mask.apply(model): return steps(model, opt, batches)
    plain = lambda: steps(model, opt, batches)
    tm, tp = interleaved([masked, plain], a.repeats, warmup=1)   # one warm-up each, then taking turns
    m, pl = medians([tm, tp])
    print(f"model: embedded all-MiniLM-L6-v2, {mask.size:,} prunable weights, {mask.sparsity:.0%} masked; threads {torch.get_num_threads()}")
    print(f"{a.steps} steps of {a.batch_size} x {a.length} tokens, median of {a.repeats} interleaved repeats")
    print(f"masked: {m / a.steps * 1000:8.1f} ms/step   (runs {[round(x, 2) for x in tm]})")
    print(f"plain:  {pl / a.steps * 1000:8.1f} ms/step   (runs {[round(x, 2) for x in tp]})")
    print(f"ratio masked/plain: {m / pl:.3f}  (target <= 1.10: {'OK' if m / pl <= 1.10 else 'ABOVE'})")

if __name__ == '__main__': main()
