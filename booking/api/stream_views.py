"""GET /api/v1/streams/: the stream's live posts, newest first, paginated, each
with its like, save and comment counts (annotated once for the whole page)."""

from rest_framework import generics, serializers

from booking.api.base import Pagination, PublicView
from booking.streams.pages import published_posts


class StreamPostSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    url = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    consultant_id = serializers.SerializerMethodField()
    article_url = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(source="first_published_at")
    likes = serializers.IntegerField()
    saves = serializers.IntegerField()
    comments = serializers.IntegerField()

    def get_url(self, post) -> str:
        return post.full_url or ""

    def get_author(self, post) -> str:
        return post.author.title if post.author_id else ""

    def get_consultant_id(self, post) -> int | None:
        return post.author.consultant_id if post.author_id else None

    def get_article_url(self, post) -> str:
        return (post.article.full_url or "") if post.article_id else ""


class StreamList(PublicView, generics.ListAPIView):
    """The stream's posts, newest first."""

    serializer_class = StreamPostSerializer
    pagination_class = Pagination

    def get_queryset(self):
        return published_posts()
