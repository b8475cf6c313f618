from enum import StrEnum


class ChannelsError(StrEnum):
    CHANNEL_NOT_FOUND = "channel_not_found"  # unknown id, or another workspace's channel
    CHANNEL_DISABLED = "channel_disabled"  # the workspace switched the channel off
    CHANNEL_KIND_INVALID = "channel_kind_invalid"
    CHANNEL_NAME_INVALID = "channel_name_invalid"  # empty or longer than 100 characters
    DELIVERY_FAILED = "delivery_failed"  # the channel's service refused or did not answer
