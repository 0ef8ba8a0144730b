"""The baselines the network is judged against: scikit-learn models on the same features, TF-IDF + logistic
regression, and a lexicon rule. Each also predicts intensities (a ridge regression per emotion, or for the
lexicon rule the emotion's top Affect Intensity score), so every model fills the same output columns."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from joblib import parallel_config
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from data.labelled import LabelledData
from emotions import EMOTIONS
from features.text.nrc_lexicons import NrcLexiconFeatures
from features.text.tokenize import TweetTokenizer
from models import store
from models.base import MIN_GOLD_INTENSITIES, EmotionModel, FeatureModel, Prediction, usable_cores
from models.settings import FeatureSettings, ModelSettings, in_range

# The types `model.skops` may name beyond those skops trusts by default (scikit-learn's public estimators and
# numpy/scipy containers): the private parts of the calibrated SVM and its shuffled folds, the boosted trees'
# private parts, and the constant that one-vs-rest fits for an emotion no training row has. Loading refuses a
# file naming anything else (`models.store.read_sklearn`).
TRUSTED_TYPES = frozenset({
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.multiclass._ConstantPredictor",
})


def _fit_intensity(matrix, intensity: np.ndarray, alpha: float = 10.0) -> list:
    """One ridge regression per emotion, on the rows whose intensity for it is known (None where fewer than
    `MIN_GOLD_INTENSITIES` are)."""
    regressors = []
    with threadpool_limits(1):  # as `_fitted`
        for i in range(len(EMOTIONS)):
            known = np.flatnonzero(np.isfinite(intensity[:, i]))
            regressors.append(Ridge(alpha=alpha).fit(matrix[known], intensity[known, i])
                              if len(known) >= MIN_GOLD_INTENSITIES else None)
    return regressors


def _without_intensity(regressors: list) -> list[str]:
    """The emotions `_fit_intensity` fitted no regression for."""
    return [emotion for emotion, regressor in zip(EMOTIONS, regressors) if regressor is None]


def _predict_intensity(regressors: list, matrix) -> np.ndarray:
    out = np.full((matrix.shape[0], len(EMOTIONS)), np.nan)
    for i, regressor in enumerate(regressors):
        if regressor is not None and matrix.shape[0]:
            out[:, i] = np.clip(regressor.predict(matrix), 0, 1)
    return out


@dataclass(frozen=True)
class LogisticRegressionSettings(FeatureSettings):
    C: float = 1.0  # inverse regularisation strength

    def _check(self) -> None:
        in_range("C", self.C, 0, low_open=True)


@dataclass(frozen=True)
class LinearSVMSettings(LogisticRegressionSettings):
    # Small because on the default preset's data (21,736 rows, 3,063 standardised features) LinearSVC did not
    # converge in 20 minutes at C = 1 and fitted in 46 s at C = 0.001 (150 s at 0.1).
    C: float = 0.001


@dataclass(frozen=True)
class BoostedTreesSettings(FeatureSettings):
    max_iter: int = 200
    learning_rate: float = 0.1

    def _check(self) -> None:
        in_range("max_iter", self.max_iter, 1, 10_000)
        in_range("learning_rate", self.learning_rate, 0, 1, low_open=True)


@dataclass(frozen=True)
class TfidfSettings(ModelSettings):
    C: float = 10.0

    def _check(self) -> None:
        in_range("C", self.C, 0, low_open=True)


def _logistic_regression(C: float):
    return LogisticRegression(C=C, max_iter=3000, class_weight="balanced")


def _one_vs_rest(base, presence: bool):
    return OneVsRestClassifier(base) if presence else base


def _fitted(classifier, matrix, target, processes: int = 1):
    """`classifier.fit`, one-vs-rest's emotions (or a calibrated SVM's folds) fitted in `processes` processes, and
    without scikit-learn's warning for an emotion no row has (one-vs-rest then predicts a constant):
    `EmotionModel.fit` names such emotions in the model card and the command line warns of them.

    On one BLAS thread: the same model whether two cores or one are free (a `train-zoo` worker has one), where
    the thread count changed the order of lbfgs's sums and so its last digits; and no slower, since lbfgs on the
    zoo's 60,805 × 3,071 matrix waits on memory (one emotion: 25 s on one thread, 32 s on two)."""
    with warnings.catch_warnings(), parallel_config(n_jobs=processes), threadpool_limits(1):
        warnings.filterwarnings("ignore", message="Label not .* is present in all training examples")
        return classifier.fit(matrix, target)


def _target(train: LabelledData, presence: bool) -> np.ndarray:
    """Presence per emotion (human judgement, else the row's label) for a presence model; else the label."""
    return train.association_targets() if presence else train.labels.argmax(axis=1)


def _probabilities(classifier, matrix, presence: bool) -> np.ndarray:
    if not matrix.shape[0]:
        return np.zeros((0, len(EMOTIONS)))
    probabilities = classifier.predict_proba(matrix)
    if presence:
        return np.asarray(probabilities, dtype=float)
    out = np.zeros((matrix.shape[0], len(EMOTIONS)))
    out[:, classifier.classes_.astype(int)] = probabilities
    return out


def _outputs(probabilities: np.ndarray, intensities: np.ndarray, presence: bool):
    """As the network's (`models.network.module.outputs`): a presence model's intensity is P(present) × how
    strong the emotion is when present."""
    return probabilities, probabilities * intensities if presence else intensities


class FeatureBaseline(FeatureModel):
    """A scikit-learn classifier on the network's own features (text, image and the modality mask)."""

    modalities = ("text", "image")
    parallel_fit = False  # True: its emotions are fitted in as many processes as there are cores, up to four

    def _classifier(self, seed: int):
        raise NotImplementedError

    def _fit(self, train: LabelledData, valid, seed: int, on_epoch=None, should_stop=None):
        self.featurizer_ = self._featurizer()
        # Fitted on float32, which standardised features need no more than, and scored on float64, so that the
        # probabilities sum to 1 as every model's do: logistic regression on the zoo's 60,805 × 3,071 matrix fits
        # in 0.6 of the time, its lbfgs waiting on memory.
        matrix = self.featurizer_.fit_transform(train).stacked(np.float32)
        if valid is not None:  # scored after the fit: an image that cannot be read is refused before it
            self.featurizer_.check_images(valid)
        processes = min(len(EMOTIONS), usable_cores()) if self.parallel_fit else 1
        self.classifier_ = _fitted(_one_vs_rest(self._classifier(seed), self.presence), matrix,
                                   _target(train, self.presence), processes)
        self.intensity_ = _fit_intensity(matrix, train.intensity)

    def emotions_without_intensity(self) -> list[str]:
        return _without_intensity(self.intensity_)

    def predict_blocks(self, blocks):
        """(probabilities, intensities) of featurised rows, as `NetworkModel.predict_blocks` gives them."""
        matrix = blocks.stacked()
        return _outputs(_probabilities(self.classifier_, matrix, self.presence),
                        _predict_intensity(self.intensity_, matrix), self.presence)

    def _save(self, directory: Path) -> None:
        store.write_featurizer(directory, self.featurizer_)
        store.write_sklearn(directory, {"classifier": self.classifier_, "intensity": self.intensity_})

    def _restore(self, directory: Path) -> None:
        self.featurizer_ = store.read_featurizer(directory)
        state = store.read_sklearn(directory, TRUSTED_TYPES)
        self.classifier_, self.intensity_ = state["classifier"], state["intensity"]


class LogisticRegressionBaseline(FeatureBaseline):
    name = "logreg"
    description = "logistic regression on the network's features"
    Settings = LogisticRegressionSettings

    def _classifier(self, seed: int):
        return _logistic_regression(self.settings.C)


class LinearSVMBaseline(FeatureBaseline):
    name = "linear_svm"
    description = "linear SVM (calibrated) on the network's features: the 'CNN features into an SVM' recipe"
    Settings = LinearSVMSettings
    # liblinear uses one core. The zoo's SVM (60,805 rows) took 459 s to fit in one process on 2 cores and 336 s in
    # two, the same model: liblinear's solver is deterministic. Logistic regression is not fitted so: its lbfgs
    # already uses every core through numpy, and took 237 s in two processes against 168 s in one.
    parallel_fit = True

    def _classifier(self, seed: int):
        # Calibrated, so that it gives probabilities like every other model, on two shuffled folds: the training
        # rows come collection by collection (the faces last), and scikit-learn's unshuffled folds left one SVM of
        # three with no face to learn from. On the zoo's rows two shuffled folds gave what three did (E-c dev 0.527
        # against 0.533, FER2013 0.559 against 0.566) in 210 s against 381 s.
        folds = StratifiedKFold(n_splits=2, shuffle=True, random_state=seed)
        return CalibratedClassifierCV(LinearSVC(C=self.settings.C, class_weight="balanced", random_state=seed),
                                      cv=folds)


class BoostedTreesBaseline(FeatureBaseline):
    name = "boosted_trees"
    description = "histogram gradient-boosted trees on the network's features"
    Settings = BoostedTreesSettings

    def _classifier(self, seed: int):
        # Imported here: sklearn.ensemble takes 0.12 s to import, which every fresh process loading a model paid.
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(max_iter=self.settings.max_iter, learning_rate=self.settings.learning_rate,
                                              class_weight="balanced", random_state=seed)


class TfidfBaseline(EmotionModel):
    """Word 1–2-gram TF-IDF + logistic regression: strong in-domain, the usual text-classification baseline."""

    name = "tfidf_logreg"
    modalities = ("text",)
    description = "TF-IDF word n-grams + logistic regression (text only)"
    Settings = TfidfSettings
    skips_person_words = False  # "she", "he" and names are n-grams like any other

    def _fit(self, train: LabelledData, valid, seed: int, on_epoch=None, should_stop=None):
        self.vectorizer_ = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=True)
        matrix = self.vectorizer_.fit_transform(train.texts)
        self.classifier_ = _one_vs_rest(_logistic_regression(self.settings.C), self.presence)
        _fitted(self.classifier_, matrix, _target(train, self.presence))
        self.intensity_ = _fit_intensity(matrix, train.intensity, alpha=1.0)

    def emotions_without_intensity(self) -> list[str]:
        return _without_intensity(self.intensity_)

    def _predict(self, texts, images) -> Prediction:
        matrix = self.vectorizer_.transform(texts)
        outputs = _outputs(_probabilities(self.classifier_, matrix, self.presence),
                           _predict_intensity(self.intensity_, matrix), self.presence)
        return Prediction(*outputs, [None] * len(texts))

    def feature_names(self) -> list[str]:
        return [f"tfidf__{term}" for term in self.vectorizer_.get_feature_names_out()]

    def _save(self, directory: Path) -> None:
        store.write_sklearn(directory, {"vectorizer": self.vectorizer_, "classifier": self.classifier_,
                                        "intensity": self.intensity_})

    def _restore(self, directory: Path) -> None:
        state = store.read_sklearn(directory, TRUSTED_TYPES)
        self.vectorizer_, self.classifier_, self.intensity_ = state["vectorizer"], state["classifier"], state["intensity"]


class LexiconRuleBaseline(EmotionModel):
    """The emotion with the highest lexicon score: summed Affect Intensity plus the EmoLex share per emotion.
    Probabilities are the scores normalised to sum to 1 (for a tweet with no lexicon hit, 0.7 for the most
    frequent training emotion and 0.1 for each other); intensities are the emotion's top Affect Intensity score."""

    name = "lexicon_rule"
    modalities = ("text",)
    description = "rule: the emotion with the highest lexicon score (text only, nothing learned but the fallback)"
    reads_presence = False  # always a 4-way choice
    learns_from_labels = False
    rule_lexicons = ("EmoLex", "Affect Intensity")

    def _fit(self, train: LabelledData, valid, seed: int, on_epoch=None, should_stop=None):
        self.fallback_ = int(train.labels.sum(axis=0).argmax())

    @property
    def fallback(self) -> str:
        """The answer to a tweet with no lexicon hit: the emotion most frequent in the training data."""
        return EMOTIONS[self.fallback_]

    def _predict(self, texts, images) -> Prediction:
        tokens = TweetTokenizer().fit_transform(texts)
        lexicon = NrcLexiconFeatures().fit(tokens)
        names = list(lexicon.get_feature_names_out())
        features = lexicon.transform(tokens)

        def block(stat):
            start = names.index(f"{stat}_{EMOTIONS[0]}")
            return features[:, start:start + len(EMOTIONS)]

        scores = block("affect_intensity_sum") + block("emolex_freq")
        total = scores.sum(axis=1, keepdims=True)
        probabilities = np.where(total > 0, scores / np.where(total > 0, total, 1), 0.0)
        empty = total.ravel() == 0
        probabilities[empty] = 0.1
        probabilities[empty, self.fallback_] = 0.7
        return Prediction(probabilities, block("affect_intensity_max"), [None] * len(texts))

    def _save(self, directory: Path) -> None:
        self.config["fallback"] = self.fallback_

    def _restore(self, directory: Path) -> None:
        self.fallback_ = int(self.config["fallback"])
