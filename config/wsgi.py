import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Load the URLs and the API now rather than at the first request, then move everything loaded so
# far out of the garbage collector's reach: it lives as long as the process, and a full collection
# walking it would add about 100 ms to some requests (the boards' p95).
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
gc.freeze()
