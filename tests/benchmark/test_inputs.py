"""The data subsets of the benchmark runs."""
from dscnet_plugin.benchmark.inputs import pick, write_charades_subset


def test_pick_keeps_order_and_is_deterministic():
    ids = [f'v{i}' for i in range(50)]
    a, b = pick(ids, 10), pick(ids, 10)
    assert a == b and len(a) == 10 and a == sorted(a, key=ids.index)
    assert pick(ids, None) == ids and pick(ids, 99) == ids


def test_charades_subset_files(tmp_path):
    src, dst = tmp_path / 'src', tmp_path / 'dst'
    (src / 'charades_sta').mkdir(parents=True)
    (src / 'charades').mkdir()
    for split, n in (('train', 12), ('test', 6)):
        lines = [f'{split[:2].upper()}{i // 2:03d} 1.0 3.0##a person sits.\n' for i in range(n)]
        (src / 'charades_sta' / f'charades_sta_{split}.txt').write_text(''.join(lines))
    write_charades_subset(str(src), str(dst), 3, 2)
    train = (dst / 'charades_sta' / 'charades_sta_train.txt').read_text().splitlines()
    test = (dst / 'charades_sta' / 'charades_sta_test.txt').read_text().splitlines()
    assert len({x.split()[0] for x in train}) == 3 and len(train) == 6  # all their queries
    assert len({x.split()[0] for x in test}) == 2
    assert (dst / 'charades').resolve() == (src / 'charades').resolve()
