"""Minimal transform base (no mmcv dependency)."""
from abc import ABCMeta, abstractmethod
from typing import Optional


class BaseTransform(metaclass=ABCMeta):
    """A pipeline step: ``results dict -> results dict``."""

    def __call__(self, results: dict) -> Optional[dict]:
        return self.transform(results)

    @abstractmethod
    def transform(self, results: dict) -> Optional[dict]:
        """Transform ``results`` in place and return it."""

    def __repr__(self) -> str:
        args = ', '.join(f'{k}={v!r}' for k, v in vars(self).items()
                         if not k.startswith('_'))
        return f'{type(self).__name__}({args})'
