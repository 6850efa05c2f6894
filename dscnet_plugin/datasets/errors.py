"""Errors raised on bad input files; each names the file and line or id."""
from typing import Optional, Union


class DataFileError(ValueError):
    """A data file cannot be used as it is.

    Args:
        path: The offending file.
        what: What is wrong and what was expected.
        where: A line number (int) or an item id (str), if known.
    """

    def __init__(self, path: str, what: str,
                 where: Optional[Union[int, str]] = None) -> None:
        self.path = str(path)
        self.where = where
        if where is None:
            loc = self.path
        elif isinstance(where, int):
            loc = f'{self.path}, line {where}'
        else:
            loc = f'{self.path}, id {where!r}'
        super().__init__(f'{loc}: {what}')


class AnnotationError(DataFileError):
    """A malformed annotation file (or duration file)."""


class FeatureError(DataFileError):
    """A missing or malformed video feature."""


class WordVectorError(DataFileError):
    """A malformed word-vector file."""


class CheckpointError(DataFileError):
    """A checkpoint (or another ``torch.save`` file: a label history, a
    ``.pt`` frame file) that is missing, empty, truncated or refused, or
    whose weights do not fit the model."""


class UnsafeFileError(CheckpointError):
    """A ``torch.save`` file holding objects that no genuine checkpoint
    holds (a pickle crafted to run code while it loads): refused unread."""
