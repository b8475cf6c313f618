"""The desk's replies to WeChat followers (staff replies, and answers too late for the passive
reply) go out as customer-service text messages (``client.WeChatClient``)."""

from xiaonuo.channels.models import Channel, WeChatAccount
from xiaonuo.channels.outbound import DeliveryFailed, OutboundMessage
from xiaonuo.channels.wechat.client import WeChatClient


class WeChatPusher:
    def push(self, *, channel: Channel, message: OutboundMessage) -> str:
        openid = message.recipient.get("openid", "")
        if not openid:
            raise DeliveryFailed("The customer has no WeChat openid to write to", retry=False)
        account = WeChatAccount.objects.filter(channel=channel).select_related("channel").first()
        if account is None:
            raise DeliveryFailed("The channel has no Official Account settings", retry=False)
        with WeChatClient(account) as client:
            client.send_text(openid=openid, text=message.text)
        return ""  # WeChat's send API returns no message id
