from wagtail import blocks
from wagtail.images.blocks import ImageBlock


class HeadingBlock(blocks.CharBlock):
    class Meta:
        icon = "title"
        form_classname = "title"
        template = "cms/blocks/heading.html"


class CallToActionBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120)
    link = blocks.PageChooserBlock()

    class Meta:
        icon = "link"
        template = "cms/blocks/call_to_action.html"


class BodyBlock(blocks.StreamBlock):
    """The blocks editors compose pages from; kept small on purpose."""

    heading = HeadingBlock(max_length=120)
    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "link", "ol", "ul", "h3", "h4"]
    )
    image = ImageBlock()
    quote = blocks.BlockQuoteBlock()
    call_to_action = CallToActionBlock()
