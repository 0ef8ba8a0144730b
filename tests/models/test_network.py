import pytest
import torch

from models.network.config import NetConfig
from models.network.module import EmotionNet

SHAPE = {"hidden": 8, "embed": 4, "dropout": 0.3}


def test_outputs_and_intensities_in_range():
    net = EmotionNet(NetConfig(text_dim=5, image_dim=3, **SHAPE)).eval()
    logits, intensity = net(torch.randn(6, 5), torch.randn(6, 3), torch.ones(6, 2))
    assert logits.shape == (6, 4) and intensity.shape == (6, 4)
    assert ((intensity >= 0) & (intensity <= 1)).all()


def test_a_missing_modality_does_not_reach_the_output():
    torch.manual_seed(0)
    net = EmotionNet(NetConfig(text_dim=5, image_dim=3, **SHAPE)).eval()
    image = torch.randn(2, 3)
    image_only = torch.tensor([[0.0, 1.0], [0.0, 1.0]])
    a = net(torch.randn(2, 5), image, image_only)
    b = net(torch.randn(2, 5) * 100, image, image_only)
    torch.testing.assert_close(a, b)  # the text input is masked out entirely
    both = net(torch.randn(2, 5), image, torch.ones(2, 2))
    assert not torch.allclose(a[0], both[0])


def test_single_branch_networks():
    text_only = EmotionNet(NetConfig(text_dim=5, **SHAPE))
    logits, _ = text_only(torch.randn(3, 5), torch.zeros(3, 0), torch.tensor([[1.0, 0.0]] * 3))
    assert logits.shape == (3, 4) and text_only.image is None
    with pytest.raises(ValueError, match="needs a text branch"):
        EmotionNet(NetConfig(**SHAPE))


def test_the_weight_shapes_of_a_config_are_those_of_its_network():
    for dims in ({"text_dim": 5, "image_dim": 3}, {"text_dim": 5}, {"image_dim": 3}):
        config = NetConfig(**dims, **SHAPE)
        net = EmotionNet(config)
        assert config.weight_shapes() == {name: tuple(value.shape) for name, value in net.state_dict().items()}


def test_a_saved_net_config_is_checked():
    assert NetConfig.from_saved({"text_dim": 5, **SHAPE}) == NetConfig(text_dim=5, **SHAPE)
    text = {**SHAPE, "text_dim": 5}
    for values, message in [([1, 2], "is not an object of hidden, embed, dropout"),
                            ({"text_dim": 5, "hidden": 8}, "has no embed, dropout"),
                            ({**text, "depth": 3}, "has unknown depth"),
                            ({**text, "hidden": 10**12}, r"hidden=10+: must be a whole number in \[1, 4096\]"),
                            ({**text, "embed": "64"}, "embed='64'"),
                            ({**SHAPE, "text_dim": True}, "text_dim=True"),
                            ({**text, "n_emotions": 3}, r"n_emotions=3: must be a whole number in \[4, 4\]"),
                            ({**text, "dropout": float("nan")}, r"dropout=nan: must be a number in \[0, 1\)"),
                            (SHAPE, "has neither a text branch nor an image branch")]:
        with pytest.raises(ValueError, match=message):
            NetConfig.from_saved(values)
