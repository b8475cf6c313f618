import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaonuo.settings")
application = get_wsgi_application()

# The tone check's Chinese dictionary (~0.8 s, ~70 MB) loads when a server process starts, not on
# an agent's first reply; CLI commands and the worker do not pay for it.
from xiaonuo.nlp.tone import warm_up  # noqa: E402

warm_up()
