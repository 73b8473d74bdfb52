"""Settings for ``python -m bench``: the product's settings plus the bench-only baseline app.

The baseline app is installed here and nowhere else, so it never reaches the product's
INSTALLED_APPS, migrations or URLs.
"""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.baseline"]
ROOT_URLCONF = "bench.urls"

# No rate limits: the HTTP figures measure how fast the API can write, not the limit (60
# writes a minute per user by default, per gunicorn worker with the local-memory cache),
# and the bare DRF baseline shares the product's default throttle classes. web.rest's
# throttles read this at request time; a scope without a rate is not limited.
API_THROTTLE_RATES = {}
