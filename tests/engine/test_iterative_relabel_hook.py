"""IterativeRelabelHook: the stage schedule, the loop length, and relabelling
that reaches training (persistent dataloader workers included)."""
import copy
import threading
from types import SimpleNamespace

import pytest
import torch

from dscnet_plugin.engine import IterativeRelabelHook
from dscnet_plugin.engine.hooks import iterative_relabel_hook as relabel_module

from .tiny_config import (REPO, TINY_CLUSTERS, TINY_EPOCHS, TINY_FRAMES, TINY_NECKS, Probe,
                          hook_cfg)


def _hook(runner, cls=IterativeRelabelHook):
    found = [h for h in runner.hooks if isinstance(h, cls)]
    assert len(found) == 1
    return found[0]


# ----------------------------------------------------------------------------
# The schedule
# ----------------------------------------------------------------------------
@pytest.mark.parametrize('epochs_per_stage,num_necks,expected', [
    (1, 2, [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)]),
    (1, 1, [(0, 0), (1, 0), (2, 0), (3, 0), (4, 0)]),
    (2, 2, [(0, 0), (0, 0), (0, 1), (0, 1), (1, 0), (1, 0), (1, 1), (1, 1), (2, 0)]),
    (3, 4, [(0, 0)] * 3 + [(0, 1)] * 3 + [(0, 2)] * 3 + [(0, 3)] * 3 + [(1, 0)] * 3),
])
def test_stage_of(epochs_per_stage, num_necks, expected):
    hook = IterativeRelabelHook(iterations=5, epochs_per_stage=epochs_per_stage)
    assert [hook.stage_of(e, num_necks) for e in range(len(expected))] == expected


def test_stage_of_covers_every_stage_once():
    hook = IterativeRelabelHook(iterations=3, epochs_per_stage=2)
    stages = [hook.stage_of(e, 4) for e in range(3 * 4 * 2)]
    assert sorted(set(stages)) == [(i, n) for i in range(3) for n in range(4)]
    assert all(stages.count(s) == 2 for s in set(stages))


@pytest.mark.parametrize('iterations,epochs_per_stage,max_epochs', [
    (2, 1, 20),   # config longer than the schedule
    (1, 2, 1),    # config shorter than the schedule
    (2, 1, 4),    # config already right: nothing to fix
])
def test_loop_length_follows_the_schedule(tiny_cfg, build_runner, log_text,
                                          iterations, epochs_per_stage, max_epochs):
    cfg = tiny_cfg()
    cfg.train_cfg.max_epochs = max_epochs
    hook_cfg(cfg, 'IterativeRelabelHook').update(iterations=iterations,
                                                  epochs_per_stage=epochs_per_stage)
    probe = Probe()
    runner = build_runner(cfg, probe)
    runner.train()
    expected = iterations * TINY_NECKS * epochs_per_stage
    iters_per_epoch = len(runner.train_dataloader)
    assert runner.train_loop.max_epochs == expected
    assert runner.train_loop.max_iters == expected * iters_per_epoch
    assert probe.epochs_run == list(range(expected))
    assert runner.epoch == expected and runner.iter == expected * iters_per_epoch
    # the neck trained in each epoch follows stage_of
    hook = _hook(runner)
    assert probe.active_necks == [hook.stage_of(e, TINY_NECKS)[1] for e in range(expected)]
    text = log_text(runner)
    fixed = f'(train_cfg.max_epochs was {max_epochs})'
    assert (fixed in text) == (max_epochs != expected)
    # one relabelling per stage, at the stage's last epoch
    assert text.count('[relabel] iteration') == iterations * TINY_NECKS
    for e, bank in enumerate(probe.banks):
        before = probe.initial_bank if e == 0 else probe.banks[e - 1]
        if (e + 1) % epochs_per_stage:
            assert torch.equal(bank, before), f'labels changed mid-stage (epoch {e})'
    # validation ran once, at the end of the fixed loop
    assert len(probe.val_metrics) == 1


def test_message_hub_sees_the_fixed_loop_length(tiny_cfg, build_runner):
    cfg = tiny_cfg()
    runner = build_runner(cfg)
    runner.train()
    assert runner.message_hub.get_info('max_epochs') == runner.train_loop.max_epochs
    assert runner.message_hub.get_info('max_iters') == runner.train_loop.max_iters


# ----------------------------------------------------------------------------
# Relabelling reaches training
# ----------------------------------------------------------------------------
def test_relabel_reaches_persistent_workers(tiny_cfg, build_runner):
    cfg = tiny_cfg()
    cfg.train_dataloader.update(num_workers=2, persistent_workers=True)
    cfg.train_cfg.update(features='streaming')  # the workers read every epoch
    probe = Probe()
    runner = build_runner(cfg, probe)
    try:
        runner.train()
    finally:  # else the iterator's __del__ waits ~10 s for the workers, later
        iterator = getattr(runner.train_dataloader, '_iterator', None)
        if iterator is not None:
            iterator._shutdown_workers()
    assert runner.train_dataloader.persistent_workers
    assert runner.train_dataloader.num_workers == 2
    model = probe.model(runner)
    num_videos = len(runner.train_dataloader.dataset)
    hook = _hook(runner)

    assert probe.epochs_run == list(range(TINY_EPOCHS))
    assert probe.active_necks == [hook.stage_of(e, TINY_NECKS)[1] for e in range(TINY_EPOCHS)]
    assert probe.active_necks == [0, 1, 0, 1]
    for e, neck in enumerate(probe.active_necks):
        previous = probe.initial_bank if e == 0 else probe.banks[e - 1]
        used, read = probe.used[e], probe.bank_used[e]
        # every video was trained once in the epoch
        assert sorted(used) == list(range(num_videos))
        for i, labels in used.items():
            # the loss got the model's bank for this sample's video_index ...
            assert torch.equal(labels, read[i].cpu()), (e, i)
            # ... as the latest relabelling (before this epoch) wrote it
            assert torch.equal(labels, previous[i, neck].cpu()), (e, i)
        # after the epoch, its neck (only) was relabelled
        after = probe.banks[e]
        others = [n for n in range(TINY_NECKS) if n != neck]
        assert torch.equal(after[:, others], previous[:, others])
        assert not torch.equal(after[:, neck], previous[:, neck]), f'epoch {e}: no change'
    # iteration 2 trains on the labels of iteration 1's relabelling, not the
    # initial ones, and they differ for some videos
    for e in (2, 3):
        neck = probe.active_necks[e]
        used = torch.stack([probe.used[e][i] for i in range(num_videos)])
        assert torch.equal(used, probe.banks[e - 2][:, neck])
        assert torch.equal(used, probe.banks[e - 1][:, neck])
        changed = (used != probe.initial_bank[:, neck]).flatten(1).any(1)
        assert 0 < int(changed.sum()) <= num_videos
    # the labels of iteration 2 differ from those of iteration 1 (both necks)
    for neck in range(TINY_NECKS):
        first, second = probe.banks[neck], probe.banks[TINY_NECKS + neck]
        assert not torch.equal(first[:, neck], second[:, neck])
    # the final bank is the model's
    assert torch.equal(probe.banks[-1], model.pseudo_labels)


def test_initial_labels(tiny_cfg, build_runner, log_text):
    cfg = tiny_cfg()
    probe = Probe()
    runner = build_runner(cfg, probe)
    runner.train()
    dataset = runner.train_dataloader.dataset
    num_videos = len(dataset)
    assert [dataset.get_data_info(i)['video_index'] for i in range(num_videos)] == \
        list(range(num_videos))
    bank = probe.initial_bank
    assert bank.dtype == torch.bool
    assert bank.shape == (num_videos, TINY_NECKS, TINY_CLUSTERS, TINY_FRAMES)
    # the initial labels are one centre-free cut per video, shared by every
    # neck and centre (DSCNet.compute_labels(initial=True))
    assert torch.equal(bank, bank[:, :1, :1].expand_as(bank))
    # every video got labels: neither all background nor all foreground
    per_video = bank[:, 0, 0].float().mean(1)
    assert bool((per_video > 0).all()) and bool((per_video < 1).all()), per_video
    assert f'[relabel] initial labels for {num_videos} videos, {TINY_NECKS} necks' \
        in log_text(runner)


CENTRE_LABELS_CONFIG = REPO / 'configs' / 'dscnet_demo_centre_labels.py'


def test_initial_labels_depend_on_the_centre(tiny_cfg, build_runner, log_text):
    """configs/dscnet_demo_centre_labels.py: the activity cut of each video
    split among the centres by their visual prototypes (fitted on the
    training set's activity descriptors before the first labels)."""
    cfg = tiny_cfg(config=CENTRE_LABELS_CONFIG)
    probe = Probe()
    runner = build_runner(cfg, probe)
    runner.train()
    bank = probe.initial_bank
    assert bank.shape[1:] == (TINY_NECKS, TINY_CLUSTERS, TINY_FRAMES)
    # each activity frame is 1 for exactly one centre of every neck, and the
    # activity (the union over centres) is the same for every neck
    activity = bank.any(2)                                        # V x N_e x T
    assert torch.equal(bank.sum(2), activity.long())
    assert torch.equal(activity, activity[:, :1].expand_as(activity))
    # the labels depend on the centre
    assert bool((bank != bank[:, :, :1]).any())
    per_video = activity[:, 0].float().mean(1)
    assert bool((per_video > 0).all()) and bool((per_video < 1).all()), per_video
    model = Probe.model(runner)
    assert bool(model.visual_prototypes.any())
    assert '[align] ' in log_text(runner)


def _bank_written_by(hook, runner, necks, fill):
    """The bank after ``hook.relabel(necks)`` when it was ``fill`` before."""
    model = Probe.model(runner)
    model.pseudo_labels[:, necks] = fill
    hook.relabel(runner, necks)
    return model.pseudo_labels.clone()


def test_relabel_fills_the_bank_for_every_video(tiny_cfg, build_runner):
    cfg = tiny_cfg()
    probe = Probe()
    runner = build_runner(cfg, probe)
    runner.train()
    model = probe.model(runner)
    hook = _hook(runner)
    num_videos = len(runner.train_dataloader.dataset)
    assert bool(model.labels_ready) and bool(model.centers_ready)
    assert model.pseudo_labels.shape == (num_videos, TINY_NECKS, TINY_CLUSTERS, TINY_FRAMES)
    assert model.pseudo_labels.dtype == torch.bool
    final = model.pseudo_labels.clone()
    # the last stage relabelled neck 1 with the final model: recomputing
    # gives the same labels (relabelling is deterministic)
    last_neck = probe.active_necks[-1]
    assert torch.equal(_bank_written_by(hook, runner, [last_neck], False)[:, last_neck],
                       final[:, last_neck])
    # a relabelling writes every video's labels: a row that it skipped would
    # keep the False / True it held before
    necks = list(range(TINY_NECKS))
    empty = _bank_written_by(hook, runner, necks, False)
    full = _bank_written_by(hook, runner, necks, True)
    assert torch.equal(empty, full)
    assert not bool(full.flatten(1).all(1).any()), 'a video labelled all-foreground'
    # no video without a single foreground frame for some centre
    fg = full.flatten(2).any(-1)                      # N_videos x N_e
    assert bool(fg.all()), fg


def test_relabel_restores_training_mode(tiny_cfg, build_runner):
    runner = build_runner(tiny_cfg())
    runner.train()
    model = Probe.model(runner)
    hook = _hook(runner)
    for mode in (True, False):
        model.train(mode)
        hook.relabel(runner, [0])
        assert model.training is mode


class _FakeWorld:
    """``all_gather`` between threads standing for ranks."""

    def __init__(self, world_size: int) -> None:
        self.world_size = world_size
        self.local = threading.local()
        self.barrier = threading.Barrier(world_size)
        self.slots = [None] * world_size

    def get_rank(self) -> int:
        return self.local.rank

    def get_world_size(self) -> int:
        return self.world_size

    def all_gather(self, tensor):
        self.barrier.wait()
        self.slots[self.local.rank] = tensor.clone()
        self.barrier.wait()
        out = list(self.slots)
        self.barrier.wait()
        return out


def test_sharded_relabel_equals_single_process(tiny_cfg, build_runner, monkeypatch):
    """Each rank labels its shard; the gathered bank is every rank's and is
    the single-process one (batches of one video, so the power-iteration
    start vectors do not depend on the sharding)."""
    runner = build_runner(tiny_cfg())
    runner.train()
    model = Probe.model(runner)
    dataset = runner.train_dataloader.dataset
    items = [dataset[i] for i in range(len(dataset) - 1 + len(dataset) % 2)]
    assert len(items) % 2 == 1  # uneven shards: the padding path runs

    class Items:
        def __len__(self):
            return len(items)

        def __getitem__(self, i):
            return items[i]

    def relabel(rank_model, necks):
        fake_runner = SimpleNamespace(model=rank_model,
                                      train_dataloader=SimpleNamespace(dataset=Items()))
        IterativeRelabelHook(batch_size=1).relabel(fake_runner, necks)
        return rank_model.pseudo_labels.clone()

    necks = [1, 0]
    single_model = copy.deepcopy(model)
    single_model.pseudo_labels.fill_(True)
    single = relabel(single_model, necks)

    world = _FakeWorld(2)
    monkeypatch.setattr(relabel_module, 'get_rank', world.get_rank)
    monkeypatch.setattr(relabel_module, 'get_world_size', world.get_world_size)
    monkeypatch.setattr(relabel_module, 'all_gather', world.all_gather)
    results, errors = [None, None], []

    def run(rank):
        world.local.rank = rank
        try:
            rank_model = copy.deepcopy(model)
            rank_model.pseudo_labels.fill_(True)
            results[rank] = relabel(rank_model, necks)
        except BaseException as e:  # noqa: B902 (reported below)
            errors.append(e)
            world.barrier.abort()

    threads = [threading.Thread(target=run, args=(r,)) for r in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert torch.equal(results[0], results[1])
    assert torch.equal(results[0], single)
    # every relabelled video was written (the one left out keeps its fill)
    assert not bool(single[:len(items)].flatten(1).all(1).any())
