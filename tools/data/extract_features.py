"""Extract clip features of your own videos into a layout the plugin reads.

Slides a window of ``clip_len`` frames with step ``stride`` over each
video's frames, maps every clip (``C x clip_len x H x W``) to one vector with
any ``torch.nn.Module`` you have (a C3D / I3D / SlowFast / CLIP wrapper...),
and writes one ``(T, D)`` float32 array per video, ``T`` = number of clips:

- ``layout='hdf5'``: one HDF5 file, ``h5[video_id] -> (T, D)`` (flat), or
  ``h5[video_id][key]`` with ``key=...`` (nested, like the ActivityNet C3D
  release);
- ``layout='npy'``: a folder of ``{video_id}.npy`` files.

Both are read by ``dict(type='VideoFeatures', path=...)`` (see
``docs/features.md``). Videos already in the output are skipped unless
``overwrite=True``, so a stopped extraction can be restarted.

Frames are given per video as a ``T x C x H x W`` tensor (or numpy array), or
a path: a ``.npy`` / ``.pt`` file holding such an array, a folder of image
files (sorted by name, read with Pillow, RGB), or any other path handed to
``frame_loader`` (e.g. a video decoder of your choice). Frames are converted
to float32 without rescaling; ``transform`` (applied to each video's
``T x C x H x W`` frames) does the resizing / normalisation your model needs.

Clips: starts ``0, stride, 2 stride, ...`` while a whole clip fits; the
frames after the last whole clip (fewer than ``stride``) are not covered. A
video shorter than ``clip_len`` gives one clip, padded by repeating its last
frame. So ``T = max(1, (num_frames - clip_len) // stride + 1)``.

Demo (a tiny random 3D-conv network on random frames)::

    python tools/data/extract_features.py --out demo_features.hdf5
    python tools/data/extract_features.py --out demo_features --layout npy
"""
import argparse
import os
import os.path as osp
from typing import Callable, Dict, List, Mapping, Optional, Union

import numpy as np
import torch

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')
FrameSource = Union[torch.Tensor, np.ndarray, str, os.PathLike]


# ---------------------------------------------------------------------------
# Clips
# ---------------------------------------------------------------------------
def clip_starts(num_frames: int, clip_len: int, stride: int) -> List[int]:
    """First frame of every clip of a ``num_frames``-frame video."""
    if num_frames < 1:
        raise ValueError('a video needs at least one frame')
    if clip_len < 1 or stride < 1:
        raise ValueError(f'clip_len and stride must be >= 1, got {clip_len}, {stride}')
    if num_frames <= clip_len:
        return [0]
    return list(range(0, num_frames - clip_len + 1, stride))


def make_clips(frames: torch.Tensor, clip_len: int, stride: int) -> torch.Tensor:
    """``T0 x C x H x W`` frames -> ``N x C x clip_len x H x W`` clips."""
    if frames.size(0) < clip_len:  # repeat the last frame
        pad = frames[-1:].expand(clip_len - frames.size(0), *frames.shape[1:])
        frames = torch.cat([frames, pad])
    clips = [frames[s:s + clip_len] for s in clip_starts(frames.size(0), clip_len, stride)]
    return torch.stack(clips).permute(0, 2, 1, 3, 4).contiguous()


# ---------------------------------------------------------------------------
# Frames
# ---------------------------------------------------------------------------
def _image_folder(path: str) -> np.ndarray:
    from PIL import Image
    names = sorted(n for n in os.listdir(path) if n.lower().endswith(IMAGE_SUFFIXES))
    if not names:
        raise ValueError(f'{path}: no image files ({", ".join(IMAGE_SUFFIXES)})')
    frames = []
    for name in names:
        with Image.open(osp.join(path, name)) as img:
            frames.append(np.asarray(img.convert('RGB')))
    return np.stack(frames).transpose(0, 3, 1, 2)  # T x C x H x W


def load_frames(source: FrameSource,
                frame_loader: Optional[Callable[[str], FrameSource]] = None) -> torch.Tensor:
    """The ``T x C x H x W`` float32 frames of one video (see the module doc)."""
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        suffix = osp.splitext(path)[1].lower()
        if frame_loader is not None and not (osp.isdir(path) or suffix in ('.npy', '.pt')):
            source = frame_loader(path)
        elif osp.isdir(path):
            source = _image_folder(path)
        elif suffix == '.npy':
            source = np.load(path, allow_pickle=False)
        elif suffix == '.pt':  # weights only: a file holding code is refused
            from dscnet_plugin.utils import safe_torch_load
            source = safe_torch_load(path, what='frame file')
        elif frame_loader is not None:
            source = frame_loader(path)
        else:
            raise ValueError(
                f'{path}: give frames as a T x C x H x W .npy / .pt file or a folder of '
                'images, or pass frame_loader= to decode this kind of file')
    frames = torch.as_tensor(np.asarray(source) if not isinstance(source, torch.Tensor)
                             else source)
    if frames.dim() != 4:
        raise ValueError(f'frames have shape {tuple(frames.shape)}, expected T x C x H x W')
    if frames.size(0) == 0:
        raise ValueError('a video needs at least one frame')
    return frames.float()


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------
class _HDF5Writer:

    def __init__(self, path: str, key: Optional[str]) -> None:
        import h5py
        parent = osp.dirname(osp.abspath(path))
        os.makedirs(parent, exist_ok=True)
        self.file = h5py.File(path, 'a')
        self.key = key

    def __contains__(self, vid: str) -> bool:
        return vid in self.file

    def write(self, vid: str, feats: np.ndarray) -> None:
        if vid in self.file:
            del self.file[vid]
        if self.key is None:
            self.file.create_dataset(vid, data=feats)
        else:
            self.file.create_group(vid).create_dataset(self.key, data=feats)
        self.file.flush()

    def close(self) -> None:
        self.file.close()


class _NpyWriter:

    def __init__(self, folder: str) -> None:
        os.makedirs(folder, exist_ok=True)
        self.folder = folder

    def __contains__(self, vid: str) -> bool:
        return osp.isfile(osp.join(self.folder, vid + '.npy'))

    def write(self, vid: str, feats: np.ndarray) -> None:
        final = osp.join(self.folder, vid + '.npy')
        tmp = final + '.tmp.npy'
        np.save(tmp, feats)
        os.replace(tmp, final)  # no half-written file if the run stops here

    def close(self) -> None:
        pass


# ---------------------------------------------------------------------------
# Extraction
# ---------------------------------------------------------------------------
@torch.no_grad()
def extract_features(model: torch.nn.Module,
                     videos: Mapping[str, FrameSource],
                     out: Union[str, os.PathLike],
                     clip_len: int = 16,
                     stride: int = 8,
                     layout: str = 'hdf5',
                     key: Optional[str] = None,
                     batch_size: int = 32,
                     device: Optional[Union[str, torch.device]] = None,
                     transform: Optional[Callable[[torch.Tensor], torch.Tensor]] = None,
                     frame_loader: Optional[Callable[[str], FrameSource]] = None,
                     overwrite: bool = False) -> Dict[str, int]:
    """Write the clip features of ``videos`` to ``out``.

    Args:
        model: Maps a ``B x C x clip_len x H x W`` batch of clips to ``B x D``
            (any trailing dims are flattened into ``D``). Run in eval mode;
            its mode is restored afterwards.
        videos: ``{video_id: frames}``; frames as in :func:`load_frames`.
            The ids must be those of your annotation files.
        out: HDF5 file (``layout='hdf5'``) or folder (``layout='npy'``).
        clip_len: Frames per clip (16 for C3D; I3D is often run on longer
            windows).
        stride: Frames between clip starts (``clip_len // 2``: 50 % overlap).
        layout: ``'hdf5'`` or ``'npy'``.
        key: ``layout='hdf5'`` only: write ``h5[vid][key]`` (nested) instead
            of ``h5[vid]``.
        batch_size: Clips per forward pass.
        device: Where clips are sent (default: the model's first parameter's
            device, else CPU). The model is not moved.
        transform: Applied to each video's ``T x C x H x W`` float frames
            (resize, crop, normalise) before the clips are cut.
        frame_loader: Called with a path that is not a ``.npy`` / ``.pt``
            file or an image folder; returns ``T x C x H x W`` frames.
        overwrite: Recompute videos already in ``out`` (default: skip them).

    Returns:
        ``{video_id: number of clips written}`` (skipped videos are absent).
    """
    if layout not in ('hdf5', 'npy'):
        raise ValueError(f"layout must be 'hdf5' or 'npy', got {layout!r}")
    if key is not None and layout != 'hdf5':
        raise ValueError("key= is for layout='hdf5' (nested groups)")
    for vid in videos:
        if not vid or '/' in vid or vid in ('.', '..'):
            raise ValueError(f'video id {vid!r} cannot name an HDF5 dataset or a file')
    if device is None:
        param = next(iter(model.parameters()), None)
        device = param.device if param is not None else torch.device('cpu')
    out = os.fspath(out)
    writer = _HDF5Writer(out, key) if layout == 'hdf5' else _NpyWriter(out)
    was_training = model.training
    model.eval()
    written: Dict[str, int] = {}
    dim: Optional[int] = None
    try:
        for vid, source in videos.items():
            if vid in writer and not overwrite:
                continue
            frames = load_frames(source, frame_loader)
            if transform is not None:
                frames = transform(frames)
            clips = make_clips(frames, clip_len, stride)
            feats = []
            for i in range(0, clips.size(0), batch_size):
                y = model(clips[i:i + batch_size].to(device))
                feats.append(y.reshape(y.size(0), -1).float().cpu())
            feats = torch.cat(feats).numpy()
            if dim is None:
                dim = feats.shape[1]
            elif feats.shape[1] != dim:
                raise ValueError(f'{vid}: the model gave {feats.shape[1]}-d features, '
                                 f'{dim}-d before')
            if not np.isfinite(feats).all():
                raise ValueError(f'{vid}: the model gave NaN / Inf features')
            writer.write(vid, feats)
            written[vid] = int(feats.shape[0])
    finally:
        writer.close()
        model.train(was_training)
    return written


# ---------------------------------------------------------------------------
# Demo
# ---------------------------------------------------------------------------
class TinyC3D(torch.nn.Module):
    """A tiny random 3D-conv network: ``B x C x L x H x W`` -> ``B x dim``.
    Stands in for a real backbone in the demo and the tests."""

    def __init__(self, in_channels: int = 3, dim: int = 32) -> None:
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.Conv3d(in_channels, 8, kernel_size=3, padding=1),
            torch.nn.ReLU(),
            torch.nn.MaxPool3d(2),
            torch.nn.Conv3d(8, dim, kernel_size=3, padding=1),
            torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool3d(1))

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        return self.body(clips).flatten(1)


def main(argv: Optional[List[str]] = None) -> Dict[str, int]:
    parser = argparse.ArgumentParser(
        description='Demo: features of random videos from a tiny random 3D-conv network')
    parser.add_argument('--out', default='demo_features.hdf5',
                        help='HDF5 file (--layout hdf5) or folder (--layout npy)')
    parser.add_argument('--layout', choices=['hdf5', 'npy'], default='hdf5')
    parser.add_argument('--clip-len', type=int, default=16)
    parser.add_argument('--stride', type=int, default=8)
    parser.add_argument('--dim', type=int, default=32)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)

    gen = torch.Generator().manual_seed(args.seed)
    torch.manual_seed(args.seed)
    videos = {f'demo_{i}': torch.rand(n, 3, 32, 32, generator=gen)
              for i, n in enumerate((64, 40, 9))}
    model = TinyC3D(dim=args.dim)
    written = extract_features(model, videos, args.out, clip_len=args.clip_len,
                               stride=args.stride, layout=args.layout)

    from dscnet_plugin.datasets import VideoFeatures
    reader = VideoFeatures(path=args.out)
    for vid, frames in videos.items():
        status = (f'{written[vid]} clips written' if vid in written
                  else 'already there, skipped')
        print(f'{vid}: {frames.size(0)} frames -> {tuple(reader[vid].shape)} ({status})')
    print(f'read back with dict(type=\'VideoFeatures\', path={args.out!r}); '
          f'set model.video_encoder.in_dim={args.dim}')
    return written


if __name__ == '__main__':
    main()
