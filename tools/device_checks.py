"""Issue 34's device checks as one script, for any version of the package: PYTHONPATH=<checkout> python tools/device_checks.py prints PASS or FAIL per check. An old checkout needs bert_lottery/fixtures.py of this one copied in (fake_gpu, forward_devices)."""
import os, sys, json, tempfile, traceback, warnings
warnings.filterwarnings('ignore')
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import torch
from pathlib import Path
from unittest import mock
import bert_lottery
from bert_lottery.fixtures import fake_gpu, forward_devices, tiny_model, tiny_checkpoint, toy_glue_root, toy_split
print('package:', bert_lottery.__file__)
results = {}
def check(name):
    def deco(f):
        try: f(); results[name] = 'PASS'
        except Exception as e: results[name] = f'FAIL: {type(e).__name__}: {str(e).splitlines()[0][:150] if str(e) else ""}'
        print(f'{results[name][:4]}  {name}  {results[name][6:]}', flush=True)
    return deco

@check('06_select: magnitude_keep, accelerator weights, CPU keep flags')
def _():
    from bert_lottery.select import magnitude_keep
    from bert_lottery.layout import prunable_weights
    keep = magnitude_keep(prunable_weights(tiny_model()), 0.2)
    with fake_gpu(): magnitude_keep(prunable_weights(tiny_model().to('cuda')), 0.2, keep)

@check('05_masks: a WeightMask of accelerator flags saves')
def _():
    from bert_lottery.masks import WeightMask
    from bert_lottery.layout import prunable_weights
    with fake_gpu():
        m = tiny_model().to('cuda')
        WeightMask({n: w.abs() > 0.05 for n, w in prunable_weights(m).items()}).save(Path(tempfile.mkdtemp())/'m.safetensors')

@check('08_compaction: compact an accelerator model')
def _():
    from bert_lottery.compaction import compact
    from bert_lottery.masks import StructuredMask
    head = torch.ones(2, 4); head[0, 1] = 0
    with fake_gpu(): compact(tiny_model().to('cuda'), StructuredMask(head, torch.tensor([1., 0.])))

@check('07_models: load_checkpoint puts the model on the GPU')
def _():
    from bert_lottery.models import load_checkpoint
    ck = tiny_checkpoint()
    with fake_gpu(): _, m = load_checkpoint(ck)
    assert next(m.parameters()).device.type == 'meta', next(m.parameters()).device

@check('15_tickets: imp_loop whose rounds move the model to the GPU, then its masks saved')
def _():
    from bert_lottery.tickets import imp_loop, save_imp_run
    def round_(model, mask):
        model.to('cuda'); ids = torch.randint(0, 99, (4, 6)).to('cuda')
        with mask.apply(model): model(input_ids=ids, labels=torch.tensor([0, 1, 0, 1]).to('cuda')).loss.backward()
        torch.optim.AdamW(model.parameters(), lr=1e-2).step(); model.zero_grad(); return 0.
    with fake_gpu():
        final, hist = imp_loop(tiny_model(), round_, rounds=3, progress=False)
        save_imp_run(Path(tempfile.mkdtemp()), final, hist, dict(task='toy'), dict())

@check('09_train: train(first_epoch=3) in one process sees epoch 3 batches')
def _():
    from bert_lottery.train import train
    from bert_lottery.batching import glue_loader
    enc = toy_split(200)
    m, got = tiny_model(), []
    m.register_forward_pre_hook(lambda mod, a, kw: got.append(kw['input_ids'].clone()), with_kwargs=True)
    train(m, 'SST-2', enc, 0, epochs=1, first_epoch=3, progress=False, precision='fp32')
    dl = glue_loader(enc, 32, shuffle=True, seed=0); dl.batch_sampler.set_epoch(3)
    want = [b['input_ids'] for b in dl]
    assert len(got) == len(want) and all(torch.equal(a, b) for a, b in zip(got, want)), 'batches are not epoch 3s'

@check('09_train: making an Accelerator leaves TF32 alone')
def _():
    from bert_lottery.train import make_accelerator
    torch.backends.cuda.matmul.allow_tf32 = False
    with fake_gpu(): make_accelerator('auto')
    assert torch.backends.cuda.matmul.allow_tf32 is False, 'make_accelerator turned TF32 on for the whole process'

@check('00a_files: 4 threads write one JSON file 400 times')
def _():
    from concurrent.futures import ThreadPoolExecutor
    from bert_lottery.files import write_json
    f = Path(tempfile.mkdtemp())/'a.json'
    with ThreadPoolExecutor(4) as pool: list(pool.map(lambda i: write_json(f, dict(i=i, pad=list(range(20_000)))), range(400)))

@check('00a_files: rank 1 of a launch writes no file')
def _():
    from bert_lottery.files import write_json
    d = Path(tempfile.mkdtemp())
    with mock.patch.dict(os.environ, RANK='1'): write_json(d/'b.json', dict(x=1))
    assert not (d/'b.json').exists(), 'rank 1 wrote b.json'

@check('23_store: every checkpoint unit of a sweep runs its forward passes on the GPU')
def _():
    import bert_lottery.store as S
    root = toy_glue_root(tempfile.mkdtemp(), tasks=['MRPC'])
    spec = dict(name='t', model_name=tiny_checkpoint(), data_root=str(root), tasks=['MRPC'], seeds=[1], methods=['sprune', 'mprune'],
                subnetworks=['good', 'bad'], baselines=['majority'], finetune=dict(epochs=1, train_subset=32, dev_subset=32, precision='fp32'),
                sprune=dict(dev_subset=32, step=0.25), mprune=dict(dev_subset=32), l0=dict(targets=[0.3], steps=4, train_subset=32))
    devices, real = {}, S._execute
    def rec(store, unit, out, data_root, progress=False):
        with forward_devices() as seen: real(store, unit, out, data_root, progress)
        devices.setdefault(unit.kind, set()).update(seen)
    with fake_gpu(), mock.patch.object(S, '_execute', rec): S.run_local(spec, Path(tempfile.mkdtemp())/'s', progress=False)
    bad = {k: v for k, v in devices.items() if k in ('sprune', 'mprune', 'pruned', 'l0') and v != {'meta'}}
    assert not bad, f'ran on {bad}'

@check('23_store: run_processes gives each worker its own GPU')
def _():
    import bert_lottery.store as S
    started = []
    with mock.patch('torch.cuda.device_count', lambda: 2), \
         mock.patch('subprocess.Popen', lambda cmd, env=None, **kw: started.append(env) or mock.Mock(wait=lambda: 0)):
        S.run_processes(dict(tasks=['MRPC'], seeds=[42]), Path(tempfile.mkdtemp())/'g', workers=2)
    assert [(e or {}).get('CUDA_VISIBLE_DEVICES') for e in started] == ['0', '1'], [(e or {}).get('CUDA_VISIBLE_DEVICES') for e in started]

@check('23_store: a Ray job asks for a GPU when the cluster has GPUs (run default)')
def _():
    import inspect, bert_lottery.store as S
    d = inspect.signature(S.run_ray).parameters['gpus_per_job'].default
    assert d is None, f'gpus_per_job defaults to {d}: a job asks for no GPU and Ray hides them'

@check('23_store: a remade checkpoint that differs is refused')
def _():
    import bert_lottery.store as S, shutil
    root = toy_glue_root(tempfile.mkdtemp(), tasks=['MRPC'])
    spec = dict(name='t', model_name=tiny_checkpoint(), data_root=str(root), tasks=['MRPC'], seeds=[1], methods=['sprune'],
                subnetworks=['good'], evaluations=['pruned'], baselines=[], finetune=dict(epochs=1, train_subset=32, dev_subset=32, precision='fp32'),
                sprune=dict(dev_subset=32, step=0.25))
    store = Path(tempfile.mkdtemp())/'s'
    S.run_local(spec, store, progress=False)
    units = S.expand(S.load_spec(spec))
    ft, pr = units[0], next(u for u in units if u.kind == 'pruned')
    (store/'hashes').mkdir(exist_ok=True); (store/'hashes'/ft.id).write_text('0' * 64)
    shutil.rmtree(store/'heavy'); shutil.rmtree(S.Store(store).dir(pr.id))
    counts = S.run_local(spec, store, progress=False)
    assert counts.get('failed') == 1, f'the remake was accepted: {counts}'

print(json.dumps(results, indent=1))
