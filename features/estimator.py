"""The scikit-learn transformer API for the text features, without importing scikit-learn.

Scoring a tweet must not pay for importing scikit-learn (about 0.9 s of a fresh process's 1 s budget), so the
text extractors derive from `Transformer` instead of `BaseEstimator` and `TransformerMixin`. They keep the same
contract (`get_params`/`set_params` from the constructor's arguments, `fit`, `transform`, `fit_transform`,
`get_feature_names_out`, fitted attributes ending in `_`), so `sklearn.base.clone`, `Pipeline` and
`FeatureUnion` take them as they take scikit-learn's own.
"""

from __future__ import annotations

import inspect


class NotFittedError(ValueError, AttributeError):
    """`transform` before `fit` (the same bases as scikit-learn's `NotFittedError`)."""


class Transformer:
    """Parameters are the constructor's keyword arguments, stored under their own names; fitted attributes end
    in `_`."""

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(name for name, p in signature.parameters.items()
                      if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))

    def get_params(self, deep: bool = True) -> dict:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; valid: {valid}")
            setattr(self, name, value)
        return self

    def fit_transform(self, X, y=None, **fit_params):
        return self.fit(X, y, **fit_params).transform(X)

    def check_fitted(self, attribute: str | None = None) -> None:
        """Raises `NotFittedError` unless `fit` has run: `attribute` is set, or (without one) any fitted
        attribute is."""
        fitted = hasattr(self, attribute) if attribute else any(
            name.endswith("_") and not name.startswith("__") for name in vars(self))
        if not fitted:
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")

    def __sklearn_tags__(self):  # scikit-learn asks only once it is imported, so this import costs nothing
        from sklearn.utils import Tags, TargetTags, TransformerTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False), transformer_tags=TransformerTags())

    def __repr__(self) -> str:
        changed = []
        for name in self._param_names():
            default = inspect.signature(type(self).__init__).parameters[name].default
            value = getattr(self, name)
            if value is not default and value != default:
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"
