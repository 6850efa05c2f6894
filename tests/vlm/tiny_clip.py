"""A tiny random CLIP (``transformers``) and a tiny BPE tokenizer, saved to a
folder and loaded by path; a short coloured ``.mp4`` written with PyAV."""
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np

WORDS = ('a', 'man', 'woman', 'walks', 'runs', 'red', 'blue', 'the', 'dog', 'person',
         'opens', 'door')
PROJECTION_DIM = 12
IMAGE_SIZE = 32
#: One colour per second of the test video (RGB).
COLOURS = ((230, 20, 20), (20, 200, 40), (30, 40, 220))


def _bpe(words: Sequence[str]) -> Tuple[Dict[str, int], List[Tuple[str, str]]]:
    """A vocabulary and merges that spell every word of ``words`` as one token."""
    chars = sorted(set(''.join(words)))
    vocab = {c: i for i, c in enumerate(chars)}
    vocab.update({c + '</w>': len(chars) + i for i, c in enumerate(chars)})
    merges: List[Tuple[str, str]] = []
    for word in words:
        parts = list(word[:-1]) + [word[-1] + '</w>']
        while len(parts) > 1:
            merge = (parts[0], parts[1])
            if merge not in merges:
                merges.append(merge)
            joined = parts[0] + parts[1]
            vocab.setdefault(joined, len(vocab))
            parts = [joined] + parts[2:]
    for special in ('<|startoftext|>', '<|endoftext|>'):
        vocab[special] = len(vocab)
    return vocab, merges


def save_tiny_clip(folder: Path, seed: int = 0) -> Path:
    """Save a tiny random ``CLIPModel`` and its tokenizer to ``folder``."""
    import torch
    from transformers import CLIPConfig, CLIPModel, CLIPTokenizer

    vocab, merges = _bpe(WORDS)
    tokenizer = CLIPTokenizer(vocab=vocab, merges=merges)
    special = dict(eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.bos_token_id,
                   pad_token_id=tokenizer.pad_token_id)
    config = CLIPConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=16, intermediate_size=32,
                         num_hidden_layers=1, num_attention_heads=2,
                         max_position_embeddings=16, **special),
        vision_config=dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                           num_attention_heads=2, image_size=IMAGE_SIZE, patch_size=8),
        projection_dim=PROJECTION_DIM)
    torch.manual_seed(seed)
    model = CLIPModel(config).eval()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


def write_colour_video(path: Path, seconds: int = 3, fps: int = 8, size: int = 32,
                       colours: Sequence[Tuple[int, int, int]] = COLOURS) -> Path:
    """An ``.mp4`` whose frames have one flat colour per second."""
    import av

    with av.open(str(path), mode='w') as container:
        stream = container.add_stream('mpeg4', rate=fps)
        stream.width = stream.height = size
        stream.pix_fmt = 'yuv420p'
        for i in range(seconds * fps):
            image = np.empty((size, size, 3), np.uint8)
            image[:] = colours[(i // fps) % len(colours)]
            frame = av.VideoFrame.from_ndarray(image, format='rgb24')
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
