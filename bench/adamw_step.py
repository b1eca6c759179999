"""AdamW step time over the default model's weights: the per-tensor loop, foreach and fused (a candidate of issue 28).

    HF_HUB_OFFLINE=1 python bench/adamw_step.py
"""
import time, torch
from transformers import AutoModelForSequenceClassification
from bert_lottery.models import default_model
torch.set_num_threads(2)
m = AutoModelForSequenceClassification.from_pretrained(default_model(), num_labels=2)
ps = [p for p in m.parameters()]
for p in ps: p.grad = torch.randn_like(p) * 1e-3
res = {}
for name, kw in (('foreach=False (the per-tensor loop, what None picks here)', dict(foreach=False)), ('foreach=True', dict(foreach=True)), ('fused=True', dict(fused=True))):
    try: opt = torch.optim.AdamW(ps, lr=5e-5, weight_decay=0.01, **kw)
    except Exception as e: print(name, 'unavailable:', e); continue
    for _ in range(3): opt.step()
    ts = []
    for _ in range(15):
        t0 = time.perf_counter(); opt.step(); ts.append(time.perf_counter() - t0)
    ts.sort(); res[name] = ts[len(ts)//2] * 1000
for k, v in res.items(): print(f"| {k} | {v:.1f} ms |")
