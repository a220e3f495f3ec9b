from wagtail import blocks
from wagtail.images.blocks import ImageBlock


class CallToActionBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120)
    link = blocks.PageChooserBlock()

    class Meta:
        icon = "link"
        template = "cms/blocks/call_to_action.html"


class BodyBlock(blocks.StreamBlock):
    """The blocks editors compose pages from; kept small on purpose."""

    heading = blocks.CharBlock(form_classname="title", icon="title", max_length=120)
    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "link", "ol", "ul", "h3", "h4"]
    )
    image = ImageBlock()
    quote = blocks.BlockQuoteBlock()
    call_to_action = CallToActionBlock()
