from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    """Where messages come from and go to (DESIGN.md §2): WeChat Official Account, web chat widget,
    API, QQ groups, WeCom, e-mail — one inbound/outbound interface for the desk."""

    name = "xiaonuo.channels"
    label = "channels"

    def ready(self) -> None:
        from xiaonuo.channels import checks  # noqa: F401 - registers the system check
        from xiaonuo.channels import outbound as channels_outbound
        from xiaonuo.channels.models import ChannelKind
        from xiaonuo.channels.wechat.pusher import WeChatPusher

        # The desk pushes replies on WeChat conversations through the customer-service API.
        channels_outbound.register_pusher(ChannelKind.WECHAT_OA, WeChatPusher())
