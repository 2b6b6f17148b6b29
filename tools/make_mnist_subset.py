"""Rebuild the MNIST subset bundled in ``dbn_course/datasets/mnist_subset``.

It holds the first 10,000 training and the first 2,000 test images of MNIST (and their
labels), in the original order and the standard IDX format, gzip-compressed with a
fixed header so the bytes are reproducible:

    python tools/make_mnist_subset.py --source ../shared/data/mnist

MNIST: Y. LeCun, C. Cortes and C. J. C. Burges, CC BY-SA 3.0.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dbn_course.data import EMBEDDED_DIR, EMBEDDED_SIZES, FILE_NAMES, load_arrays
from dbn_course.data.idx import write_idx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, type=Path, help="folder with the full MNIST IDX files")
    parser.add_argument("--out", type=Path, default=EMBEDDED_DIR, help="output folder")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for split, size in EMBEDDED_SIZES.items():
        images, labels = load_arrays(split, data_dir=args.source)
        images_stem, labels_stem = FILE_NAMES[split]
        write_idx(args.out / f"{images_stem}.gz", images[:size])
        write_idx(args.out / f"{labels_stem}.gz", labels[:size].astype("uint8"))
        print(f"{split}: wrote {size} images and labels to {args.out}")


if __name__ == "__main__":
    main()
