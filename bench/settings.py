"""Settings for ``python -m bench``: the product's settings plus the bench-only baseline app.

The baseline app is installed here and nowhere else, so it never reaches the product's
INSTALLED_APPS, migrations or URLs.
"""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.baseline"]
ROOT_URLCONF = "bench.urls"
