"""The reproduction sweep (issue 9): specs/sweep.yaml through the runner, into a store whose light part is committed.

Usage: python experiments/sweep.py [--data_root ../shared/data] [--only run report] [--budget_min M]
  run     every unit of the spec that is not done, seed outermost (all four tasks at seed 42 first, then 1337, then 86), so that
          an interrupted sweep has whole task x seed cells; within a cell the runner's order (fine-tune, s-/m-pruning, masks,
          pruned evaluations, then the retraining units). --budget_min stops starting new jobs after M minutes; a killed run
          resumes where it stopped (the runner redoes only the interrupted unit).
  report  the runner's report (results.csv/.md, summary.csv/.md, survivors.csv, walltime.csv, a scores figure per task,
          good-mask heatmaps) -> results/sweep/report
The same store is what `bert_lottery run specs/sweep.yaml results/sweep/store` and `bert_lottery status results/sweep/store` use.
Checkpoints stay in the store's heavy/ folder (git-ignored); a new machine remakes a missing one when a pending unit needs it.
"""
import argparse, json, time
from pathlib import Path
from bert_lottery.data import write_json
from bert_lottery.report import report
from bert_lottery.spec import expand, load_spec
from bert_lottery.store import Store, jobs, run_job, statuses

SPEC, OUT = Path('specs/sweep.yaml'), Path('results/sweep')
STORE = OUT/'store'


def ordered_jobs(us):
    "The runner's jobs, seed outermost (jobs without a seed, such as the majority class, first)."
    order = {s: i for i, s in enumerate(dict.fromkeys(u.params['seed'] for u in us if 'seed' in u.params))}
    js = jobs(us)
    return sorted(js, key=lambda j: order.get(j[0].params.get('seed'), -1))   # stable: the runner's order within a seed


def run(spec, us, data_root, budget_min=None):
    st = Store(STORE); st.root.mkdir(parents=True, exist_ok=True); write_json(st.root/'spec.json', spec)
    t0 = time.time()
    for i, job in enumerate(ordered_jobs(us)):
        if all(st.status(u.id) == 'done' for u in job): continue
        if budget_min is not None and time.time() - t0 > 60 * budget_min: print(f'budget of {budget_min} min spent: stopping'); break
        u = job[0]
        print(f"[{time.strftime('%H:%M:%S')}] job {i}: {u.kind} {u.params.get('task')} seed {u.params.get('seed')} "
              f"{u.params.get('subnetwork', '')} ({len(job)} units)", flush=True)
        print(dict(zip([x.id for x in job], run_job(st, job, data_root, progress=True))), flush=True)
    now = statuses(st, us)
    print({k: list(now.values()).count(k) for k in dict.fromkeys(now.values())})


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data_root', default=None)
    p.add_argument('--only', nargs='+', default=['run', 'report'], choices=['run', 'report'])
    p.add_argument('--budget_min', type=float, default=None)
    a = p.parse_args()
    spec = {**load_spec(SPEC, STORE), 'data_root': a.data_root}
    us = expand(spec)
    for stage in dict.fromkeys(a.only):
        if stage == 'run': run(spec, us, a.data_root, a.budget_min)
        else:
            print('\n'.join(map(str, report(STORE, OUT/'report'))))


if __name__ == '__main__': main()
