from django import template

from xiaonuo.feedback.forms import ASPECT_LABELS

register = template.Library()


@register.filter
def aspect_label(aspect: str) -> str:
    return str(ASPECT_LABELS.get(aspect, aspect))
