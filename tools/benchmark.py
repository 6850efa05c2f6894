"""Benchmarks of DSCNet and the other methods on simulated features of the
real Charades-STA and ActivityNet Captions videos: accuracy beside the
no-video priors, the ablations of the paper's Tables 2-4, and the speed of
each stage. Usage and options: :mod:`dscnet_plugin.benchmark.cli`, or::

    python tools/benchmark.py --help
"""
from dscnet_plugin.benchmark.cli import main

if __name__ == '__main__':
    print('\n'.join(main()))
