import pytest

from features.image.cache import CACHE_ENV_VAR


@pytest.fixture(autouse=True, scope="session")
def private_image_cache(tmp_path_factory):
    """Tests never read or write the user's real image-feature cache."""
    patch = pytest.MonkeyPatch()
    patch.setenv(CACHE_ENV_VAR, str(tmp_path_factory.mktemp("image-cache") / "features.sqlite3"))
    yield
    patch.undo()
