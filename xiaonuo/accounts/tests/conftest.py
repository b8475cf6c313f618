import pytest

from xiaonuo.accounts.tests.webhook_receiver import Receiver


@pytest.fixture
def receiver(settings):
    """A local webhook receiver; sending to loopback is allowed for the test's duration only."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    server = Receiver()
    yield server
    server.close()
