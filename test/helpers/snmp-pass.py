#!/usr/bin/python3
# An snmpd `pass` handler over a table in a file: STATE/<table>.tsv holds
# "SUFFIX<TAB>TYPE<TAB>VALUE" lines under BASE. With "rw", integer SETs of 1
# or 2 are written back and logged to STATE/sets.log ("SUFFIX VALUE"), so a
# test reads the switch's state from snmpd's own side.
import os
import sys

base, table, state, mode = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
path = os.path.join(state, table + '.tsv')


def key(suffix):
    return tuple(int(x) for x in suffix.split('.') if x)


def load():
    rows = {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip('\n').split('\t')
            if len(parts) == 3:
                rows[parts[0]] = (parts[1], parts[2])
    return rows


def save(rows):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        for suffix in sorted(rows, key=key):
            f.write('%s\t%s\t%s\n' % (suffix, rows[suffix][0], rows[suffix][1]))
    os.rename(tmp, path)


def answer(suffix, row):
    print('%s.%s' % (base, suffix))
    print(row[0])
    print(row[1])


op, oid = sys.argv[5], sys.argv[6]
suffix = oid[len(base):].lstrip('.') if oid.startswith(base) else ''
rows = load()
if op == '-g':
    if suffix in rows:
        answer(suffix, rows[suffix])
elif op == '-n':
    after = key(suffix)
    nxt = [s for s in rows if key(s) > after]
    if nxt:
        s = min(nxt, key=key)
        answer(s, rows[s])
elif op == '-s':
    kind, value = sys.argv[7], sys.argv[8]
    if mode != 'rw' or suffix not in rows:
        print('not-writable')
    elif kind != 'integer' or value not in ('1', '2'):
        print('wrong-value')
    else:
        rows[suffix] = ('integer', value)
        save(rows)
        with open(os.path.join(state, 'sets.log'), 'a') as f:
            f.write('%s %s\n' % (suffix, value))
