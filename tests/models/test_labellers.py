"""Pseudo-labellers: the batched N-cut (against a dense generalised
eigensolver) and the similarity-quantile labeller."""
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import torch
import torch.nn.functional as F

from dscnet_plugin.models.labellers import (NCutLabeller, SimilarityQuantileLabeller,
                                            center_similarity, foreground_side,
                                            ncut_fiedler)
from dscnet_plugin.registry import PSEUDO_LABELLERS


# ----------------------------------------------------------------------------
# ncut_fiedler vs scipy.linalg.eigh(D - W, D)
# ----------------------------------------------------------------------------
def gaussian_graph(points, bandwidth):
    d2 = ((points[:, None, :] - points[None, :, :]) ** 2).sum(-1)
    return np.exp(-d2 / bandwidth)


def two_cluster_graph(rng, t):
    n_a = rng.integers(2, t - 1)
    pts = rng.normal(scale=0.3, size=(t, 3))
    pts[:n_a] += [3.0, 0.0, 0.0]
    perm = rng.permutation(t)
    side = np.zeros(t, bool)
    side[:n_a] = True
    return gaussian_graph(pts[perm], 2.0), side[perm]


def random_psd_graph(rng, t):
    pts = rng.normal(size=(t, 4))
    return gaussian_graph(pts, float(rng.uniform(2.0, 8.0)))


def reference_fiedler(w):
    d = np.diag(w.sum(1))
    vals, vecs = scipy.linalg.eigh(d - w, d)
    return vals, vecs[:, 1]


def cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def same_cut(a, b):
    sa, sb = a > 0, b > 0
    return np.array_equal(sa, sb) or np.array_equal(sa, ~sb)


@pytest.mark.parametrize('seed', range(6))
def test_fiedler_two_clusters_matches_dense(seed):
    rng = np.random.default_rng(seed)
    t = int(rng.integers(8, 13))
    w, side = two_cluster_graph(rng, t)
    _, ref = reference_fiedler(w)
    assert same_cut(ref, side.astype(float) - 0.5)     # sanity of the reference
    got = ncut_fiedler(torch.tensor(w)[None], torch.ones(1, t, dtype=torch.bool),
                       num_iters=500, generator=torch.Generator().manual_seed(seed))[0].numpy()
    assert same_cut(got, ref)
    assert abs(cosine(got, ref)) > 0.99


@pytest.mark.parametrize('seed', range(4))
def test_fiedler_random_psd_graphs_match_dense(seed):
    rng = np.random.default_rng(100 + seed)
    t = int(rng.integers(8, 13))
    w = random_psd_graph(rng, t)
    assert np.linalg.eigvalsh(w).min() > -1e-10          # PSD kernel
    vals, ref = reference_fiedler(w)
    assert vals[2] - vals[1] > 1e-3                      # a defined Fiedler vector
    got = ncut_fiedler(torch.tensor(w)[None], torch.ones(1, t, dtype=torch.bool),
                       num_iters=2000, generator=torch.Generator().manual_seed(seed))[0].numpy()
    assert abs(cosine(got, ref)) > 0.99
    # (D - W) y = lambda_2 D y
    y = got / np.linalg.norm(got)
    resid = (np.diag(w.sum(1)) - w) @ y - vals[1] * np.diag(w.sum(1)) @ y
    assert np.linalg.norm(resid) < 1e-2


def test_fiedler_is_d_orthogonal_to_constant():
    rng = np.random.default_rng(7)
    w = random_psd_graph(rng, 10)
    got = ncut_fiedler(torch.tensor(w)[None], torch.ones(1, 10, dtype=torch.bool),
                       num_iters=50)[0].numpy()
    assert abs(got @ w.sum(1)) < 1e-8 * np.abs(got).sum() * w.sum()


def test_fiedler_batched_graphs_independent():
    rng = np.random.default_rng(11)
    graphs = [two_cluster_graph(rng, 10)[0] for _ in range(3)]
    batch = ncut_fiedler(torch.tensor(np.stack(graphs)), torch.ones(3, 10, dtype=torch.bool),
                         num_iters=500).numpy()
    for w, got in zip(graphs, batch):
        _, ref = reference_fiedler(w)
        assert abs(cosine(got, ref)) > 0.99


def test_fiedler_masked_nodes_zero_and_no_influence():
    rng = np.random.default_rng(3)
    t_real, t = 9, 12
    w, _ = two_cluster_graph(rng, t_real)
    _, ref = reference_fiedler(w)
    padded = rng.uniform(0.5, 1.0, size=(t, t))          # junk affinities everywhere ...
    padded = (padded + padded.T) / 2
    padded[:t_real, :t_real] = w                         # ... except the real block
    mask = torch.zeros(1, t, dtype=torch.bool)
    mask[0, :t_real] = True
    got = ncut_fiedler(torch.tensor(padded)[None], mask, num_iters=500,
                       generator=torch.Generator().manual_seed(0))[0].numpy()
    assert np.all(got[t_real:] == 0)
    unpadded = ncut_fiedler(torch.tensor(w)[None], torch.ones(1, t_real, dtype=torch.bool),
                            num_iters=500, generator=torch.Generator().manual_seed(0))[0]
    assert abs(cosine(got[:t_real], unpadded.numpy())) > 0.999
    assert abs(cosine(got[:t_real], ref)) > 0.99


# ----------------------------------------------------------------------------
# foreground_side / center_similarity
# ----------------------------------------------------------------------------
def test_foreground_side_by_similarity():
    side = torch.tensor([[True, True, False, False, False]])
    mask = torch.ones(1, 5, dtype=torch.bool)
    sim_hi = torch.tensor([[0.9, 0.8, 0.1, 0.0, 0.2]])
    sim_lo = torch.tensor([[0.0, 0.1, 0.7, 0.9, 0.8]])
    assert foreground_side(side, sim_hi, mask).tolist() == [[True, True, False, False, False]]
    assert foreground_side(side, sim_lo, mask).tolist() == [[False, False, True, True, True]]


def test_foreground_side_mean_not_sum_and_mask():
    side = torch.tensor([[True, False, False, False, False]])
    # side b has the larger sum (3 x 0.5) but the lower mean
    sim = torch.tensor([[0.6, 0.5, 0.5, 0.5, 5.0]])
    mask = torch.tensor([[True, True, True, True, False]])  # the 5.0 is padding
    assert foreground_side(side, sim, mask).tolist() == [[True, False, False, False, False]]


def test_foreground_side_without_similarity_picks_smaller_side():
    mask = torch.tensor([[True] * 5 + [False] * 3])
    side = torch.tensor([[True, True, True, False, False, True, True, True]])
    # a = 3 real, b = 2 real (padding on side a does not count)
    expected = [[False, False, False, True, True, False, False, False]]
    assert foreground_side(side, None, mask).tolist() == expected
    assert foreground_side(~side, None, mask).tolist() == expected


def test_foreground_side_empty_side():
    mask = torch.ones(1, 4, dtype=torch.bool)
    side = torch.zeros(1, 4, dtype=torch.bool)          # a is empty
    assert foreground_side(side, None, mask).tolist() == [[True] * 4]


def test_center_similarity_broadcasts_shared_centres():
    frames = torch.tensor([[[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]]).expand(2, -1, -1)
    centers = torch.tensor([[[3.0, 0.0], [0.0, -1.0]]])
    sim = center_similarity(frames, centers)
    assert sim.shape == (2, 2, 3)
    r = float(1 / np.sqrt(2))
    torch.testing.assert_close(sim[1], torch.tensor([[1.0, 0.0, r], [0.0, -1.0, -r]]))


# ----------------------------------------------------------------------------
# NCutLabeller
# ----------------------------------------------------------------------------
D = 6
E1, E2 = torch.eye(D)[0], torch.eye(D)[1]


def two_event_video(order, noise_seed, t_pad=0):
    """Frames along ``E1`` where ``order`` is 1 and along ``E2`` elsewhere,
    small noise, ``t_pad`` padded (random) frames at the end."""
    g = torch.Generator().manual_seed(noise_seed)
    order = torch.tensor(order, dtype=torch.bool)
    frames = torch.where(order[:, None], E1, E2) + 0.05 * torch.randn(len(order), D, generator=g)
    pad = 3 * torch.randn(t_pad, D, generator=g)
    mask = torch.cat([torch.ones(len(order), dtype=torch.bool),
                      torch.zeros(t_pad, dtype=torch.bool)])
    return torch.cat([frames, pad]), mask, torch.cat([order, torch.zeros(t_pad, dtype=torch.bool)])


ORDER_A = [0, 0, 1, 1, 1, 0, 0, 0, 0, 0]               # 3 frames of event E1
ORDER_B = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]               # 6 frames of event E1


def test_ncut_labeller_separates_clusters_by_centre():
    frames, mask, truth = two_event_video(ORDER_A, 0)
    centers = torch.stack([E1 + 0.1 * E2, E2, E1])[None]   # 1 x 3 x D
    labels = NCutLabeller(num_iters=200)(frames[None], centers, mask[None])
    assert labels.shape == (1, 3, 10) and labels.dtype == torch.bool
    assert labels[0, 0].tolist() == truth.tolist()
    assert labels[0, 1].tolist() == (~truth).tolist()     # the larger side when it matches
    assert labels[0, 2].tolist() == truth.tolist()


@pytest.mark.parametrize('center_weight', [0.0, 1.0, 3.0])
def test_ncut_labeller_center_weight(center_weight):
    frames, mask, truth = two_event_video(ORDER_B, 1)
    lab = NCutLabeller(center_weight=center_weight, num_iters=200)
    labels = lab(frames[None], torch.stack([E2, E1])[None], mask[None])
    assert labels[0, 0].tolist() == (~truth).tolist()
    assert labels[0, 1].tolist() == truth.tolist()


def test_ncut_labeller_without_centres_labels_smaller_side():
    frames_a, mask_a, truth_a = two_event_video(ORDER_A, 2)
    frames_b, mask_b, truth_b = two_event_video(ORDER_B, 3)
    labels = NCutLabeller(num_iters=200)(torch.stack([frames_a, frames_b]), None,
                                         torch.stack([mask_a, mask_b]))
    assert labels.shape == (2, 1, 10)
    assert labels[0, 0].tolist() == truth_a.tolist()          # E1 is the smaller (3)
    assert labels[1, 0].tolist() == (~truth_b).tolist()       # E2 is the smaller (4)


def test_ncut_labeller_padded_frames_false_and_ignored():
    frames, mask, truth = two_event_video(ORDER_A, 4, t_pad=4)
    centers = torch.stack([E1, E2])[None]
    lab = NCutLabeller(num_iters=200)
    labels = lab(frames[None], centers, mask[None])
    assert labels.shape == (1, 2, 14)
    assert not labels[0, :, 10:].any()
    assert labels[0, 0, :10].tolist() == truth[:10].tolist()
    # same as the unpadded video
    unpadded = lab(frames[None, :10], centers, mask[None, :10])
    assert torch.equal(labels[..., :10], unpadded)
    # padded frames near E1 are still False (and would not attract a cut)
    frames2 = frames.clone()
    frames2[10:] = E1
    assert torch.equal(lab(frames2[None], centers, mask[None]), labels)
    none_labels = lab(frames[None], None, mask[None])
    assert not none_labels[0, 0, 10:].any()


def batch_of_videos(t_pad=(0, 2, 0, 3)):
    orders = [ORDER_A, ORDER_B, ORDER_B[::-1], [0, 1, 1, 0, 0, 0, 0, 1, 1, 0]]
    vids = [two_event_video(o, 10 + k, t_pad=p) for k, (o, p) in enumerate(zip(orders, t_pad))]
    t = max(v[0].size(0) for v in vids)
    frames = torch.zeros(4, t, D)
    mask = torch.zeros(4, t, dtype=torch.bool)
    for k, (f, m, _) in enumerate(vids):
        frames[k, :len(f)] = f
        mask[k, :len(m)] = m
    return frames, mask


@pytest.mark.parametrize('per_video_centres', [False, True])
def test_ncut_labeller_batched_matches_per_video(per_video_centres):
    frames, mask = batch_of_videos()
    if per_video_centres:
        g = torch.Generator().manual_seed(0)
        centers = torch.stack([E1, E2, E1 + E2])[None].repeat(4, 1, 1)
        centers = centers + 0.05 * torch.randn(4, 3, D, generator=g)
    else:
        centers = torch.stack([E1, E2, E1 + 0.2 * E2])[None]
    lab = NCutLabeller(num_iters=200)
    batched = lab(frames, centers, mask)
    assert batched.shape == (4, 3, frames.size(1))
    for k in range(4):
        c = centers if centers.size(0) == 1 else centers[k:k + 1]
        single = lab(frames[k:k + 1], c, mask[k:k + 1])
        assert torch.equal(batched[k:k + 1], single), k
    # centre-free cuts too
    batched_none = lab(frames, None, mask)
    for k in range(4):
        assert torch.equal(batched_none[k:k + 1], lab(frames[k:k + 1], None, mask[k:k + 1]))


@pytest.mark.parametrize('per_video_centres', [False, True])
@pytest.mark.parametrize('max_graphs', [1, 3, 5, 6, 100])
def test_ncut_labeller_chunking_identical(max_graphs, per_video_centres):
    frames, mask = batch_of_videos()
    centers = torch.stack([E1, E2, E1 + 0.2 * E2])[None]
    if per_video_centres:   # chunks must take their own videos' centres
        centers = torch.stack([centers[0], centers[0].flip(0), centers[0],
                               centers[0].roll(1, 0)])
    full = NCutLabeller(num_iters=200)(frames, centers, mask)
    chunked = NCutLabeller(num_iters=200, max_graphs=max_graphs)(frames, centers, mask)
    assert torch.equal(full, chunked)
    full_none = NCutLabeller(num_iters=200)(frames, None, mask)
    assert torch.equal(full_none,
                       NCutLabeller(num_iters=200, max_graphs=max_graphs)(frames, None, mask))


def test_ncut_labeller_affinity_depends_on_centre():
    frames, mask, _ = two_event_video(ORDER_A, 0)
    lab = NCutLabeller(center_weight=2.0)
    sim = center_similarity(frames[None], torch.stack([E1, E2 + E1])[None])
    w = lab.affinity(frames[None], sim, mask[None])
    assert w.shape == (1, 2, 10, 10)
    torch.testing.assert_close(w, w.transpose(-1, -2))
    torch.testing.assert_close(torch.diagonal(w, dim1=-2, dim2=-1), torch.ones(1, 2, 10))
    assert not torch.allclose(w[0, 0], w[0, 1])
    # by hand for one pair: d = |f_a - f_b|^2 (unit f) + (gamma (s_a - s_b))^2
    f = F.normalize(frames, dim=-1)
    d = ((f[:, None] - f[None]) ** 2).sum(-1) + (2.0 * (sim[0, 0][:, None] - sim[0, 0][None])) ** 2
    torch.testing.assert_close(w[0, 0], torch.exp(-d / d.mean()), rtol=1e-4, atol=1e-5)
    assert isinstance(PSEUDO_LABELLERS.build(dict(type='NCutLabeller')), NCutLabeller)


# ----------------------------------------------------------------------------
# SimilarityQuantileLabeller
# ----------------------------------------------------------------------------
def test_quantile_labeller_top_fraction():
    # frame t has angle t * 9 deg from E1 in the (E1, E2) plane: similarity
    # to E1 decreases with t
    t = 10
    ang = torch.deg2rad(torch.arange(t, dtype=torch.float32) * 9)
    frames = torch.zeros(1, t, D)
    frames[0, :, 0], frames[0, :, 1] = torch.cos(ang), torch.sin(ang)
    mask = torch.ones(1, t, dtype=torch.bool)
    centers = torch.stack([E1, E2])[None]
    labels = SimilarityQuantileLabeller(quantile=0.7)(frames, centers, mask)
    assert labels.shape == (1, 2, t)
    assert labels[0, 0].tolist() == [True] * 3 + [False] * 7     # top 30 % for E1
    assert labels[0, 1].tolist() == [False] * 7 + [True] * 3     # top 30 % for E2
    half = SimilarityQuantileLabeller(quantile=0.5)(frames, centers, mask)
    assert half[0, 0].sum() == 5 and half[0, 0, :5].all()


def test_quantile_labeller_ignores_padding():
    t = 10
    ang = torch.deg2rad(torch.arange(t, dtype=torch.float32) * 9)
    frames = torch.zeros(1, t + 5, D)
    frames[0, :t, 0], frames[0, :t, 1] = torch.cos(ang), torch.sin(ang)
    frames[0, t:] = E1                                   # padded frames most similar
    mask = torch.zeros(1, t + 5, dtype=torch.bool)
    mask[0, :t] = True
    labels = SimilarityQuantileLabeller(quantile=0.7)(frames, E1[None, None], mask)
    assert labels[0, 0].tolist() == [True] * 3 + [False] * 12


def test_quantile_labeller_without_centres_labels_distinctive_frames():
    frames, mask, truth = two_event_video(ORDER_A, 5)   # 3 frames of E1, 7 of E2
    labels = SimilarityQuantileLabeller(quantile=0.7)(frames[None], None, mask[None])
    assert labels.shape == (1, 1, 10)
    assert labels[0, 0].tolist() == truth.tolist()
    assert isinstance(PSEUDO_LABELLERS.build(dict(type='SimilarityQuantileLabeller')),
                      SimilarityQuantileLabeller)


def test_ncut_labels_do_not_depend_on_batching_or_chunking():
    """A video's labels are the same whichever videos share its batch (the
    relabelling batches, and each rank's shard under DDP) or chunk."""
    torch.manual_seed(0)
    frames = torch.randn(40, 20, 8)
    frames[:, 5:12] += 3 * torch.randn(40, 1, 8)
    centers = torch.randn(1, 4, 8)
    mask = torch.ones(40, 20, dtype=torch.bool)
    labeller = NCutLabeller(num_iters=100)
    whole = labeller(frames, centers, mask)
    batched = torch.cat([labeller(frames[i:i + 7], centers, mask[i:i + 7])
                         for i in range(0, 40, 7)])
    chunked = NCutLabeller(num_iters=100, max_graphs=8)(frames, centers, mask)
    assert torch.equal(whole, batched)
    assert torch.equal(whole, chunked)


# --- ActivitySplitLabeller
# ----------------------------------------------------------------------------
# ActivitySplitLabeller: the activity cut split among the centres
# ----------------------------------------------------------------------------
from dscnet_plugin.models.labellers import ActivitySplitLabeller  # noqa: E402

ASL_PAD = 1e6                                           # huge values on padded frames


def test_activity_split_gives_each_activity_frame_to_one_centre():
    activity = torch.tensor([[0, 1, 1, 1, 0],
                             [1, 1, 0, 0, 0]], dtype=torch.bool)   # video 1: t 3, 4 padded
    scores = torch.tensor([[[9., 1, 0, 0, 5], [0, 2, 0, 3, 0], [0, 0, 4, 1, 0]],
                           [[1., 0, 7, 7, 7], [0, 0, 0, 0, 0], [0, 5, 0, 0, 0]]])
    labels = ActivitySplitLabeller().split(activity, scores)
    expected = torch.tensor([[[0, 0, 0, 0, 0], [0, 1, 0, 1, 0], [0, 0, 1, 0, 0]],
                             [[1, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 1, 0, 0, 0]]],
                            dtype=torch.bool)
    assert labels.dtype == torch.bool
    assert torch.equal(labels, expected)
    # exactly one centre on each activity frame, none elsewhere
    assert torch.equal(labels.sum(1), activity.long())


def test_segment_split_gives_each_activity_run_whole_to_its_best_mean_centre():
    activity = torch.tensor([[0, 1, 1, 1, 0, 1, 1],
                             [1, 1, 0, 0, 0, 0, 0]], dtype=torch.bool)
    # run 1 of video 0 (t 1-3): frame argmax 0, 1, 1 but mean best for centre 0
    # (9 + 1 + 1 vs 0 + 2 + 2); run 2 (t 5-6): centre 2; video 1's run: centre 0
    # (mean 1 vs 0.5)
    scores = torch.tensor([[[0., 9, 1, 1, 5, 0, 0], [0, 0, 2, 2, 0, 1, 0], [7, 0, 0, 0, 0, 0, 3]],
                           [[0., 2, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0]]])
    labels = ActivitySplitLabeller(split_mode='segment').split(activity, scores)
    expected = torch.tensor([[[0, 1, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1, 1]],
                             [[1, 1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0]]],
                            dtype=torch.bool)
    assert torch.equal(labels, expected)
    # the frame split of the same scores breaks run 1 between centres 0 and 1
    frames = ActivitySplitLabeller().split(activity, scores)
    assert frames[0, 0, 1] and frames[0, 1, 2] and frames[0, 1, 3]
    assert torch.equal(labels.sum(1), activity.long())


def test_segment_means_average_each_run_and_keep_other_frames():
    from dscnet_plugin.models.labellers.activity_split_labeller import segment_means
    activity = torch.tensor([[1, 1, 0, 1, 0]], dtype=torch.bool)
    scores = torch.tensor([[[1., 3, 7, 5, 9], [2, 0, 8, 1, 6]]])
    means = segment_means(activity, scores)
    assert torch.equal(means, torch.tensor([[[2., 2, 7, 5, 9], [1, 1, 8, 1, 6]]]))
    assert torch.equal(segment_means(torch.zeros(1, 5, dtype=torch.bool), scores), scores)


def test_activity_split_refuses_an_unknown_split_mode():
    with pytest.raises(ValueError, match="split_mode must be one of \\('frame', 'segment'\\)"):
        ActivitySplitLabeller(split_mode='run')


def test_an_unknown_split_mode_ends_the_tools_with_one_error_line():
    from dscnet_plugin.utils import run_tool
    with pytest.raises(SystemExit, match="^error: ActivitySplitLabeller: split_mode must be"):
        run_tool(lambda: ActivitySplitLabeller(split_mode='run'))


def test_activity_split_call_nothing_on_padded_frames():
    mask = torch.tensor([[1, 1, 1, 0, 0]], dtype=torch.bool)
    activity = torch.tensor([[0, 1, 1, 1, 1]], dtype=torch.bool)    # True on padding too
    frames = torch.tensor([[[1., 0], [1, 0], [0, 1], [1, 0], [0, 1]]])
    centers = torch.tensor([[[1., 0.1], [0.1, 1]]])
    labeller = ActivitySplitLabeller(activity=dict(type='NCutLabeller', num_iters=20))
    labels = labeller(frames, centers, mask, activity=activity)
    assert labels.tolist() == [[[False, True, False, False, False],
                                [False, False, True, False, False]]]
    alone = labeller(frames, None, mask, activity=activity)
    assert alone.shape == (1, 1, 5)
    assert alone.tolist() == [[[False, True, True, False, False]]]


def test_activity_split_centred_subtracts_mean_of_non_activity_frames():
    feats = torch.tensor([[[1., 2], [3, 4], [10, 10], [ASL_PAD, ASL_PAD]],
                          [[2., 0], [4, 2], [0, 4], [-ASL_PAD, ASL_PAD]]], dtype=torch.float64)
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 1, 0]], dtype=torch.bool)
    activity = torch.tensor([[0, 0, 1, 0], [1, 1, 1, 0]], dtype=torch.bool)
    out = ActivitySplitLabeller.centred(feats, activity, mask)
    # video 0: mean of frames 0, 1 = (2, 3); video 1 has no non-activity
    # real frame: mean of all its real frames = (2, 2)
    expected = torch.tensor([[[-1., -1], [1, 1], [8, 7]],
                             [[0., -2], [2, 0], [-2, 2]]], dtype=torch.float64)
    assert torch.equal(out[:, :3], expected)
    assert torch.equal(out[:, 3], feats[:, 3] - torch.tensor([[2., 3], [2, 2]],
                                                             dtype=torch.float64))
    other_pad = feats.clone()
    other_pad[:, 3] = torch.tensor([[-7e8, 3e7], [5e9, 1.0]], dtype=torch.float64)
    assert torch.equal(ActivitySplitLabeller.centred(other_pad, activity, mask)[:, :3],
                       expected)


def asl_videos():
    """3 videos (T = 12, lengths 12, 10, 8): background frames along e_1,
    activity frames along e_0 (5, 3, 4 of them), huge random padding."""
    g = torch.Generator().manual_seed(0)
    truth = torch.zeros(3, 12, dtype=torch.bool)
    truth[0, 2:7], truth[1, 6:9], truth[2, 0:4] = True, True, True
    mask = torch.arange(12)[None] < torch.tensor([12, 10, 8])[:, None]
    eye = torch.eye(6)
    noise = 0.05 * torch.randn(3, 12, 6, generator=g)
    feats = torch.where(truth[..., None], eye[0], eye[1]) + noise
    feats = torch.where(mask[..., None], feats, ASL_PAD * torch.randn(3, 12, 6, generator=g))
    return feats, mask, truth


def asl_labeller(per_video=4):
    return ActivitySplitLabeller(activity=dict(type='NCutLabeller', num_iters=20),
                                 descriptors_per_video=per_video)


def test_activity_split_descriptors_are_centred_activity_rows():
    feats, mask, truth = asl_videos()
    labeller = asl_labeller(per_video=4)
    act = labeller.activity(feats, mask, torch.Generator().manual_seed(3)) & mask
    assert torch.equal(act, truth)                      # the set-up cuts as planted
    centred = ActivitySplitLabeller.centred(feats, act, mask)
    desc, video = labeller.descriptors(feats, mask, torch.Generator().manual_seed(3))
    assert desc.shape == (4 + 3 + 4, 6)
    owners, frames = [], []
    for row in desc:
        hit = (centred == row).all(-1) & act            # B x T: equal activity rows
        assert hit.sum() == 1, 'a descriptor is not a centred activity frame'
        owners.append(int(hit.nonzero()[0, 0]))
        frames.append(int(hit.nonzero()[0, 1]))
    assert owners == video.tolist()                     # the returned owner of each row
    assert torch.bincount(torch.tensor(owners), minlength=3).tolist() == [4, 3, 4]
    assert len({tuple(r.tolist()) for r in desc}) == len(desc)   # no frame twice
    # evenly spaced over each video's activity: ranks floor(i n / k)
    for b in range(3):
        where = act[b].nonzero().flatten().tolist()
        n = len(where)
        want = sorted({where[i * n // 4] for i in range(4)})
        assert [f for o, f in zip(owners, frames) if o == b] == want


def test_activity_split_descriptors_do_not_depend_on_the_batch():
    """A video's descriptors are the same alone, in another batch order, or
    with other videos (sharded relabelling gathers the same set)."""
    feats, mask, _ = asl_videos()
    labeller = asl_labeller(per_video=2)
    rows, video = labeller.descriptors(feats, mask)
    assert rows.shape == (6, 6) and video.tolist() == [0, 0, 1, 1, 2, 2]
    flipped, fv = labeller.descriptors(feats.flip(0), mask.flip(0))
    assert torch.equal(flipped, torch.cat([rows[4:], rows[2:4], rows[:2]]))
    alone, av = labeller.descriptors(feats[1:2], mask[1:2])
    assert torch.equal(alone, rows[2:4]) and av.tolist() == [0, 0]


def test_activity_split_call_with_centres_splits_own_cut_by_cosine():
    feats, mask, truth = asl_videos()
    labeller = asl_labeller()
    eye = torch.eye(6)
    centers = torch.stack([eye[0] + eye[2], eye[0] - eye[2], eye[1]])[None]   # 1 x 3 x 6
    labels = labeller(feats, centers, mask, torch.Generator().manual_seed(0))
    assert labels.shape == (3, 3, 12)
    act = labeller.activity(feats, mask, torch.Generator().manual_seed(0)) & mask
    assert torch.equal(act, truth)
    expected = labeller.split(act, center_similarity(feats, centers))
    assert torch.equal(labels, expected)
    assert torch.equal(labels.sum(1), truth.long())
    assert not labels[:, 2].any()                        # the background centre gets none
    # the noise's sign along e_2 decides between centres 0 and 1: both get frames
    assert labels[:, 0].any() and labels[:, 1].any()
    alone = labeller(feats, None, mask, torch.Generator().manual_seed(0))
    assert alone.shape == (3, 1, 12)
    assert torch.equal(alone[:, 0], truth)
    assert isinstance(PSEUDO_LABELLERS.build(dict(type='ActivitySplitLabeller')),
                      ActivitySplitLabeller)


# ----------------------------------------------------------------------------
# NCutLabeller at the configs' own settings
# ----------------------------------------------------------------------------
def config_labellers():
    """``(name, num_iters, bandwidth)`` of the pseudo labeller of the paper
    config and of the demo config (read from the files, not copied)."""
    from mmengine.config import Config
    root = Path(__file__).resolve().parents[2] / 'configs'
    out = []
    for name in ('_base_/models/dscnet.py', 'dscnet_demo.py'):
        cfg = Config.fromfile(str(root / name)).model.pseudo_labeller
        cfg = cfg.get('activity', cfg)  # the N-cut inside an activity-split labeller
        out.append((name, int(cfg.num_iters), float(cfg.get('bandwidth', 1.0))))
    return out


def ramp_video(t=40, seed=5):
    """A hard case: frames drifting from ``E1`` to ``E2`` with noise, no clear cut."""
    g = torch.Generator().manual_seed(seed)
    a = torch.linspace(0, 1, t)[:, None]
    return (1 - a) * E1 + a * E2 + 0.3 * torch.randn(t, D, generator=g)


def labels_for_seeds(labeller, frames, centers, mask, seeds=range(6)):
    return [labeller(frames, centers, mask, generator=torch.Generator().manual_seed(s))
            for s in seeds]


@pytest.mark.parametrize('name,num_iters,bandwidth', config_labellers())
def test_start_vector_matters_only_before_convergence(name, num_iters, bandwidth):
    centers = torch.stack([E1, E2])[None]
    frames, mask, truth = two_event_video(ORDER_B, 1)
    labeller = NCutLabeller(num_iters=num_iters, bandwidth=bandwidth)
    # a clear two-segment signal: every start vector gives the true cut
    for labels in labels_for_seeds(labeller, frames[None], centers, mask[None]):
        assert labels[0, 0].tolist() == truth.tolist(), name     # centre E1: the E1 frames
        assert labels[0, 1].tolist() == (~truth).tolist(), name
    # a hard case: converged at the config's num_iters (one cut whatever the
    # start), not after 2 iterations (the cut then follows the start vector)
    hard, full = ramp_video()[None], torch.ones(1, 40, dtype=torch.bool)
    converged = labels_for_seeds(labeller, hard, centers, full)
    assert all(torch.equal(converged[0], x) for x in converged[1:]), name
    early = labels_for_seeds(NCutLabeller(num_iters=2, bandwidth=bandwidth), hard, centers, full)
    assert sum(not torch.equal(early[0], x) for x in early[1:]) >= 3, name
    assert not all(torch.equal(converged[0], x) for x in early)


@pytest.mark.parametrize('name,num_iters,bandwidth', config_labellers())
@pytest.mark.parametrize('scale', [1e3, 1e30])
def test_padded_frames_of_any_size_change_no_real_label(name, num_iters, bandwidth, scale):
    frames, mask, truth = two_event_video(ORDER_A, 4, t_pad=4)
    centers = torch.stack([E1, E2])[None]
    labeller = NCutLabeller(num_iters=num_iters, bandwidth=bandwidth)
    alone = labeller(frames[None, :10], centers, mask[None, :10])
    alone_free = labeller(frames[None, :10], None, mask[None, :10])
    padded = frames.clone()
    padded[10:] = scale * torch.randn(4, D, generator=torch.Generator().manual_seed(1))
    labels = labeller(padded[None], centers, mask[None])
    assert torch.equal(labels[..., :10], alone) and not labels[..., 10:].any()
    assert labels[0, 0, :10].tolist() == truth[:10].tolist()
    free = labeller(padded[None], None, mask[None])
    assert torch.equal(free[..., :10], alone_free) and not free[..., 10:].any()


@pytest.mark.parametrize('value', [float('nan'), float('inf')])
def test_non_finite_padded_frames_change_no_real_label(value):
    frames, mask, _ = two_event_video(ORDER_A, 4, t_pad=4)
    centers = torch.stack([E1, E2])[None]
    labeller = NCutLabeller(num_iters=100)
    alone = labeller(frames[None, :10], centers, mask[None, :10])
    padded = frames.clone()
    padded[10:] = value
    assert torch.equal(labeller(padded[None], centers, mask[None])[..., :10], alone)
