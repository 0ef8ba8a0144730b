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
    try:
        EmotionNet(NetConfig(**SHAPE))
    except ValueError as error:
        assert "needs a text branch" in str(error)
    else:
        raise AssertionError("a network with no branch was built")
