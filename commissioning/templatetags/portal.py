"""Template filters for the portal's house style (£1,234.56 and 1 April 2025), and two
tags that keep long lists cheap to render."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import partial

from crispy_forms.utils import render_crispy_form
from django import forms, template
from django.utils import dateformat, timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from commissioning.freshness import cached

register = template.Library()

MONTHS = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@register.filter
def money(value) -> str:
    """``Decimal("1234.5")`` -> ``£1,234.50``; negative amounts as ``-£1,234.50``."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


@register.filter
def ukdate(value) -> str:
    """A date or datetime as ``1 April 2025`` (in the UK's time zone for datetimes)."""
    if not value:
        return ""
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    # Written directly rather than through dateformat ("j F Y"): a list of a few hundred
    # dates spent milliseconds in Django's general formatter (issue 11). The portal is
    # in English only, as GOV.UK's style for dates is.
    return f"{value.day} {MONTHS[value.month]} {value.year}"


@register.filter
def ukdatetime(value) -> str:
    """A datetime as ``1 April 2025 at 2:30pm``."""
    if not value:
        return ""
    value = timezone.localtime(value) if timezone.is_aware(value) else value
    time = dateformat.format(value, "g:iA").replace(":00", "").lower()
    return f"{dateformat.format(value, 'j F Y')} at {time}"


@register.simple_tag
def page_links(page_obj) -> list:
    """The page numbers a pager links to: the first and last, two either side of this
    one, and None for each gap (an ellipsis). Walking every page number in the template
    cost a list of 50,000 grants (2,000 pages) several milliseconds (issue 11)."""
    ellipsis = page_obj.paginator.ELLIPSIS
    return [
        None if number == ellipsis else number
        for number in page_obj.paginator.get_elided_page_range(
            page_obj.number, on_each_side=2, on_ends=1
        )
    ]


def _option_attrs(attrs: dict) -> str:
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


@register.simple_tag
def select_options(widget: dict) -> SafeString:
    """A select widget's options (and option groups), written in Python: the same HTML
    as Django's select_option.html, without rendering a template per option. A filter
    select of a few hundred officers or organisations took a list page tens of
    milliseconds through the template engine (issue 11)."""
    parts = []
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'<optgroup label="{conditional_escape(group_name)}">')
        parts.extend(
            f'<option value="{conditional_escape(str(option["value"]))}"'
            f"{_option_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>"
            for option in options
        )
        if group_name:
            parts.append("</optgroup>")
    return mark_safe("\n".join(parts))  # noqa: S308 - every value above is escaped


@register.simple_tag
def filter_form(form) -> SafeString:
    """A list's filter form, rendered by crispy-forms as ``{% crispy form %}`` does, and
    kept as a cached figure (``commissioning.freshness``): rendering a filter form with
    its selects of officers and organisations was the largest part of a list page's
    time at national scale (issue 11), and the form is the same for everyone who sends
    the same filters and may see the same records. The key holds the form's fields and
    choices, what was sent and today's date (financial years move on); the selects'
    querysets are its tables."""
    reads = [f.queryset for f in form.fields.values() if isinstance(f, forms.ModelChoiceField)]
    data = sorted(form.data.lists()) if hasattr(form.data, "lists") else sorted(form.data.items())
    shape = [
        (
            name,
            str(field.label),
            None
            if isinstance(field, forms.ModelChoiceField)
            else repr(list(getattr(field, "choices", ()))),
        )
        for name, field in form.fields.items()
    ]
    vary = (type(form).__qualname__, tuple(form.fields), shape, data, timezone.localdate())
    return cached("filter-form", partial(render_crispy_form, form), reads=reads, vary=vary)
