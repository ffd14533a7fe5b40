#!/usr/bin/env python3
"""Writes each dog replay run's used worker votes and item states next to its folder, for
dog_bagged_reading.cs: RUN_DIR.votes.csv (item,worker,label) and RUN_DIR.items.csv (item,label the
run scored with,1 if it ended undecided). Usage: python3 docs/analysis/dog_votes_export.py RUN_DIR...
"""
import sys, os, json, re, sqlite3
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dog_review_reading import NAMES, argmax
for d in sys.argv[1:]:
    if not os.path.isfile(os.path.join(d, 'labeling.db')): continue
    con = sqlite3.connect(os.path.join(d, 'labeling.db'))
    for (pid,) in con.execute("select distinct project_id from items where project_id like 'replay-dog-%'"):
        ext = {}
        with open(d + '.items.csv', 'w') as f:
            for iid, body in con.execute("select id, body from items where project_id = ?", (pid,)):
                b = json.loads(body)
                e = re.match(r'item (.*) of ', b['text']).group(1)
                ext[iid] = e
                lab = NAMES.index(b['label']) if b.get('label') is not None else argmax(b['posterior'])
                f.write(f"{e},{lab},{0 if b['state']=='decided' else 1}\n")
        with open(d + '.votes.csv', 'w') as f:
            for i, w, l in con.execute("select item_id, labeler_id, label from votes where project_id = ? and kind = 'worker' and label is not null order by seq", (pid,)):
                f.write(f"{ext[i]},{w.split(':',1)[1]},{l}\n")
