import os

import pytest
from hypothesis import settings

from features.image.cache import CACHE_ENV_VAR

# Hypothesis keeps no example database in the checkout (`.hypothesis/`), prints how to reproduce a failure, and
# draws the same examples on every run under CI=true (a failure there comes back the same when run again).
settings.register_profile("project", database=None, print_blob=True, derandomize=bool(os.environ.get("CI")))
settings.load_profile("project")


@pytest.fixture(autouse=True, scope="session")
def private_image_cache(tmp_path_factory):
    """Tests never read or write the user's real image-feature cache."""
    patch = pytest.MonkeyPatch()
    patch.setenv(CACHE_ENV_VAR, str(tmp_path_factory.mktemp("image-cache") / "features.sqlite3"))
    yield
    patch.undo()
