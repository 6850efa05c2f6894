"""Cross-modal aligners: ``match_clusters`` (FAQ quadratic assignment) and
``ClusterMatchingAligner`` (visual clusters of activity descriptors paired
with the text centres)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dscnet_plugin.models.aligners import ClusterMatchingAligner, match_clusters
from dscnet_plugin.models.aligners.cluster_matching_aligner import centred_cosine
from dscnet_plugin.registry import CROSS_MODAL_ALIGNERS


def planted_problem(k, seed, noise=0.01):
    """Text similarities and shares, and their visual counterparts permuted
    by a planted ``perm`` (text cluster ``j`` is visual cluster
    ``perm[j]``) with small symmetric noise on the similarities."""
    rng = np.random.default_rng(seed)
    text_sim = centred_cosine(torch.as_tensor(rng.normal(size=(k, 6))))
    text_share = rng.dirichlet(np.ones(k))
    assert len(np.unique(np.round(text_share, 6))) == k           # distinct shares
    perm = rng.permutation(k)
    inv = np.argsort(perm)                                        # visual a is text inv[a]
    eps = rng.normal(scale=noise, size=(k, k))
    visual_sim = text_sim[np.ix_(inv, inv)] + (eps + eps.T) / 2
    visual_share = text_share[inv]
    return text_sim, visual_sim, text_share, visual_share, perm


# ----------------------------------------------------------------------------
# match_clusters
# ----------------------------------------------------------------------------
@pytest.mark.parametrize('k', [8, 16])
def test_match_clusters_recovers_planted_permutation(k):
    text_sim, visual_sim, text_share, visual_share, perm = planted_problem(k, seed=k)
    assert not np.array_equal(perm, np.arange(k))
    got = match_clusters(text_sim, visual_sim, text_share, visual_share, restarts=3)
    np.testing.assert_array_equal(got, perm)


def test_match_clusters_frequency_weight_zero_uses_geometry_only():
    k = 8
    text_sim, visual_sim, text_share, _, perm = planted_problem(k, seed=1)
    rng = np.random.default_rng(5)
    # shares that point to other pairings than the geometry's
    for wrong in (rng.dirichlet(np.ones(k)), np.sort(text_share)[::-1].copy()):
        got = match_clusters(text_sim, visual_sim, text_share, wrong,
                             frequency_weight=0.0, restarts=3)
        np.testing.assert_array_equal(got, perm)
        # at weight 1 the same wrong shares do pull the pairing away
        misled = match_clusters(text_sim, visual_sim, text_share, wrong,
                                frequency_weight=1.0, restarts=3)
        assert not np.array_equal(misled, perm)


def test_match_clusters_shares_decide_without_geometry():
    # no geometry (all off-diagonal similarities 0): the objective is
    # sum_j a_jj b_pi(j)pi(j), maximised by pairing the shares by rank
    k = 8
    rng = np.random.default_rng(2)
    text_share = rng.dirichlet(np.ones(k))
    perm = rng.permutation(k)
    visual_share = np.empty(k)
    visual_share[perm] = text_share
    flat = np.zeros((k, k))
    got = match_clusters(flat, flat, text_share, visual_share, frequency_weight=1.0,
                         restarts=3)
    np.testing.assert_array_equal(got, perm)


# ----------------------------------------------------------------------------
# ClusterMatchingAligner
# ----------------------------------------------------------------------------
D = 8


def blobs(sizes, seed=0, scale=0.02):
    """``M x D`` descriptors from well-separated blobs (means ``4 e_k`` plus
    a common offset) of the given sizes, shuffled; also each point's blob."""
    g = torch.Generator().manual_seed(seed)
    means = 4.0 * torch.eye(D)[:len(sizes)] + torch.linspace(-1, 1, D)
    label = torch.cat([torch.full((n,), k) for k, n in enumerate(sizes)])
    x = means[label] + scale * torch.randn(len(label), D, generator=g)
    order = torch.randperm(len(label), generator=g)
    return x[order], label[order]


def blob_directions(x, label, k):
    """Unit direction of each blob in the aligner's centred space."""
    u = F.normalize(x - x.mean(0, keepdim=True), dim=-1)
    return F.normalize(torch.stack([u[label == c].mean(0) for c in range(k)]), dim=-1)


def nearest_blob(protos, dirs):
    """``... x K`` index of the blob each prototype points to, and the cosine."""
    cos = protos @ dirs.T
    return cos.argmax(-1), cos.max(-1).values


def test_aligner_identity_returns_visual_centroids_in_order_for_every_neck():
    x, _ = blobs([12, 9, 6, 4])
    aligner = ClusterMatchingAligner(match='identity', seed=3)
    centers = torch.randn(3, 4, 5)
    out = aligner(x, centers)
    cents, share = aligner.visual_clusters(x, 4)
    assert out.shape == (3, 4, D)
    for i in range(3):
        torch.testing.assert_close(out[i], cents, rtol=0, atol=0)
    torch.testing.assert_close(out.norm(dim=-1), torch.ones(3, 4))
    np.testing.assert_allclose(np.sort(share), np.sort([12, 9, 6, 4]) / 31)


def test_aligner_frequency_pairs_by_share_rank():
    sizes = [20, 5, 12, 8]                        # visual ranks: 0, 2, 3, 1
    x, label = blobs(sizes, seed=1)
    dirs = blob_directions(x, label, 4)
    center_share = torch.tensor([[0.1, 0.4, 0.2, 0.3],     # text ranks: 1, 3, 2, 0
                                 [0.7, 0.05, 0.15, 0.1]])  # text ranks: 0, 2, 3, 1
    out = ClusterMatchingAligner(match='frequency')(x, torch.randn(2, 4, 5), center_share)
    by_rank = np.argsort(-np.array(sizes))        # blob of visual rank r
    for i in range(2):
        text_rank = np.argsort(np.argsort(-center_share[i].numpy()))
        blob, cos = nearest_blob(out[i], dirs)
        assert cos.min() > 0.99
        np.testing.assert_array_equal(blob.numpy(), by_rank[text_rank])
    # most frequent text centre <- most frequent (largest) visual blob
    assert nearest_blob(out[0, 1], dirs)[0] == 0
    assert nearest_blob(out[1, 0], dirs)[0] == 0


def test_aligner_qap_recovers_planted_pairing():
    k = 5
    g = torch.Generator().manual_seed(4)
    means = 3.0 * torch.randn(k, D, generator=g)
    label = torch.arange(k).repeat_interleave(10)                 # equal sizes
    x = means[label] + 0.02 * torch.randn(len(label), D, generator=g)
    dirs = blob_directions(x, label, k)
    perm = torch.tensor([3, 0, 4, 1, 2])                          # text j <- blob perm[j]
    q, _ = torch.linalg.qr(torch.randn(D, D, generator=g))        # another space
    centers = (dirs[perm] @ q).unsqueeze(0).repeat(2, 1, 1)       # 2 necks
    out = ClusterMatchingAligner(match='qap', restarts=3)(x, centers)
    for i in range(2):
        blob, cos = nearest_blob(out[i], dirs)
        assert cos.min() > 0.99
        torch.testing.assert_close(blob, perm, rtol=0, atol=0)
    # the identity pairing of the same problem is another one (a real test)
    ident = ClusterMatchingAligner(match='identity')(x, centers)
    assert not torch.equal(nearest_blob(ident[0], dirs)[0], perm)


def test_aligner_too_few_descriptors():
    with pytest.raises(ValueError, match='2 activity descriptors cannot make 3 visual'):
        ClusterMatchingAligner()(torch.randn(2, D), torch.randn(1, 3, 4))


def test_aligner_invalid_match_mode():
    with pytest.raises(ValueError, match="match must be one of .*'greedy'"):
        ClusterMatchingAligner(match='greedy')


def test_aligner_registered():
    assert CROSS_MODAL_ALIGNERS.get('ClusterMatchingAligner') is ClusterMatchingAligner


# ----------------------------------------------------------------------------
# pair swaps, frequency pairing, the text side's geometry
# ----------------------------------------------------------------------------
def test_two_opt_reaches_the_planted_optimum_from_a_wrong_start():
    from dscnet_plugin.models.aligners.cluster_matching_aligner import qap_objective, two_opt
    a, b, *_, perm = planted_problem(8, seed=3, noise=0.0)
    start = perm.copy()
    start[[0, 1]], start[[2, 5]] = start[[1, 0]], start[[5, 2]]   # two wrong swaps
    assert qap_objective(a, b, start) < qap_objective(a, b, perm)
    np.testing.assert_array_equal(two_opt(a, b, start), perm)
    np.testing.assert_array_equal(two_opt(a, b, perm), perm)      # a local optimum stays


def test_frequency_pairing_pairs_share_ranks():
    from dscnet_plugin.models.aligners import frequency_pairing
    text = np.array([0.1, 0.5, 0.15, 0.25])
    visual = np.array([0.3, 0.05, 0.45, 0.2])
    # ranks: text 1 > 3 > 2 > 0, visual 2 > 0 > 3 > 1
    np.testing.assert_array_equal(frequency_pairing(text, visual), [1, 2, 3, 0])


def test_aligner_takes_the_text_geometry_from_the_word_means():
    """With ``center_words`` the text side's similarities are the word means',
    not the centres' own: centres in an unrelated space still pair right
    when the word means carry the planted geometry."""
    k = 5
    g = torch.Generator().manual_seed(4)
    means = 3.0 * torch.randn(k, D, generator=g)
    label = torch.arange(k).repeat_interleave(10)
    x = means[label] + 0.02 * torch.randn(len(label), D, generator=g)
    dirs = blob_directions(x, label, k)
    perm = torch.tensor([3, 0, 4, 1, 2])
    q, _ = torch.linalg.qr(torch.randn(D, D, generator=g))
    words = (dirs[perm] @ q).unsqueeze(0).repeat(2, 1, 1)            # the planted geometry
    noise = torch.randn(2, k, 7, generator=g)                           # centres: unrelated
    by_words = ClusterMatchingAligner(match='qap', restarts=3)(x, noise, None, words)
    for i in range(2):
        torch.testing.assert_close(nearest_blob(by_words[i], dirs)[0], perm, rtol=0, atol=0)
    by_necks = ClusterMatchingAligner(match='qap', restarts=3, text_geometry='necks')(
        x, words, None, noise)                                          # necks carry it now
    torch.testing.assert_close(nearest_blob(by_necks[0], dirs)[0], perm, rtol=0, atol=0)
    with pytest.raises(ValueError, match='text_geometry'):
        ClusterMatchingAligner(text_geometry='both')
