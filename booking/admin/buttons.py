"""Buttons the admin's screens share."""

from wagtail.admin.widgets import Button


def post_button(label: str, url: str, *, icon_name="rotate", **kwargs) -> Button:
    """A button that POSTs to `url` through Wagtail's w-action controller. Pass
    `link=True` when the view answers a GET with a confirmation, so the button
    also works without JavaScript."""
    attrs = {
        "data-controller": "w-action",
        "data-action": "w-action#post",
        "data-w-action-url-value": url,
    }
    if kwargs.pop("link", False):
        kwargs["url"] = url
    return Button(label, icon_name=icon_name, attrs=attrs, **kwargs)
