"""Throughput of the image features, end to end (read, decode, resize, CNN, cache write), cache cold and warm.

    python bench/image_features.py [--n 300] [--threads 2] [--prepare onnx,trace]

Generates --n synthetic 640x480 JPEG photos (seeded) in a temporary directory, then prints:
the plain eager PyTorch loop over the same files (full decode, same crop/resize, eager network, no cache);
for each way of running the network in --prepare (onnxruntime on the exported model, TorchScript trace), the
cold-cache pass of make_image_features and the largest difference of its features from the first's; the
warm-cache pass, the ratios, and last ``images_per_s=N`` for the cold-cache pass of the first --prepare.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from features.image.backbones import build_backbone, get_backbone_spec  # noqa: E402
from features.image.decode import DEFAULT_CROP_FRACTION, crop_resize, to_rgb  # noqa: E402
from features.image.extractor import make_image_features  # noqa: E402
from features.image.torch_extractor import FeatureExtractor  # noqa: E402


def make_photos(directory: Path, n: int, seed: int = 0, size=(640, 480)) -> list[Path]:
    """Photo-like JPEGs: smooth colour fields, a few blurred shapes, sensor noise; quality 90 (~60-90 kB)."""
    rng = np.random.default_rng(seed)
    w, h = size
    paths = []
    for i in range(n):
        low = rng.uniform(0, 255, size=(6, 8, 3)).astype(np.uint8)
        base = np.asarray(Image.fromarray(low).resize((w, h), Image.Resampling.BICUBIC), dtype=np.float32)
        yy, xx = np.mgrid[0:h, 0:w]
        for _ in range(rng.integers(3, 8)):
            cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(20, 150)
            mask = ((xx - cx) ** 2 + (yy - cy) ** 2) < r ** 2
            base[mask] = 0.4 * base[mask] + 0.6 * rng.uniform(0, 255, size=3)
        base += rng.normal(0, 6, size=base.shape)
        path = directory / f"photo_{i:04d}.jpg"
        Image.fromarray(np.clip(base, 0, 255).astype(np.uint8)).save(path, "JPEG", quality=90)
        paths.append(path)
    return paths


def eager_loop(paths, size: int, batch_size: int) -> float:
    """The baseline: what a plain PyTorch loop does (full-size decode, eager network, no cache)."""
    spec = get_backbone_spec("efficientnet_lite0")
    ext = FeatureExtractor(spec, build_backbone(spec, size), spec.default_layers, ("mean",)).eval()
    start = time.perf_counter()
    with torch.inference_mode():
        for s in range(0, len(paths), batch_size):
            batch = []
            for p in paths[s:s + batch_size]:
                with Image.open(p) as im:
                    batch.append(crop_resize(to_rgb(im.convert("RGB")), size, DEFAULT_CROP_FRACTION))
            ext(torch.from_numpy(np.stack(batch)))
    return len(paths) / (time.perf_counter() - start)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--decode-workers", type=int, default=1)
    ap.add_argument("--input-size", type=int, default=None)
    ap.add_argument("--prepare", default="onnx,trace", help="comma-separated; the first is the figure")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        photos = tmp / "photos"
        photos.mkdir()
        paths = make_photos(photos, args.n, args.seed)
        warmup = make_photos(tmp, 8, args.seed + 1)
        mb = sum(p.stat().st_size for p in paths) / 1e6
        print(f"photos={len(paths)} size=640x480 jpeg_total_mb={mb:.1f} threads={args.threads} "
              f"cpus={os.cpu_count()} load_average_1min={os.getloadavg()[0]:.2f}")

        size = {"input_size": args.input_size} if args.input_size else {}  # else the transformer's default
        cold, first_X = {}, None
        for prepare in args.prepare.split(","):
            feats = make_image_features(cache=tmp / f"cache_{prepare}.sqlite3", n_threads=args.threads,
                                        batch_size=args.batch_size, n_decode_workers=args.decode_workers,
                                        prepare=prepare, **size)
            t = time.perf_counter()
            feats.fit()
            feats.transform(warmup)  # loads + prepares the network once (not part of the per-image figure)
            print(f"{prepare}: model_load_and_prepare_s={time.perf_counter() - t:.2f} input_size={feats.input_size_}")
            t = time.perf_counter()
            X = feats.transform(paths)
            cold[prepare] = len(paths) / (time.perf_counter() - t)
            assert X[:, -1].all() and feats.last_stats_["cnn_images"] == len(paths)
            difference = 0.0 if first_X is None else float(np.abs(X - first_X).max())
            print(f"{prepare}: cold_cache_images_per_s={cold[prepare]:.1f} max_abs_difference={difference:.2e}")
            if first_X is None:
                first_X, first = X, feats

        eager = eager_loop(paths, first.input_size_, args.batch_size)
        print(f"eager_loop_images_per_s={eager:.1f}")
        t = time.perf_counter()
        X2 = first.transform(paths)
        warm = len(paths) / (time.perf_counter() - t)
        assert first.last_stats_["cnn_images"] == 0 and np.array_equal(first_X, X2)
        best = next(iter(cold.values()))
        print(f"warm_cache_images_per_s={warm:.1f}")
        print(f"warm_over_cold={warm / best:.1f}x")
        print(f"cold_over_eager={best / eager:.2f}x load_average_1min={os.getloadavg()[0]:.2f}")
        print(f"images_per_s={best:.1f}")


if __name__ == "__main__":
    main()
