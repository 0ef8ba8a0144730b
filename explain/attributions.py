"""What pushed a prediction: for the network, gradient × input of each emotion's log-odds on the
standardised features (a feature at its training mean contributes nothing); for the feature baselines, how much
each emotion's log-odds drop when a feature group is set to its training mean (occlusion)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import torch

from emotions import EMOTIONS


def feature_group(name: str) -> str:
    return name.split("__", 1)[0]


def network_attributions(model, blocks) -> pd.DataFrame:
    """Gradient × input of each emotion's log-odds (its logit for a presence model; for a 4-way one, its logit
    against the log-sum-exp of the others'), one row per standardised feature of one featurised row: columns
    `value`, `group` and one per emotion. Log-odds, not log-probabilities: the gradient of a log-probability
    shrinks with 1 - p, so for a confident answer (p = 0.999) every push towards it read as 0.000."""
    text_block = torch.as_tensor(blocks.text, dtype=torch.float32)
    image_block = torch.as_tensor(blocks.image, dtype=torch.float32)
    mask = torch.as_tensor(blocks.mask, dtype=torch.float32)
    net = model.net_.eval()

    def log_odds(text_in, image_in):
        logits = net(text_in, image_in, mask)[0][0]
        if model.presence:
            return logits
        others = [torch.cat([logits[:e], logits[e + 1:]]) for e in range(len(EMOTIONS))]
        return torch.stack([logits[e] - torch.logsumexp(rest, 0) for e, rest in enumerate(others)])

    with torch.inference_mode(False):
        jacobians = torch.autograd.functional.jacobian(log_odds, (text_block, image_block))
    # jacobian of (emotions,) w.r.t. (1, d) inputs: (emotions, 1, d)
    inputs = torch.cat([text_block, image_block], dim=1)[0]
    gradient = torch.cat([j[:, 0, :] for j in jacobians], dim=1)
    frame = pd.DataFrame((gradient * inputs).T.numpy().astype(float), columns=list(EMOTIONS),
                         index=pd.Index(model.featurizer_.block_names(), name="feature"))
    frame.insert(0, "value", inputs.numpy().astype(float))
    frame.insert(1, "group", [feature_group(name) for name in frame.index])
    return frame


def _log_odds(probabilities: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)): for a presence model an emotion's logit, for a 4-way one its logit against the others'."""
    p = np.clip(probabilities, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def occlusion_attributions(model, blocks) -> pd.DataFrame:
    """For each feature group: each emotion's log-odds minus its log-odds with the group's columns set to their
    training mean (0 once standardised). Rows: groups; columns: emotions. Log-odds, as for the network: on the
    probability scale every group of a confident answer (p = 0.9999) read as pushing almost nothing."""
    base = _log_odds(model.predict_blocks(blocks)[0][0])
    names = model.featurizer_.block_names()
    n_text = blocks.text.shape[1]
    rows = {}
    for group in dict.fromkeys(feature_group(name) for name in names):
        columns = np.array([feature_group(name) == group for name in names])
        occluded = replace(blocks, text=blocks.text.copy(), image=blocks.image.copy())
        occluded.text[:, columns[:n_text]] = 0
        occluded.image[:, columns[n_text:]] = 0
        rows[group] = base - _log_odds(model.predict_blocks(occluded)[0][0])
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(EMOTIONS)).rename_axis("group")


@dataclass
class Attributions:
    method: str  # how they were computed, in words for the page
    groups: pd.DataFrame  # rows: feature groups; columns: emotions
    features: pd.DataFrame | None  # rows: features (value, group, one column per emotion), when per feature


def attributions(model, blocks) -> Attributions | None:
    """What pushed the prediction of one featurised row, for the models built on the feature set; None for the
    others (TF-IDF, the lexicon rule: their evidence is the words themselves)."""
    if not hasattr(model, "featurizer_"):
        return None
    if hasattr(model, "net_"):
        features = network_attributions(model, blocks)
        return Attributions("gradient × input of each emotion's log-odds, on the standardised features "
                            "(0 = the training mean), summed per feature group",
                            features.groupby("group", sort=False)[list(EMOTIONS)].sum(), features)
    return Attributions("change in each emotion's log-odds when a feature group is set to its training mean",
                        occlusion_attributions(model, blocks), None)
