"""Data files shipped with the package (see ``mnist_subset/README.md``)."""
