"""How much gradient clipping at 1.0 (the original's Trainer default) changes L0 pruning in the library's CPU setting.

Usage: python experiments/l0_clipping.py CHECKPOINT [--task SST-2] [--steps 300] [--data_root ../shared/data]
Trains L0 gates to 50% on a fine-tuned checkpoint twice, with the same seed, with max_grad_norm=1.0 and None, and writes the
fraction of steps whose gradient norm (gates and multipliers) exceeded 1.0, and the final sparsity, KL and mask of each, to
results/l0/clipping.json.
"""
import argparse
from pathlib import Path
import numpy as np
from bert_lottery.batching import encode
from bert_lottery.data import load_glue, seeded_subset
from bert_lottery.files import write_json
from bert_lottery.l0 import l0_prune
from bert_lottery.models import load_checkpoint

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('checkpoint'); p.add_argument('--task', default='SST-2'); p.add_argument('--steps', type=int, default=300)
    p.add_argument('--data_root', default=None); p.add_argument('--n_train', type=int, default=2000)
    a = p.parse_args()
    tok, model = load_checkpoint(a.checkpoint, a.task)
    train = encode(tok, seeded_subset(load_glue(a.task, 'train', a.data_root), a.n_train))
    out = dict(checkpoint=a.checkpoint, task=a.task, steps=a.steps, n_train=a.n_train, runs={})
    for clip in (1.0, None):
        res = l0_prune(model, train, target=0.5, steps=a.steps, log_every=1, max_grad_norm=clip, pad_id=tok.pad_token_id or 0, progress=False)
        g = np.array([h['grad_norm'] for h in res['history']])
        out['runs'][str(clip)] = dict(max_grad_norm=clip, steps_over_1=float((g > 1).mean()), grad_norm_median=float(np.median(g)),
                                      grad_norm_max=float(g.max()), final_sparsity=res['final_sparsity'], final_kl=res['history'][-1]['kl'],
                                      heads_off=int((res['mask'].head == 0).sum()), mlps_off=int((res['mask'].mlp == 0).sum()),
                                      head_mask=res['mask'].head.tolist(), seconds=res['seconds'])
        print(clip, {k: v for k, v in out['runs'][str(clip)].items() if k != 'head_mask'}, flush=True)
    a_, b_ = (np.array(out['runs'][k]['head_mask']) == 0 for k in ('1.0', 'None'))
    out['heads_off_in_both'] = int((a_ & b_).sum())
    write_json(Path('results/l0/clipping.json'), out)

if __name__ == '__main__': main()
