"""The console's forms for auto-reply: they parse what people type; the services check the rules
(lengths, a safe regular expression, one standard question per workspace) and say what is wrong
with a stable code."""

from datetime import date, timedelta

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xiaonuo.autoreply.models import (
    ANSWER_MAX_CHARS,
    PATTERN_MAX_CHARS,
    QUESTION_MAX_CHARS,
    AnswerKind,
    MatchType,
)
from xiaonuo.autoreply.services.files import MAX_FILE_BYTES
from xiaonuo.channels.models import ChannelKind

METRICS_MAX_DAYS = 366


def split_lines(text: str) -> list[str]:
    """One item a line, trimmed, blank lines and repeats dropped, order kept."""
    seen: dict[str, None] = {}
    for line in text.splitlines():
        line = line.strip()
        if line:
            seen.setdefault(line, None)
    return list(seen)


def split_words(text: str) -> list[str]:
    """Words separated by commas (either width), 、, spaces or new lines."""
    for separator in ("，", "、", "\n", " ", "\t"):
        text = text.replace(separator, ",")
    seen: dict[str, None] = {}
    for word in text.split(","):
        word = word.strip()
        if word:
            seen.setdefault(word, None)
    return list(seen)


class EntryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("问题、说法或回复里的字")}),
    )
    tag = forms.CharField(label=_("标签"), required=False, max_length=30)
    enabled = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("on", _("启用中")), ("off", _("已停用"))],
    )


class AnswerForm(forms.Form):
    """The answer fields shared by entries, keyword rules and the welcome reply."""

    answer_kind = forms.ChoiceField(
        label=_("回复类型"), choices=AnswerKind.choices, initial=AnswerKind.TEXT
    )
    answer_text = forms.CharField(
        label=_("回复内容"),
        required=False,
        max_length=ANSWER_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    answer_url = forms.CharField(label=_("链接"), required=False, max_length=500)
    answer_media_id = forms.CharField(label=_("素材 ID"), required=False, max_length=200)
    answer_title = forms.CharField(label=_("图文标题"), required=False, max_length=100)
    answer_description = forms.CharField(label=_("图文摘要"), required=False, max_length=300)
    answer_picurl = forms.CharField(label=_("图文封面"), required=False, max_length=500)


class EntryForm(AnswerForm):
    question = forms.CharField(label=_("标准问题"), max_length=QUESTION_MAX_CHARS)
    phrasings = forms.CharField(
        label=_("其他问法"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("每行一种问法。删掉一行即删除这种问法，可以一次粘贴多行。"),
    )
    tags = forms.CharField(
        label=_("标签"), required=False, help_text=_("用逗号分隔，例如：退款, 配送")
    )
    enabled = forms.BooleanField(label=_("启用"), required=False, initial=True)
    valid_from = forms.DateTimeField(
        label=_("生效时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    valid_until = forms.DateTimeField(
        label=_("失效时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def phrasing_list(self) -> list[str]:
        return split_lines(self.cleaned_data["phrasings"])

    def tag_list(self) -> list[str]:
        return split_words(self.cleaned_data["tags"])


class ImportForm(forms.Form):
    file = forms.FileField(label=_("文件（CSV 或 Excel .xlsx）"))

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("文件太大：最多 10 MB。"))
        return upload


class RuleForm(AnswerForm):
    name = forms.CharField(label=_("规则名称"), max_length=60)
    match_type = forms.ChoiceField(
        label=_("匹配方式"), choices=MatchType.choices, initial=MatchType.CONTAINS
    )
    pattern = forms.CharField(label=_("关键词"), max_length=PATTERN_MAX_CHARS)
    priority = forms.IntegerField(
        label=_("优先级"),
        initial=0,
        min_value=-1000,
        max_value=1000,
        help_text=_("数字大的先匹配。"),
    )
    enabled = forms.BooleanField(label=_("启用"), required=False, initial=True)


class SettingsForm(AnswerForm):
    enabled = forms.BooleanField(label=_("启用自动回复"), required=False)
    threshold = forms.FloatField(
        label=_("回答阈值"),
        required=False,
        min_value=0.0,
        max_value=1.0,
        help_text=_(
            "机器人对最佳答案的把握（0–1）达到这个值才直接回答，否则转人工并把候选答案给客服参考。"
            "调高：答得更少但更准；调低：答得更多但更容易答错。留空使用系统默认值。"
        ),
    )
    channel_kinds = forms.MultipleChoiceField(
        label=_("在这些渠道自动回复"),
        required=False,
        choices=ChannelKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    repeat_count = forms.IntegerField(
        label=_("重复提问几次转人工"), min_value=2, max_value=20, initial=3
    )
    repeat_window_minutes = forms.IntegerField(
        label=_("重复提问的时间窗（分钟）"), min_value=1, max_value=1440, initial=30
    )


class DictionaryForm(forms.Form):
    words = forms.CharField(
        label=_("自定义词典"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("每行一个词：产品名、门店名、黑话……分词时保持完整，例如「杨枝甘露」。"),
    )

    def word_list(self) -> list[str]:
        return split_lines(self.cleaned_data["words"])


class SynonymForm(forms.Form):
    words = forms.CharField(
        label=_("同义词"),
        max_length=500,
        help_text=_("一组意思相同的词，用逗号分隔，例如：退款, 退钱, 退费"),
    )

    def word_list(self) -> list[str]:
        return split_words(self.cleaned_data["words"])


class TestForm(forms.Form):
    question = forms.CharField(
        label=_("用户的问题"),
        max_length=QUESTION_MAX_CHARS,
        widget=forms.TextInput(attrs={"placeholder": _("例如：退款多久到账？"), "autofocus": True}),
    )


class ConfirmForm(forms.Form):
    """An agent says which entry answers a question (the test box, the desk's suggestions)."""

    query = forms.CharField(max_length=2000)
    faq_id = forms.IntegerField(min_value=1)


class ConfirmEntryForm(forms.Form):
    """An agent picks one of the bot's suggestions on a ticket."""

    faq_id = forms.IntegerField(min_value=1)


class MetricsRangeForm(forms.Form):
    start = forms.DateField(
        label=_("从"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("到"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def range(self) -> tuple[date, date]:
        """The chosen days (both included); the last 30 days by default, a year at most."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=29)
        if start > end:
            start, end = end, start
        if (end - start).days >= METRICS_MAX_DAYS:
            start = end - timedelta(days=METRICS_MAX_DAYS - 1)
        return start, end
