"""Admin screens for rows that other code writes (payments, refunds, payouts,
team invitations and applications): no add, edit, copy or delete views."""

from django.urls import path
from wagtail.admin.viewsets.model import ModelViewSet


class WrittenElsewhere:
    """A viewset whose views link to no add, edit or delete screen."""

    copy_view_enabled = False
    add_to_reference_index = False

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            **{
                "add_url_name": None,
                "edit_url_name": None,
                "delete_url_name": None,
                **kwargs,
            }
        )


class ReadOnlyViewSet(WrittenElsewhere, ModelViewSet):
    """List and inspect only; the "view" permissions only."""

    inspect_view_enabled = True

    def get_urlpatterns(self):
        pk = f"<{self.pk_path_converter}:pk>"
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path(f"inspect/{pk}/", self.inspect_view, name="inspect"),
        ]

    @property
    def url_finder_class(self):
        finder = super().url_finder_class
        finder.edit_url_name = self.get_url_name("inspect")
        return finder

    def get_permissions_to_register(self):
        return self.model_permissions().filter(codename__startswith="view_")

    def model_permissions(self):
        """Every permission of the model, as Wagtail would register them."""
        return ModelViewSet.get_permissions_to_register(self)
