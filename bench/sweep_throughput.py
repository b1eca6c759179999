"""Sweep throughput in units per hour on this machine, side by side in one run, on the same small spec:
1 worker x all threads (local executor) against N workers x 1 thread (process executor), and the process executor
against Ray with the same workers (Ray's overhead ratio). Each arm runs the spec from scratch in its own store.

    HF_HUB_OFFLINE=1 python bench/sweep_throughput.py --data_root ../shared/data [--workers 2] [--out results/bench/sweep_throughput.json]

The spec: the embedded default model on SST-2, 2 seeds, s-pruning, good and bad subnetworks, pruned and retrained,
the majority baseline, with 256 training and 256 dev examples per unit, one epoch (15 units): small enough to repeat, with the same
mix of unit kinds as a real sweep. `--quick` (a smoke test) shrinks it to 1 seed and 32 examples per unit (8 units).
"""
import argparse, json, os, shutil, tempfile
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
import torch
from bert_lottery.spec import expand
from bert_lottery.store import run_local, run_processes, run_ray
from _timing import timed

def spec(data_root, quick=False):
    n, seeds = (32, [1]) if quick else (256, [1, 2])
    return dict(name='bench', data_root=data_root, tasks=['SST-2'], seeds=seeds, methods=['sprune'], subnetworks=['good', 'bad'],
                evaluations=['pruned', 'retrained'], baselines=['majority'], finetune=dict(train_subset=n, dev_subset=n, epochs=1),
                sprune=dict(dev_subset=n))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data_root', default=os.environ.get('BERT_LOTTERY_DATA'))
    p.add_argument('--workers', type=int, default=2)
    p.add_argument('--out', default=None)
    p.add_argument('--quick', action='store_true', help='a smoke test: 1 seed, 32 examples per unit')
    a = p.parse_args()
    s, cores = spec(a.data_root, a.quick), os.cpu_count()
    n_units = len(expand(s))
    arms = [(f'local, 1 worker x {cores} threads', lambda st: (torch.set_num_threads(cores), run_local(s, st, progress=False))[1]),
            (f'processes, {a.workers} workers x 1 thread', lambda st: run_processes(s, st, workers=a.workers, threads=1)),
            (f'ray, {a.workers} workers x 1 CPU', lambda st: run_ray(s, st, workers=a.workers, cpus_per_job=1, progress=False))]
    rows = []
    for name, fn in arms:
        st = tempfile.mkdtemp(prefix='bench_sweep_')
        secs, counts = timed(lambda: fn(st))
        shutil.rmtree(st, ignore_errors=True)
        rows.append(dict(arm=name, seconds=round(secs, 1), units=n_units, units_per_hour=round(3600 * n_units / secs, 1), counts=counts))
        print(f"{name}: {secs:.0f} s for {n_units} units, {3600 * n_units / secs:.0f} units/hour, {counts}", flush=True)
    base = rows[0]['seconds']
    print(f"\n{rows[1]['arm']} against {rows[0]['arm']}: x{base / rows[1]['seconds']:.2f} units per hour")
    print(f"{rows[2]['arm']} against {rows[1]['arm']}: Ray takes x{rows[2]['seconds'] / rows[1]['seconds']:.2f} the time (overhead ratio)")
    if a.out:
        os.makedirs(os.path.dirname(a.out), exist_ok=True)
        json.dump(dict(cores=cores, spec=s, rows=rows), open(a.out, 'w'), indent=1)

if __name__ == '__main__': main()
