"""PyAV decoding: one frame per clip, the frame at each clip's centre."""
import numpy as np
import pytest

from dscnet_plugin.datasets.errors import DataFileError

from .tiny_clip import COLOURS, write_colour_video

av = pytest.importorskip('av')
from dscnet_plugin.vlm import VideoFileError, clip_centres, decode_video, num_clips  # noqa: E402


def test_num_clips_and_centres():
    assert num_clips(3.0, 1.0) == 3
    assert num_clips(3.0000001, 1.0) == 3  # rounding noise adds no clip
    assert num_clips(3.2, 1.0) == 4
    assert num_clips(0.3, 2.0) == 1
    np.testing.assert_allclose(clip_centres(3.0, 2.0), [1.0, 2.5])  # last clip is [2, 3]
    np.testing.assert_allclose(clip_centres(3.0, 1.0), [0.5, 1.5, 2.5])
    with pytest.raises(ValueError, match='clip_seconds'):
        num_clips(3.0, 0)


def test_one_frame_per_second_at_the_centre(colour_video):
    video = decode_video(str(colour_video), clip_seconds=1.0)
    assert video.frames.dtype.is_floating_point is False and video.frames.dtype.itemsize == 1
    assert tuple(video.frames.shape) == (3, 32, 32, 3)
    assert video.duration == pytest.approx(3.0)
    np.testing.assert_allclose(video.times, [0.5, 1.5, 2.5])
    mean_colours = video.frames.float().mean(dim=(1, 2)).numpy()
    np.testing.assert_allclose(mean_colours, np.array(COLOURS, float), atol=15)


def test_two_second_clips_and_resize(colour_video):
    video = decode_video(str(colour_video), clip_seconds=2.0, short_side=16)
    assert tuple(video.frames.shape) == (2, 16, 16, 3)
    np.testing.assert_allclose(video.times, [1.0, 2.5])
    # clip [0, 2): the frame at 1.0 s (second colour); clip [2, 3]: at 2.5 s
    mean_colours = video.frames.float().mean(dim=(1, 2)).numpy()
    np.testing.assert_allclose(mean_colours, np.array(COLOURS[1:], float), atol=15)


def test_a_partial_last_clip_takes_the_last_frames(tmp_path):
    path = write_colour_video(tmp_path / 'short.mp4', seconds=2, fps=4)
    video = decode_video(str(path), clip_seconds=1.5)  # clips [0, 1.5), [1.5, 2]
    assert video.frames.shape[0] == 2
    np.testing.assert_allclose(video.times, [0.75, 1.75])


def test_bad_files_name_the_file(tmp_path):
    bad = tmp_path / 'broken.mp4'
    bad.write_bytes(b'this is not a video' * 10)
    with pytest.raises(VideoFileError, match='broken.mp4') as err:
        decode_video(str(bad))
    assert isinstance(err.value, DataFileError)
    with pytest.raises(VideoFileError, match='missing.mp4: video file not found'):
        decode_video(str(tmp_path / 'missing.mp4'))
