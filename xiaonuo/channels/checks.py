"""``manage.py check`` (and ``runserver``) say so when the widget cannot reach the desk."""

from typing import Any

from django.core.checks import CheckMessage, Tags, Warning, register

from xiaonuo.channels import desk_port


@register(Tags.urls)
def widget_wired_to_the_desk(**_kwargs: Any) -> list[CheckMessage]:
    if desk_port.is_wired():
        return []
    return [
        Warning(
            "The web chat widget cannot reach the desk: the listeners module has no "
            f"{desk_port.WIRING_NAME}, so visitors' messages would fail.",
            hint="Add CHANNEL_DESK to xiaonuo/listeners.py (see xiaonuo/channels/desk_port.py).",
            id="channels.W001",
        )
    ]
