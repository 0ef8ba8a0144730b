"""Fitting the emotion network (the network's own training loop; `training/` runs any model end to end): AdamW, class weighting, masked intensity loss, modality dropout and
same-label pairing for the fusion, early stopping on validation macro-F1, a seeded and repeatable run."""

from __future__ import annotations

import copy
import threading
import time
import warnings
from contextlib import contextmanager

import numpy as np
import torch
from torch.nn import functional as F

from data.labelled import LabelledData
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


def validation_score(valid: LabelledData, probabilities: np.ndarray, intensities: np.ndarray) -> dict:
    """What early stopping watches: the mean of the 4-way macro-F1 on rows with one chosen emotion and the mean
    presence F1 on rows with human presence judgements (whichever the data has), and the mean intensity Pearson."""
    parts, pearson = [], []
    for rows, multi in ((valid.exclusive, False), (np.isfinite(valid.presence).all(axis=1), True)):
        if rows.any():
            target = np.nan_to_num(valid.presence[rows]) if multi else valid.labels[rows]
            result = evaluate_predictions(target, probabilities[rows], valid.intensity[rows], intensities[rows],
                                          multi_label=multi)
            parts.append(result["macro_f1"])
            if "pearson_mean" in result:
                pearson.append(result["pearson_mean"])
    return {"macro_f1": float(np.mean(parts)), "pearson_mean": float(np.mean(pearson)) if pearson else None}


def presence_balance(train: LabelledData, power: float) -> np.ndarray:
    """Per emotion, the weight of a judgement that it is present: (absent / present)^power over the judged rows,
    counted with the rows' weights."""
    judged = np.isfinite(train.presence)
    present = (np.nan_to_num(train.presence) * train.weight[:, None]).sum(axis=0)
    absent = (((train.presence == 0) & judged) * train.weight[:, None]).sum(axis=0)
    return (np.maximum(absent, 1e-9) / np.maximum(present, 1e-9)) ** power if power else np.ones(len(present))


def gold_intensity_rows(train: LabelledData, text_mask: np.ndarray) -> np.ndarray:
    """Per emotion, how many training rows the strength head learns its intensity from: those `_losses` gives a
    squared error, a finite gold intensity on a row with text (`text_mask`, the featurised rows' mask column 0)
    and a weight above 0."""
    rows = (np.asarray(text_mask) > 0) & (train.weight > 0)
    return (np.isfinite(train.intensity) & rows[:, None]).sum(axis=0)


def _losses(logits, intensity, rows: np.ndarray, train: LabelledData, gold: np.ndarray, text_mask, class_weight,
            pos_weight, settings):
    """The loss of one batch, each part over what its rows know, weighted by row: a 4-way cross-entropy for rows
    with one chosen emotion, a binary cross-entropy per judged emotion for rows with human presence judgements,
    and a squared error on the gold intensities (the intensity head says how strong an emotion is when present;
    see `models.network.module.outputs`)."""
    weight = torch.as_tensor(train.weight[rows], dtype=torch.float32)
    loss = torch.zeros(())
    exclusive = torch.as_tensor(train.exclusive[rows])
    if exclusive.any():
        target = torch.as_tensor(train.labels[rows].argmax(axis=1))[exclusive]
        per_row = F.cross_entropy(logits[exclusive], target, weight=class_weight, reduction="none")
        loss = loss + (per_row * weight[exclusive]).sum() / (class_weight[target] * weight[exclusive]).sum()
    presence = torch.as_tensor(train.presence[rows], dtype=torch.float32)
    judged = torch.isfinite(presence)
    if judged.any():
        per_item = F.binary_cross_entropy_with_logits(logits, torch.nan_to_num(presence), reduction="none",
                                                      pos_weight=pos_weight)
        item_weight = judged * weight[:, None]
        loss = loss + settings.presence_weight * (per_item * item_weight).sum() / item_weight.sum()
    gold = torch.as_tensor(gold[rows], dtype=torch.float32)
    known = torch.isfinite(gold) & (text_mask[:, None] > 0)
    if known.any():
        item_weight = known * weight[:, None]
        squared = (intensity - torch.nan_to_num(gold)) ** 2
        loss = loss + settings.intensity_weight * (squared * item_weight).sum() / item_weight.sum()
    return loss


def train_network(
    config: NetConfig,
    settings: NetworkSettings,
    train_blocks: FeatureBlocks,
    train: LabelledData,
    valid_blocks: FeatureBlocks,
    valid: LabelledData,
    seed: int,
    on_epoch=None,
    should_stop=None,
    learned_columns: np.ndarray | None = None,
) -> tuple[EmotionNet, list[dict]]:
    """Returns the network at its best validation score and the per-epoch log. `learned_columns`: the text
    columns `settings.learned_dropout` applies to. Its probabilities are presence probabilities (sigmoid) when
    the training data has human presence judgements, else a 4-way choice (softmax).

    on_epoch(record) is called after each epoch (for live curves); should_stop() ends training early."""
    with _one_thread():
        return _train_network(config, settings, train_blocks, train, valid_blocks, valid, seed, on_epoch,
                              should_stop, learned_columns)


def train_member(*args, **kwargs) -> tuple[EmotionNet, list[dict]]:
    """`train_network` in a worker process of an ensemble trained side by side, whose feature blocks are read-only
    memory maps (joblib shares large arrays so): training only reads them, and torch's warning that a tensor made
    from one would not be is left out."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return train_network(*args, **kwargs)


# Torch's thread count is the process's: trainings that overlap (the dashboard trains in threads) share one count
# of running trainings, and the last to end gives the threads back (each restoring its own left the process on one).
_RUNNING = {"count": 0, "threads": 0}
_RUNNING_LOCK = threading.Lock()


@contextmanager
def _one_thread():
    """One torch thread while training, as scoring/local.py's workers: with two on a 2-core machine where another
    process held a core, their spinning made the default recipe take 669 s against 61 s with one (58 s with two
    on a quiet machine), and text_net on WASSA-2017 20-47 s against 7 s; the weights are the same byte for byte."""
    with _RUNNING_LOCK:
        if not _RUNNING["count"]:
            _RUNNING["threads"] = torch.get_num_threads()
            torch.set_num_threads(1)
        _RUNNING["count"] += 1
    try:
        yield
    finally:
        with _RUNNING_LOCK:
            _RUNNING["count"] -= 1
            if not _RUNNING["count"]:
                torch.set_num_threads(_RUNNING["threads"])


def _train_network(config, settings, train_blocks, train, valid_blocks, valid, seed, on_epoch, should_stop,
                   learned_columns):
    seed_everything(seed)
    rng = np.random.default_rng(seed)
    net = EmotionNet(config)
    presence = train.has_presence
    optimiser = torch.optim.AdamW(net.parameters(), lr=settings.lr, weight_decay=settings.weight_decay, foreach=True)
    counts = train.labels[train.exclusive].sum(axis=0)
    class_weight = torch.as_tensor(counts.sum() / (len(counts) * np.maximum(counts, 1)), dtype=torch.float32)
    exclusive_labels = np.where(train.exclusive[:, None], train.labels, 0)
    gold = train.intensity
    pos_weight = torch.as_tensor(presence_balance(train, settings.presence_balance), dtype=torch.float32)
    blocks = train_blocks
    n_text = int(blocks.mask[:, 0].sum())
    best_score, best_state, best_epoch, log = -1.0, None, 0, []

    for epoch in range(1, settings.epochs + 1):
        started = time.perf_counter()
        pairs = _paired_rows(exclusive_labels, blocks.mask, int(settings.pair_fraction * n_text), rng)
        text_rows = np.concatenate([np.arange(len(blocks)), pairs[:, 0]])
        image_rows = np.concatenate([np.arange(len(blocks)), pairs[:, 1]])
        order = rng.permutation(len(text_rows))
        net.train()
        total_loss, n_seen = 0.0, 0
        for start in range(0, len(order), settings.batch_size):
            batch = order[start:start + settings.batch_size]
            t_rows, i_rows = text_rows[batch], image_rows[batch]
            text = torch.as_tensor(blocks.text[t_rows], dtype=torch.float32)
            if settings.learned_dropout and learned_columns is not None and len(learned_columns):
                hidden = np.flatnonzero(rng.random(len(t_rows)) < settings.learned_dropout)
                text[np.ix_(hidden, learned_columns)] = 0.0
            image = torch.as_tensor(blocks.image[i_rows], dtype=torch.float32)
            mask = np.column_stack([blocks.mask[t_rows, 0], blocks.mask[i_rows, 1]])
            both = np.flatnonzero(mask.all(axis=1))
            dropped = both[rng.random(len(both)) < settings.modality_dropout]
            mask[dropped, rng.integers(0, 2, size=len(dropped))] = 0
            mask_t = torch.as_tensor(mask, dtype=torch.float32)
            logits, intensity = net(text, image, mask_t)
            loss = _losses(logits, intensity, t_rows, train, gold, mask_t[:, 0], class_weight, pos_weight, settings)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total_loss += float(loss.detach()) * len(batch)
            n_seen += len(batch)
        probabilities, intensities = predict_blocks(net, valid_blocks, presence)
        metrics = validation_score(valid, probabilities, intensities)
        record = {"epoch": epoch, "train_loss": total_loss / max(n_seen, 1), "valid_macro_f1": metrics["macro_f1"],
                  "valid_pearson_mean": metrics["pearson_mean"], "seconds": round(time.perf_counter() - started, 3)}
        log.append(record)
        if on_epoch:
            on_epoch(record)
        # The best epoch: highest validation macro-F1, plus the mean intensity Pearson where the data has one.
        score = metrics["macro_f1"] + (metrics["pearson_mean"] or 0.0)
        if score > best_score:
            best_score, best_state, best_epoch = score, copy.deepcopy(net.state_dict()), epoch
        elif epoch - best_epoch >= settings.patience:
            break
        if should_stop and should_stop():
            break
    net.load_state_dict(best_state)
    net.eval()
    return net, log
