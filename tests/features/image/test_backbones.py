import numpy as np
import pytest
import torch
from PIL import Image
from sklearn.datasets import load_sample_image
from torch import nn

from features.image.backbones import (
    BackboneSpec,
    available_backbones,
    get_backbone_spec,
    layer_widths,
    load_backbone,
    prepared_extractor,
    register_backbone,
)
from features.image.decode import crop_resize
from features.image.extractor import make_image_features

DAISY = 985  # ImageNet class index of "daisy"


@pytest.fixture(scope="module")
def lite0():
    return load_backbone("efficientnet_lite0", input_size=224)


def test_default_backbone_classifies_the_sklearn_flower_as_daisy(lite0):
    flower = Image.fromarray(load_sample_image("flower.jpg"))
    x = lite0.preprocess(flower)
    assert x.shape == (1, 3, 224, 224)
    assert -1.0 <= float(x.min()) and float(x.max()) <= 1.0  # (pixel - 127) / 128
    with torch.inference_mode():
        probs = lite0.model(x).softmax(dim=1)[0]
    assert int(probs.argmax()) == DAISY
    # the same crop with torchvision's ImageNet mean/std (the wrong recipe for these weights) is far less sure
    pixels = crop_resize(flower, 224, lite0.crop_fraction).astype(np.float32) / 255
    wrong = (pixels - (0.485, 0.456, 0.406)) / (0.229, 0.224, 0.225)
    with torch.inference_mode():
        wrong_probs = lite0.model(torch.from_numpy(wrong.astype(np.float32)).permute(2, 0, 1)[None]).softmax(1)[0]
    assert float(probs[DAISY]) > 0.3 > float(wrong_probs[DAISY])


def test_declared_lite0_widths_are_what_the_network_gives():
    spec = get_backbone_spec("efficientnet_lite0")
    layers = tuple(name for name, _ in spec.widths)
    assert layer_widths(spec, 160, layers) == dict(spec.widths)
    assert layer_widths(spec, 160, layers, measure=True) == {"stage5": 112, "stage6": 192, "stage7": 320, "head": 1280}


def test_gradcam_layer_is_reachable_and_differentiable(lite0):
    seen = {}
    layer = lite0.gradcam_layer
    assert layer is lite0.model._bn1
    handle = layer.register_forward_hook(lambda m, i, o: seen.setdefault("act", o))
    x = lite0.preprocess(Image.fromarray(load_sample_image("flower.jpg")))
    logits = lite0.model(x)
    handle.remove()
    grad = torch.autograd.grad(logits[0, DAISY], seen["act"])[0]
    assert seen["act"].shape == (1, 1280, 7, 7) and grad.shape == (1, 1280, 7, 7)
    assert float(grad.abs().sum()) > 0


def test_traced_extractor_matches_eager():
    spec = get_backbone_spec("efficientnet_lite0")
    rng = np.random.default_rng(0)
    pixels = torch.from_numpy(rng.integers(0, 256, (3, 64, 64, 3), dtype=np.uint8))
    eager = prepared_extractor(spec, 64, ("stage6", "head"), ("mean", "max"), "eager")
    traced = prepared_extractor(spec, 64, ("stage6", "head"), ("mean", "max"), "trace", example_batch=2)
    with torch.inference_mode():
        a, b, b1 = eager(pixels), traced(pixels), traced(pixels[:1])
    assert a.shape == (3, 2 * (192 + 1280))
    assert torch.allclose(a, b, atol=1e-4) and torch.allclose(a[:1], b1, atol=1e-4)


def test_a_damaged_onnx_export_is_exported_again_not_failing_every_image_run(tmp_path, monkeypatch):
    """An export cut short (a disk that filled, a copied cache) failed every image run with onnxruntime's
    "protobuf parsing failed", naming no file, until someone found and deleted it."""
    from features.image.backbones import onnx_model

    monkeypatch.setenv("TWEET_EMOTION_IMAGE_CACHE", str(tmp_path / "features.sqlite3"))  # a cache of the test's own
    spec, layers = get_backbone_spec("efficientnet_lite0"), (("stage6",), ("mean",))
    whole = onnx_model(spec, 72, *layers)
    (kept,) = (tmp_path / "onnx").glob("*.onnx")
    kept.write_bytes(whole[:1000])
    pixels = np.random.default_rng(0).integers(0, 256, (2, 72, 72, 3), dtype=np.uint8)
    features = prepared_extractor(spec, 72, *layers, "onnx")(pixels)
    eager = prepared_extractor(spec, 72, *layers, "eager")
    with torch.inference_mode():
        assert np.allclose(features, eager(torch.from_numpy(pixels)).numpy(), atol=1e-4)
    assert kept.stat().st_size == len(whole)  # replaced by the new export


def test_unknown_backbone_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown backbone 'resnet9000'; registered backbones: .*efficientnet_lite0"):
        get_backbone_spec("resnet9000")


class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, kernel_size=3, stride=2, padding=1)

    def forward(self, x):
        return torch.relu(self.conv(x))


def tiny_spec(weights, name="tiny_test_net"):
    return BackboneSpec(name=name, build=lambda size: TinyNet(), weights=weights,
                        feature_maps=lambda model, x: {"conv": model(x)}, default_layers=("conv",),
                        mean=(100.0, 100.0, 100.0), std=(50.0, 50.0, 50.0), default_size=32)


def test_custom_backbone_from_a_local_weights_file(tmp_path):
    torch.manual_seed(0)
    net = TinyNet()
    torch.save(net.state_dict(), tmp_path / "tiny.pt")
    spec = register_backbone(tiny_spec(tmp_path / "tiny.pt"))
    assert "tiny_test_net" in available_backbones()
    with pytest.raises(ValueError, match="already registered"):
        register_backbone(spec)

    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    feats = make_image_features(backbone="tiny_test_net", input_size=16, crop_fraction=1.0,
                                cache=tmp_path / "c.sqlite3").fit()
    assert feats.get_feature_names_out().tolist() == [
        *(f"image__tiny_test_net_conv_mean_{i}" for i in range(4)),
        *(f"image__tiny_test_net_conv_max_{i}" for i in range(4)),
        "image__has_image",
    ]
    X = feats.transform([Image.fromarray(pixels), None])
    with torch.no_grad():
        maps = net((torch.from_numpy(pixels).permute(2, 0, 1)[None].float() - 100.0) / 50.0)
    expected = torch.cat([maps.mean(dim=(2, 3)), maps.amax(dim=(2, 3))], dim=1)[0].numpy()
    np.testing.assert_allclose(X[0, :8], expected, rtol=1e-5, atol=1e-6)
    assert X[:, 8].tolist() == [1.0, 0.0] and (X[1] == 0).all()


def test_custom_backbone_with_missing_weights_names_the_file(tmp_path):
    spec = tiny_spec(tmp_path / "nowhere.pt", name="tiny_missing")
    with pytest.raises(FileNotFoundError, match="nowhere.pt"):
        make_image_features(backbone=spec, input_size=16, cache=False).fit()


def test_unknown_layer_is_reported(tmp_path):
    torch.save(TinyNet().state_dict(), tmp_path / "t.pt")
    with pytest.raises(ValueError, match="has no feature map 'head'; available: conv"):
        make_image_features(backbone=tiny_spec(tmp_path / "t.pt", "tiny_layers"), layers=("head",),
                            input_size=16, cache=False).fit()
