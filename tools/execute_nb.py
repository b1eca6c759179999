"""Run notebooks top to bottom in nbs/ (as nbdev_test does) and save their outputs in place, for the docs pages.

Usage: .venv/bin/python tools/execute_nb.py nbs/results/41_sweep.ipynb [...]   (then nbdev_clean)
"""
import os, sys
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell

for p in map(Path, sys.argv[1:]):
    nb, here = read_nb(p), os.getcwd()
    os.chdir(p.parent)
    try: CaptureShell().run_all(nb, exc_stop=True)
    finally: os.chdir(here)
    write_nb(nb, p); print(f"executed {p}")
