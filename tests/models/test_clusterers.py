"""Neck clusterers: batched k-means and the centre modes of paper Table 3."""
import pytest
import torch

from dscnet_plugin.models.clusterers import (KMeansNeckClusterer,
                                             SphericalKMeansNeckClusterer, batched_kmeans)
from dscnet_plugin.registry import NECK_CLUSTERERS

# three well separated blob means per neck index (N_e = 2), different per index
MEANS = torch.tensor([
    [[10.0, 0.0, 0.0], [0.0, 10.0, 0.0], [0.0, 0.0, 10.0]],
    [[-10.0, -10.0, 0.0], [10.0, -10.0, 5.0], [0.0, 20.0, -10.0]],
])
PER_BLOB = 8


def blob_necks(seed=0):
    """``M x N_e x d`` necks: M = 3 * PER_BLOB queries; query q belongs to
    blob ``q % 3`` for neck 0 and to blob ``(q // 3) % 3`` for neck 1."""
    g = torch.Generator().manual_seed(seed)
    m = 3 * PER_BLOB
    labels = torch.stack([torch.arange(m) % 3, (torch.arange(m) // 3) % 3])   # N_e x M
    noise = 0.3 * torch.randn(2, m, 3, generator=g)
    x = torch.stack([MEANS[i, labels[i]] for i in range(2)]) + noise          # N_e x M x d
    return x.transpose(0, 1).contiguous(), labels


def match_rows(found, expected):
    """Each expected row's nearest found row, as a permutation check."""
    d = torch.cdist(expected, found)
    nearest = d.argmin(1)
    assert sorted(nearest.tolist()) == list(range(len(expected)))
    return d.min(1).values


def same_partition(a, b):
    """Assignments equal up to a relabelling of the clusters."""
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def test_batched_kmeans_recovers_blobs_per_set():
    necks, labels = blob_necks()
    x = necks.transpose(0, 1)                          # G=2 x M x d
    centers, assign = batched_kmeans(x, 3, generator=torch.Generator().manual_seed(1))
    assert centers.shape == (2, 3, 3) and assign.shape == (2, 3 * PER_BLOB)
    for i in range(2):
        true_means = torch.stack([x[i][labels[i] == k].mean(0) for k in range(3)])
        assert match_rows(centers[i], true_means).max() < 1e-4
        assert same_partition(assign[i], labels[i])
    # the two sets have different answers (different blobs, different partitions)
    assert not same_partition(assign[0], assign[1])
    assert torch.cdist(centers[0], centers[1]).min() > 5


@pytest.mark.parametrize('spherical', [False, True])
def test_batched_kmeans_returns_lloyd_fixed_point(spherical):
    # unstructured points: the seeding alone is not the answer, the Lloyd
    # iterations must run to convergence (assignments = nearest centre,
    # centres = (normalised) means of their points)
    x = torch.randn(3, 60, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    centers, assign = batched_kmeans(x, 5, max_iter=100,
                                     generator=torch.Generator().manual_seed(0),
                                     spherical=spherical)
    pts = torch.nn.functional.normalize(x, dim=-1) if spherical else x
    assert torch.equal(assign, torch.cdist(pts, centers).argmin(-1))
    for g in range(3):
        for k in range(5):
            mean = pts[g][assign[g] == k].mean(0)
            if spherical:
                mean = torch.nn.functional.normalize(mean, dim=0)
            torch.testing.assert_close(centers[g, k], mean)


def test_batched_kmeans_too_few_points():
    with pytest.raises(ValueError):
        batched_kmeans(torch.randn(1, 2, 3), 3)


def test_batched_kmeans_spherical_unit_centres():
    x = torch.randn(2, 20, 4, generator=torch.Generator().manual_seed(0)) * 5
    centers, _ = batched_kmeans(x, 3, generator=torch.Generator().manual_seed(0),
                                spherical=True)
    torch.testing.assert_close(centers.norm(dim=-1), torch.ones(2, 3))


def test_center_mode_returns_blob_means():
    necks, labels = blob_necks()
    centers = KMeansNeckClusterer(num_clusters=3, center_mode='center', seed=2)(necks)
    assert centers.shape == (2, 3, 3)                  # N_e x N_c x d_e
    for i in range(2):
        true_means = torch.stack([necks[:, i][labels[i] == k].mean(0) for k in range(3)])
        assert match_rows(centers[i], true_means).max() < 1e-4


def test_sample_mode_returns_member_of_each_cluster():
    necks, labels = blob_necks()
    centers = KMeansNeckClusterer(num_clusters=3, center_mode='sample', seed=2)(necks)
    assert centers.shape == (2, 3, 3)
    for i in range(2):
        pts = necks[:, i]                              # M x d
        blobs = set()
        for c in centers[i]:
            hit = (pts == c).all(-1).nonzero().flatten()
            assert len(hit) == 1                       # an actual input neck
            blobs.add(labels[i, hit.item()].item())
        assert blobs == {0, 1, 2}                      # one per cluster
    # a member, not the mean
    mean_mode = KMeansNeckClusterer(num_clusters=3, center_mode='center', seed=2)(necks)
    assert not torch.allclose(centers, mean_mode)


def test_random_mode_returns_input_necks():
    necks, _ = blob_necks()
    centers = KMeansNeckClusterer(num_clusters=5, center_mode='random', seed=4)(necks)
    assert centers.shape == (2, 5, 3)
    for i in range(2):
        hits = [(necks[:, i] == c).all(-1).nonzero().flatten() for c in centers[i]]
        assert all(len(h) == 1 for h in hits)
        assert len({h.item() for h in hits}) == 5     # distinct queries


@pytest.mark.parametrize('mode', ['center', 'sample', 'random'])
@pytest.mark.parametrize('cls', [KMeansNeckClusterer, SphericalKMeansNeckClusterer])
def test_deterministic_with_same_seed(cls, mode):
    necks = torch.randn(30, 2, 4, generator=torch.Generator().manual_seed(5))
    a = cls(num_clusters=4, center_mode=mode, seed=11)(necks)
    b = cls(num_clusters=4, center_mode=mode, seed=11)(necks)
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    others = [cls(num_clusters=4, center_mode=mode, seed=s)(necks) for s in range(12, 17)]
    assert any(not torch.allclose(a, o) for o in others)


def test_spherical_returns_unit_norm_centres():
    necks, _ = blob_necks()
    centers = SphericalKMeansNeckClusterer(num_clusters=3, seed=0)(necks * 3)
    assert centers.shape == (2, 3, 3)
    torch.testing.assert_close(centers.norm(dim=-1), torch.ones(2, 3))
    # the directions of the blob means
    for i in range(2):
        dirs = torch.nn.functional.normalize(MEANS[i], dim=-1)
        assert match_rows(centers[i], dirs).max() < 0.1


def test_spherical_clusters_directions_not_points():
    # two directions, each with a near and a far copy: Euclidean k=2 splits
    # near/far, spherical splits by direction
    g = torch.Generator().manual_seed(0)
    d1, d2 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    pts = torch.cat([d1 * 1, d1 * 1, d2 * 1, d2 * 1, d1 * 30, d1 * 30, d2 * 30, d2 * 30])
    pts = pts.view(-1, 2) + 0.01 * torch.randn(8, 2, generator=g)
    necks = pts.unsqueeze(1)                           # M x 1 x 2
    sph = SphericalKMeansNeckClusterer(num_clusters=2, seed=0)(necks)[0]
    assert match_rows(sph, torch.stack([d1, d2])).max() < 0.05


@pytest.mark.parametrize('mode', ['center', 'sample'])
@pytest.mark.parametrize('cls', [KMeansNeckClusterer, SphericalKMeansNeckClusterer])
def test_fewer_points_than_clusters_raises(cls, mode):
    with pytest.raises(ValueError):
        cls(num_clusters=5, center_mode=mode)(torch.randn(3, 2, 4))


def test_fewer_points_than_clusters_raises_random_mode():
    with pytest.raises(ValueError, match='cannot make 5 centres'):
        KMeansNeckClusterer(num_clusters=5, center_mode='random')(torch.randn(3, 2, 4))


def test_bad_mode_raises():
    with pytest.raises(ValueError):
        KMeansNeckClusterer(center_mode='medoid')


def test_registered():
    c = NECK_CLUSTERERS.build(dict(type='SphericalKMeansNeckClusterer', num_clusters=7))
    assert isinstance(c, SphericalKMeansNeckClusterer) and c.spherical and c.num_clusters == 7
    assert not NECK_CLUSTERERS.build(dict(type='KMeansNeckClusterer')).spherical
