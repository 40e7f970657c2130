"""The numbers of PRODUCT.md §8, each measured next to its own baseline: `python -m benchmarks`."""
