"""An exported subnetwork against its full checkpoint on a task's dev set: bytes of weights, examples per second, logits.

    HF_HUB_OFFLINE=1 python bench/export_speed.py CHECKPOINT MASK [--task MRPC] [--data_root DIR] [--device cuda] [--threads 1]

CHECKPOINT is a fine-tuned model folder (the output_dir of `bert_lottery finetune`), MASK a structured mask file (e.g. the
mask.safetensors of `bert_lottery sprune`). The script exports the subnetwork with `bert_lottery.export.export` (to
--output_dir, default a temporary folder), loads the export back through transformers' Auto classes (after `register()`,
the code the folder carries), and prints, all measured in this one run:
- the bytes of weights (safetensors files) of the checkpoint and of the export, and their ratio;
- dev examples per second of the full model and of the export: passes over the same length-grouped batches
  (`glue_loader`, --batch_size), the two models taking turns, median of --repeats passes after one warm-up each;
- the max |logit difference| and the share of equal predictions between the export and the full model under the mask;
- the dev score of the full model, of the masked model and of the export.
The task comes from --task, else the mask's meta, else the checkpoint's results.json. On a busy shared CPU pass --threads 1.
"""
import argparse, os, tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import numpy as np
import torch
from transformers import AutoModelForSequenceClassification
from transformers.utils import logging

from bert_lottery.batching import encode, glue_loader, model_inputs

from bert_lottery.data import get_task, load_glue, seeded_subset
from bert_lottery.export import export, export_size, register
from bert_lottery.masks import StructuredMask
from bert_lottery.metrics import score, split_metric
from bert_lottery.models import load_checkpoint, read_results
from _timing import add_threads_arg, clocked, interleaved, markdown_table, medians, ratio, set_threads


@torch.inference_mode()
def dev_logits(model, batches, mask=None):
    "Logits of `model` (under `mask` when given) on every batch, concatenated in batch order."
    if mask is None: return torch.cat([model(**b).logits for b in batches]).float().cpu()
    with mask.apply(model): return dev_logits(model, batches)


def predictions(logits):
    "Class ids, or the scores of a regression head."
    return (logits[:, 0] if logits.shape[-1] == 1 else logits.argmax(-1)).numpy()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("checkpoint", help="fine-tuned model folder")
    p.add_argument("mask", help="structured mask file (mask.safetensors)")
    p.add_argument("--task", help="GLUE task (default: the mask's meta, else the checkpoint's results.json)")
    p.add_argument("--data_root", help="GLUE data root (default: $BERT_LOTTERY_DATA, then the hub)")
    p.add_argument("--split", help="evaluation split (default: the task's first)")
    p.add_argument("--dev_subset", type=int, help="a seeded subset of this many dev examples (default: all)")
    p.add_argument("--max_length", type=int, default=128)
    p.add_argument("--batch_size", type=int, default=32)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--output_dir", help="where the export goes (default: a temporary folder)")
    add_threads_arg(p)
    a = p.parse_args()
    threads = set_threads(a.threads)
    logging.set_verbosity_error()

    mask = StructuredMask.load(a.mask)
    task = a.task or mask.meta.get("task") or (read_results(a.checkpoint) or {}).get("task")
    if task is None: p.error("the mask's meta and the checkpoint name no task: give --task")
    task = get_task(task)
    tok, full = load_checkpoint(a.checkpoint, task)
    out = export(a.checkpoint, mask.validate(full), a.output_dir or Path(tempfile.mkdtemp()) / "export")
    register()
    small = AutoModelForSequenceClassification.from_pretrained(out).eval().to(a.device)
    full.to(a.device)

    split = a.split or task.eval_splits[0]
    enc = encode(tok, seeded_subset(load_glue(task, split, a.data_root), a.dev_subset), a.max_length)
    loader = list(glue_loader(enc, a.batch_size, pad_id=tok.pad_token_id or 0))
    order = torch.cat([b["idx"] for b in loader]).numpy()
    batches = [model_inputs(b, a.device, labels=False) for b in loader]
    logits = dict(full=dev_logits(full, batches), masked=dev_logits(full, batches, mask), export=dev_logits(small, batches))
    labels = np.asarray(enc.labels)[order]
    metric = split_metric(task)
    scores = {k: score(task, predictions(v), labels)[metric] for k, v in logits.items()}

    def one_pass(model):
        with torch.inference_mode():
            for b in batches: model(**b)
    full_s, small_s = medians(interleaved([clocked(lambda: one_pass(full)), clocked(lambda: one_pass(small))], a.repeats, warmup=1))
    size = export_size(a.checkpoint, out)
    n = len(enc)

    print(f"checkpoint: {a.checkpoint} ({type(full).__name__}); export: {out}")
    print(f"mask: {mask.n_heads}/{mask.head.numel()} heads, {mask.n_mlps}/{mask.mlp.numel()} MLPs; meta {mask.meta}")
    print(f"{task.name} {split}: {n} examples, max_length {a.max_length}, batch size {a.batch_size}; device {a.device}, "
          f"threads {threads}; median of {a.repeats} interleaved passes each, after 1 warm-up")
    print(markdown_table(["", "full", "export", "export / full"], [
        ["weights (bytes)", f"{size['full_bytes']:,}", f"{size['export_bytes']:,}", f"{size['ratio']:.3f}"],
        ["examples / s", f"{n / full_s:.1f}", f"{n / small_s:.1f}", ratio(full_s, small_s)],
        [f"dev {metric}", f"{scores['full']:.4f} (masked: {scores['masked']:.4f})", f"{scores['export']:.4f}", ""]]))
    diff = (logits["export"] - logits["masked"]).abs().max().item()
    agree = float(np.mean(predictions(logits["export"]) == predictions(logits["masked"]))) if not task.is_regression else float("nan")
    print(f"export vs masked full model: max |logit difference| {diff:.2e}; equal predictions {agree:.2%}")


if __name__ == "__main__":
    main()
