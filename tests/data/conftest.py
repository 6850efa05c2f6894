"""The corpus folder holds data files, never tests (pytest would otherwise
collect a ``test*.txt`` there as a doctest file)."""
collect_ignore_glob = ['bad_inputs/*']
