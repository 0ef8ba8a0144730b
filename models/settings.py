"""Typed model settings: one dataclass per model kind, validated when it is built and saved to `config.json` as
it is. An unknown key, or a setting the model does not use, is an error that names the valid ones; the CLI's and
the Train page's defaults are read from these classes, so each default lives in one place.

Words used throughout: *settings* are what a user chooses for a model (these classes); *options* are the keyword
arguments of a feature extractor (`text_options`, `image_options`, part of the settings); a model's *config* is
what its `config.json` holds: its settings plus how it was trained (data, seed, versions).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ModelSettings:
    """Base of every model's settings. Subclasses add fields with defaults and, where it helps, `_check` ranges."""

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def defaults(cls) -> dict:
        return dataclasses.asdict(cls())

    @classmethod
    def from_dict(cls, values: dict | None, model: str = "this model") -> "ModelSettings":
        values = dict(values or {})
        unknown = sorted(set(values) - set(cls.names()))
        if unknown:
            valid = ", ".join(cls.names()) or "none"
            raise ValueError(f"{model} has no setting(s) {', '.join(unknown)}; its settings: {valid}")
        return cls(**values)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def __post_init__(self):
        hints = typing.get_type_hints(type(self))
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if not _is_instance(value, hints[item.name]):
                raise ValueError(f"setting {item.name}={value!r}: expected {_type_name(hints[item.name])}")
        self._check()

    def _check(self) -> None:
        """Ranges; raise ValueError naming the setting."""


def _is_instance(value, hint) -> bool:
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_is_instance(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    return isinstance(value, origin or hint)


def _type_name(hint) -> str:
    return getattr(hint, "__name__", None) or str(hint)


def in_range(name: str, value, low=None, high=None, low_open: bool = False, high_open: bool = False) -> None:
    """Raise ValueError unless low ≤ value ≤ high (with `_open`: strictly); NaN and infinities never are (NaN
    compares false with every bound, and no setting means anything at infinity)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"setting {name}={value!r}: must be a finite number")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        left, right = ("(" if low_open else "["), (")" if high_open else "]")
        raise ValueError(f"setting {name}={value!r}: must lie in {left}{low if low is not None else '-inf'}, "
                         f"{high if high is not None else 'inf'}{right}")


def _default_text_options() -> dict:
    # Every text feature group, the learned intensity lexicon (it is learned only where the data has gold
    # intensities) and the 50 dimensions of the mean word vector.
    return {"learn_intensity": True, "include_mean_vector": True}


@dataclass(frozen=True)
class FeatureSettings(ModelSettings):
    """Settings of a model that reads the feature blocks (`features.featurizer.Featurizer`)."""

    text_options: dict = field(default_factory=_default_text_options)  # make_text_features(**text_options)
    image_options: dict = field(default_factory=dict)  # make_image_features(**image_options)

    def __post_init__(self):
        super().__post_init__()
        if self.image_options:  # only what makes the features: a model's folder is data (check_model_options)
            from features.image.extractor import check_model_options

            check_model_options(self.image_options)
