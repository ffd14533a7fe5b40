#!/usr/bin/env python3
"""Reads dog replay runs' databases and asks: which reading of the votes a run used comes
closest to batch DS on all 8,070 recorded votes on the items that ended in review?

Usage: python3 docs/analysis/dog_review_reading.py RUN_DIR...   (each a replay server's --data
folder holding labeling.db with a replay-dog-* project; standard library only, about 1 s a run).

Prints one line per run and, at the end, per reading: mean, sd and lowest accuracy over the runs,
and how many reach the target line (672 of 807 = batch DS on all votes minus one point). Each
reading keeps the server's label for the items it decided and replaces the label of the items in
review (or still collecting) with its own; "server" is the run as the replay scored it.
docs/benchmarks.md, "Where dog's misses come from", quotes its output.
"""
import csv, glob, json, math, os, re, sqlite3, statistics, sys
from collections import Counter, defaultdict

DATA = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'datasets', 'dog')
NAMES = ['0', '1', '2', '3']
K = len(NAMES)
LINE = 672  # 0.8326 * 807, rounded up


def digamma(x):
    r = 0.0
    while x < 6:
        r -= 1 / x
        x += 1
    f = 1 / (x * x)
    return r + math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))))


def m_step(votes, post, smooth=0.01, diag=0.0, off=0.0, vb=False, weights=None):
    """Worker confusions and class prior from soft labels (Dirichlet pseudo-counts; vb: E[log])."""
    cnt = defaultdict(lambda: [[smooth + (diag if j == k else off) for k in range(K)] for j in range(K)])
    for i, w, l in votes:
        wt = weights.get(i, 1.0) if weights else 1.0
        for j in range(K):
            cnt[w][j][l] += post[i][j] * wt
    log = (lambda c, s: digamma(c) - digamma(s)) if vb else (lambda c, s: math.log(c / s))
    logc = {w: [[log(c, sum(row)) for c in row] for row in rows] for w, rows in cnt.items()}
    prior = [1.0] * K
    for i in {i for i, _, _ in votes}:
        for j in range(K):
            prior[j] += post[i][j]
    return logc, [log(c, sum(prior)) for c in prior]


def e_step(votes, params):
    logc, logp = params
    lp = defaultdict(lambda: list(logp))
    for i, w, l in votes:
        row = lp[i]
        if w in logc:  # a worker the confusions were not learned for abstains
            for j in range(K):
                row[j] += logc[w][j][l]
    out = {}
    for i, v in lp.items():
        m = max(v)
        e = [math.exp(x - m) for x in v]
        out[i] = [x / sum(e) for x in e]
    return out


def dawid_skene(votes, iters=200, **m):
    """Classic EM from majority vote; stops when no posterior moves by 1e-6."""
    post = defaultdict(lambda: [0.0] * K)
    for i, _, l in votes:
        post[i][l] += 1
    post = {i: [x / sum(p) for x in p] for i, p in post.items()}
    for _ in range(iters):
        params = m_step(votes, post, **m)
        new = e_step(votes, params)
        done = max(abs(new[i][j] - post[i][j]) for i in new for j in range(K)) < 1e-6
        post = new
        if done:
            break
    return post, params


def read_csv(path):
    return list(csv.DictReader(open(path)))


def argmax(p):
    return max(range(K), key=lambda j: p[j])


def main(dirs):
    truth = {r['item']: NAMES.index(r['label']) for r in read_csv(os.path.join(DATA, 'truth.csv'))}
    every = [(r['item'], r['worker'], NAMES.index(r['label'])) for r in read_csv(os.path.join(DATA, 'answers.csv'))]
    ds_all, ds_all_params = dawid_skene(every)
    print(f"batch DS on all {len(every)} votes: {sum(argmax(ds_all[i]) == t for i, t in truth.items())} of {len(truth)}")
    totals = defaultdict(list)
    for d in dirs:
        if not os.path.isfile(os.path.join(d, 'labeling.db')):
            continue  # a run's log or progress file beside its folder
        con = sqlite3.connect(os.path.join(d, 'labeling.db'))
        for (pid,) in con.execute("select distinct project_id from items where project_id like 'replay-dog-%'"):
            ext, label, review = {}, {}, set()
            for iid, body in con.execute("select id, body from items where project_id = ?", (pid,)):
                b = json.loads(body)
                e = re.match(r'item (.*) of ', b['text']).group(1)
                ext[iid] = e
                label[e] = NAMES.index(b['label']) if b.get('label') is not None else argmax(b['posterior'])
                if b['state'] != 'decided':
                    review.add(e)
            votes = [(ext[i], w.split(':', 1)[1], NAMES.index(l)) for i, w, l in con.execute(
                "select item_id, labeler_id, label from votes where project_id = ? and kind = 'worker' "
                "and label is not null order by seq", (pid,))]
            n = Counter(i for i, _, _ in votes)
            used, _ = dawid_skene(votes)
            hard = {i: ([1.0 if j == label[i] else 0.0 for j in range(K)] if i not in review else used[i]) for i in n}
            # Majority vote on each review item (the used votes are all its recorded votes), ties broken by DS.
            majority = {}
            for i in review:
                c = Counter(l for ii, _, l in votes if ii == i)
                top = max(c.values())
                tied = [l for l in c if c[l] == top]
                majority[i] = tied[0] if len(tied) == 1 else max(tied, key=lambda j: used[i][j])
            _, (used_logc, _) = dawid_skene(votes)
            readings = {
                'server': label,
                'DS on all votes (oracle)': {i: argmax(ds_all[i]) for i in review},
                'DS on used votes': {i: argmax(used[i]) for i in review},
                'DS, Dirichlet 2 on the diagonal': {i: argmax(p) for i, p in dawid_skene(votes, diag=2.0)[0].items()},
                'variational DS, prior 1': {i: argmax(p) for i, p in dawid_skene(votes, vb=True, diag=1.0, off=1.0)[0].items()},
                'variational DS, prior 0.5': {i: argmax(p) for i, p in dawid_skene(votes, vb=True, diag=0.5, off=0.5)[0].items()},
                'DS, decided votes weighted 10/n': {i: argmax(p) for i, p in dawid_skene(
                    votes, weights={i: 10 / n[i] for i in n if i not in review})[0].items()},
                'confusions from server labels, decided clamped': {i: argmax(p) for i, p in e_step(votes, m_step(votes, hard)).items()},
                'confusions from decided items only': {i: argmax(p) for i, p in e_step(
                    votes, m_step([v for v in votes if v[0] not in review], hard)).items()},
                'majority vote, DS breaking ties': majority,
                'DS on used votes, read with a uniform class prior': {i: argmax(p) for i, p in e_step(votes, (used_logc, [0.0] * K)).items()},
            }
            row = []
            for name, reading in readings.items():
                final = {i: (reading[i] if i in review and i in reading else label[i]) for i in label}
                correct = sum(final.get(i) == t for i, t in truth.items())
                totals[name].append(correct)
                row.append(correct)
            print(d, pid, len(votes), 'votes,', len(review), 'in review;', ' '.join(map(str, row)), flush=True)
    print()
    for name, v in totals.items():
        sd = statistics.stdev(v) if len(v) > 1 else 0.0
        print(f"{name:48s} mean {statistics.mean(v) / len(truth):.4f}  sd {sd / len(truth):.4f}  "
              f"lowest {min(v) / len(truth):.4f}  at the line {sum(x >= LINE for x in v)} of {len(v)}")


if __name__ == '__main__':
    main(sys.argv[1:] or sorted(glob.glob('/tmp/rx-*')))
