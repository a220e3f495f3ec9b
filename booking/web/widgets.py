"""A <select> for long lists (every time zone: about 600 options) written as one
string instead of one template render per option, which made the time-zone menu
most of the account page's time (issue 26). Same HTML as Django's Select."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

SELECTED = mark_safe(" selected")


class LongSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        final = {"name": name, **self.build_attrs(self.attrs, attrs)}
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "\n",
            '<option value="{}"{}>{}</option>',
            (
                (key, SELECTED if str(key) in chosen else "", label)
                for key, label in self.choices
            ),
        )
        return format_html("<select{}>\n{}\n</select>", flatatt(final), options)
