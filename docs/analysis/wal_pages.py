#!/usr/bin/env python3
"""Which tables and indexes the WAL pages a running server writes belong to, per vote.

Copy a running server's labeling.db-wal and then labeling.db into folder A, wait a moment, copy them again into B (no
need to stop the server: both readings end at the last whole commit in the copied WAL), then:

    python3 docs/analysis/wal_pages.py A B

When both copies hold the same WAL generation (the same salts: the WAL did not start over in between), the frames B has
beyond A are what the server wrote in between, and B's vote count less A's is how many votes that was. Each frame's page
is named by SQLite's dbstat table on B (the page of table or index it is in B). Page 1 shows as sqlite_schema: every
commit that grows the file rewrites it (the header holds the file's size). Needs a Python whose sqlite3 has dbstat
(Debian's has).
"""
import collections
import os
import sqlite3
import struct
import sys


def frames(wal_path):
    """(salts, [(page, size after commit or 0)]) of the WAL's current generation, up to its last commit frame."""
    with open(wal_path, 'rb') as f:
        data = f.read()
    _magic, _version, page_size, _checkpoint, salt1, salt2 = struct.unpack('>IIIIII', data[:24])
    out, offset = [], 32
    while offset + 24 + page_size <= len(data):
        page, size_after, frame_salt1, frame_salt2 = struct.unpack('>IIII', data[offset:offset + 16])
        if (frame_salt1, frame_salt2) != (salt1, salt2):
            break
        out.append((page, size_after))
        offset += 24 + page_size
    while out and not out[-1][1]:
        out.pop()
    return (salt1, salt2), out


def votes_and_pages(folder):
    con = sqlite3.connect(os.path.join(folder, 'labeling.db'))
    try:
        votes = con.execute('SELECT COUNT(*) FROM votes').fetchone()[0]
        pages = dict(con.execute('SELECT pageno, name FROM dbstat').fetchall())
        return votes, pages
    finally:
        con.close()


def main(a, b):
    salts_a, frames_a = frames(os.path.join(a, 'labeling.db-wal'))
    salts_b, frames_b = frames(os.path.join(b, 'labeling.db-wal'))
    if salts_a != salts_b:
        sys.exit('The WAL started over between the two copies; copy again with less time between them.')
    if len(frames_b) < len(frames_a):
        sys.exit('B holds fewer frames than A: copy A first.')
    votes_a, _ = votes_and_pages(a)
    votes_b, pages = votes_and_pages(b)
    new = frames_b[len(frames_a):]
    votes = votes_b - votes_a
    commits = sum(1 for _, size in new if size)
    if votes <= 0:
        sys.exit(f'No vote was written between the copies ({len(new)} frames).')
    print(f'{len(new)} frames in {commits} commits for {votes} votes: {len(new) / votes:.2f} frames and {commits / votes:.2f} commits a vote')
    by_name = collections.Counter(pages.get(page, '(not in B)') for page, _ in new)
    for name, count in by_name.most_common():
        print(f'{name:34} {count:7d}  {count / votes:5.2f} a vote')


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
