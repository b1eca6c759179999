"""Cost of one m-pruning step on the embedded default model: choosing the mask (global magnitude over every prunable
weight and bias) and evaluating the model under it, timed separately, against one plain dev evaluation.

    HF_HUB_OFFLINE=1 python bench/mprune_step.py [--checkpoint runs/finetune/MRPC_s42] [--task MRPC] [--data_root ../shared/data] [--repeats 3]

Without --checkpoint the pre-trained model with a fresh head is used (the timing does not depend on the weights).
"""
import argparse, os
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch
from transformers.utils import logging
from bert_lottery.data import encode_task, glue_loader
from bert_lottery.layout import prunable_weights
from bert_lottery.masks import WeightMask
from bert_lottery.models import load_checkpoint, load_model
from bert_lottery.select import magnitude_keep
from bert_lottery.train import predict
from _timing import add_threads_arg, medians, seconds, set_threads, timed

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--checkpoint', default=None)
    p.add_argument('--task', default='MRPC')
    p.add_argument('--data_root', default=None)
    p.add_argument('--repeats', type=int, default=3)
    add_threads_arg(p)
    a = p.parse_args()
    set_threads(a.threads); logging.set_verbosity_error()
    tok, model = load_checkpoint(a.checkpoint, a.task) if a.checkpoint else load_model(task=a.task)
    model.eval()
    dev = encode_task(tok, a.task, a.data_root, splits=['dev'])['dev']
    loader = glue_loader(dev, 128, pad_id=tok.pad_token_id)
    ws = prunable_weights(model, biases=True)
    keep = magnitude_keep(ws, 0.1)
    def predict_under(mask):
        with mask.apply(model): predict(model, loader)
    sel, ev, plain = [], [], []
    for _ in range(a.repeats):
        t, k2 = timed(lambda: magnitude_keep(ws, 0.1, keep)); sel.append(t)
        mask = WeightMask(k2)
        ev.append(seconds(lambda: predict_under(mask)))
        plain.append(seconds(lambda: predict(model, loader)))
    s, e, pl = medians([sel, ev, plain])
    print(f"{a.task} dev: {len(dev)} examples; {sum(w.numel() for w in ws.values()):,} prunable weights and biases; threads {torch.get_num_threads()}")
    print(f"mask selection (global magnitude, 10% of the survivors): {s:6.2f} s")
    print(f"evaluation under the mask:                              {e:6.2f} s")
    print(f"plain evaluation:                                       {pl:6.2f} s")
    print(f"one m-pruning step: {s + e:.2f} s = {(s + e) / pl:.2f} x a plain evaluation")

if __name__ == '__main__': main()
