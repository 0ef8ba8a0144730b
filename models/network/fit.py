"""Fitting the emotion network (the network's own training loop; `training/` runs any model end to end): AdamW, class weighting, masked intensity loss, modality dropout and
same-label pairing for the fusion, early stopping on validation macro-F1, a seeded and repeatable run."""

from __future__ import annotations

import copy
import time

import numpy as np
import torch
from torch.nn import functional as F

from evaluation.metrics import evaluate_predictions
from features.featurizer import FeatureBlocks
from models.network.config import NetConfig, NetworkSettings
from models.network.module import EmotionNet, predict_blocks


def seed_everything(seed: int) -> None:
    np.random.seed(seed)
    torch.manual_seed(seed)


def _paired_rows(labels: np.ndarray, mask: np.ndarray, n_pairs: int, rng: np.random.Generator):
    """(text row, image row) pairs of the same single label, drawn from text-only and image-only rows."""
    label = labels.argmax(axis=1)
    text_only = np.flatnonzero((mask[:, 0] == 1) & (mask[:, 1] == 0))
    image_only = np.flatnonzero((mask[:, 0] == 0) & (mask[:, 1] == 1))
    if not (len(text_only) and len(image_only) and n_pairs):
        return np.zeros((0, 2), dtype=int)
    text_rows = rng.choice(text_only, size=n_pairs)
    pairs = []
    by_label = {k: image_only[label[image_only] == k] for k in np.unique(label)}
    for row in text_rows:
        pool = by_label.get(label[row])
        if pool is not None and len(pool):
            pairs.append((row, pool[rng.integers(len(pool))]))
    return np.asarray(pairs, dtype=int).reshape(-1, 2)


def train_network(
    config: NetConfig,
    settings: NetworkSettings,
    train: FeatureBlocks,
    train_labels: np.ndarray,
    train_intensity: np.ndarray,
    valid: FeatureBlocks,
    valid_labels: np.ndarray,
    valid_intensity: np.ndarray,
    multi_label: bool,
    seed: int,
    on_epoch=None,
    should_stop=None,
    learned_columns: np.ndarray | None = None,
) -> tuple[EmotionNet, list[dict]]:
    """Returns the network at its best validation macro-F1 and the per-epoch log. `learned_columns`: the text
    columns `settings.learned_dropout` applies to.

    on_epoch(record) is called after each epoch (for live curves); should_stop() ends training early."""
    seed_everything(seed)
    rng = np.random.default_rng(seed)
    net = EmotionNet(config)
    optimiser = torch.optim.AdamW(net.parameters(), lr=settings.lr, weight_decay=settings.weight_decay, foreach=True)
    counts = train_labels.sum(axis=0)
    class_weight = torch.as_tensor(counts.sum() / (len(counts) * np.maximum(counts, 1)), dtype=torch.float32)
    n_text = int(train.mask[:, 0].sum())
    best_f1, best_state, best_epoch, log = -1.0, None, 0, []

    for epoch in range(1, settings.epochs + 1):
        started = time.perf_counter()
        pairs = _paired_rows(train_labels, train.mask, int(settings.pair_fraction * n_text), rng)
        text_rows = np.concatenate([np.arange(len(train)), pairs[:, 0]])
        image_rows = np.concatenate([np.arange(len(train)), pairs[:, 1]])
        order = rng.permutation(len(text_rows))
        net.train()
        total_loss, n_seen = 0.0, 0
        for start in range(0, len(order), settings.batch_size):
            batch = order[start:start + settings.batch_size]
            t_rows, i_rows = text_rows[batch], image_rows[batch]
            text = torch.as_tensor(train.text[t_rows], dtype=torch.float32)
            if settings.learned_dropout and learned_columns is not None and len(learned_columns):
                hidden = np.flatnonzero(rng.random(len(t_rows)) < settings.learned_dropout)
                text[np.ix_(hidden, learned_columns)] = 0.0
            image = torch.as_tensor(train.image[i_rows], dtype=torch.float32)
            mask = np.column_stack([train.mask[t_rows, 0], train.mask[i_rows, 1]])
            both = np.flatnonzero(mask.all(axis=1))
            dropped = both[rng.random(len(both)) < settings.modality_dropout]
            mask[dropped, rng.integers(0, 2, size=len(dropped))] = 0
            mask_t = torch.as_tensor(mask, dtype=torch.float32)
            logits, intensity = net(text, image, mask_t)
            target = torch.as_tensor(train_labels[t_rows], dtype=torch.float32)
            if multi_label:
                loss = F.binary_cross_entropy_with_logits(logits, target, pos_weight=class_weight)
            else:
                loss = F.cross_entropy(logits, target.argmax(dim=1), weight=class_weight)
            gold = torch.as_tensor(train_intensity[t_rows], dtype=torch.float32)
            # Intensities are known only where the data gives them (WASSA: the labelled emotion of a text row).
            known = torch.isfinite(gold) & (mask_t[:, :1] > 0)
            if known.any():
                loss = loss + settings.intensity_weight * F.mse_loss(intensity[known], gold[known])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total_loss += float(loss.detach()) * len(batch)
            n_seen += len(batch)
        probabilities, intensities = predict_blocks(net, valid, multi_label)
        metrics = evaluate_predictions(valid_labels, probabilities, valid_intensity, intensities, multi_label)
        record = {"epoch": epoch, "train_loss": total_loss / max(n_seen, 1), "valid_macro_f1": metrics["macro_f1"],
                  "valid_accuracy": metrics["accuracy"], "valid_pearson_mean": metrics.get("pearson_mean"),
                  "seconds": round(time.perf_counter() - started, 3)}
        log.append(record)
        if on_epoch:
            on_epoch(record)
        # The best epoch: highest validation macro-F1, plus the mean intensity Pearson where the data has one.
        score = metrics["macro_f1"] + metrics.get("pearson_mean", 0.0)
        if score > best_f1:
            best_f1, best_state, best_epoch = score, copy.deepcopy(net.state_dict()), epoch
        elif epoch - best_epoch >= settings.patience:
            break
        if should_stop and should_stop():
            break
    net.load_state_dict(best_state)
    net.eval()
    return net, log
