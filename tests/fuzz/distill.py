#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Chooses the fuzzer-found inputs kept in a corpus of the repository (run.sh calls it).

  distill.py CONTROL_FILE BUDGET_KIB

CONTROL_FILE is what `FUZZER -merge=1 -merge_control_file=CONTROL_FILE OUT IN...` leaves:
the inputs (those of OUT, here the seeds, first) with the coverage edges (COV) and features
(FT) each reaches. Beginning with what the seeds cover, the input that adds the most per byte
(an edge weighing as much as EDGE_WEIGHT features) is taken until nothing adds anything or
the budget is spent: a greedy budgeted cover, which keeps far more of the coverage than the
smallest inputs would. Prints the paths chosen, one per line.
"""
import sys

EDGE_WEIGHT = 16


def parse(path):
    with open(path) as f:
        lines = f.read().split('\n')
    n, n_first = int(lines[0]), int(lines[1])
    paths = lines[2:2 + n]
    size, ft, cov = {}, {}, {}
    for line in lines[2 + n:]:
        p = line.split()
        if not p:
            continue
        i = int(p[1])
        if p[0] == 'STARTED':
            size[i] = int(p[2])
        elif p[0] == 'FT':
            ft[i] = set(p[2:])
        elif p[0] == 'COV':
            cov[i] = set(p[2:])
    return paths, n_first, size, ft, cov


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 2
    paths, n_first, size, ft, cov = parse(sys.argv[1])
    budget = int(sys.argv[2]) * 1024
    have_ft, have_cov = set(), set()
    for i in range(n_first):
        have_ft |= ft.get(i, set())
        have_cov |= cov.get(i, set())
    candidates = {i for i in range(n_first, len(paths)) if i in size}
    used = 0
    while True:
        best, best_value = None, 0.0
        for i in candidates:
            if used + size[i] > budget:
                continue
            gain = len(ft.get(i, set()) - have_ft) + \
                EDGE_WEIGHT * len(cov.get(i, set()) - have_cov)
            # ties go to the smaller input, then the first
            value = gain / max(size[i], 64)
            if gain and value > best_value:
                best, best_value = i, value
        if best is None:
            break
        candidates.discard(best)
        used += size[best]
        have_ft |= ft.get(best, set())
        have_cov |= cov.get(best, set())
        print(paths[best])
    return 0


if __name__ == '__main__':
    sys.exit(main())
