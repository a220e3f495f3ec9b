"""Practice → Services and Service categories: booking admins set up what clients
can book (issue 18). A service's price is copied onto each booking when it is made
(`Booking.amount`), so changing it here never changes a booking already made.
Services are switched off ("Active"), not deleted: bookings keep them."""

from django import forms
from django.db.models import Count
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from booking.core.models import Service, ServiceCategory
from booking.intake.panels import QUESTIONS_PANEL


class ServiceIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("category")
            .annotate(consultants_count=Count("consultants"))
        )


class ServiceViewSet(ModelViewSet):
    model = Service
    name = "services"
    url_prefix = "practice/services"
    icon = "tasks"
    menu_label = "Services"
    add_to_reference_index = False
    copy_view_enabled = False
    index_view_class = ServiceIndexView
    list_display = [
        "title",
        Column("category", label="Category"),
        Column("duration_minutes", label="Minutes"),
        Column("price", label="Price"),
        Column("currency", label="Currency"),
        Column("mode", label="Mode", accessor="get_mode_display"),
        Column("consultants_count", label="Consultants", sort_key="consultants_count"),
        BooleanColumn("is_active", label="Active"),
    ]
    list_filter = ["category", "mode", "is_active"]
    search_fields = ["title", "slug", "description"]
    search_backend_name = None
    ordering = "title"
    panels = [
        FieldPanel("title"),
        FieldPanel("slug"),
        FieldPanel("category"),
        FieldPanel("kind"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldPanel("duration_minutes"),
                FieldPanel("price"),
                FieldPanel("currency"),
                FieldPanel("capacity"),
                FieldPanel("extra_participants"),
                FieldPanel("mode"),
            ],
            heading="The session",
        ),
        MultiFieldPanel(
            [
                FieldPanel("requires_approval"),
                FieldPanel("buffer_before_minutes"),
                FieldPanel("buffer_after_minutes"),
                FieldPanel("minimum_notice_minutes"),
                FieldPanel("booking_window_days"),
                FieldPanel("daily_cap"),
            ],
            heading="When it can be booked",
        ),
        FieldPanel("consultants", widget=forms.CheckboxSelectMultiple),
        QUESTIONS_PANEL,
        FieldPanel("is_active", heading="Active"),
    ]


class ServiceCategoryIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().annotate(services_count=Count("services"))


class ServiceCategoryViewSet(ModelViewSet):
    model = ServiceCategory
    name = "service_categories"
    url_prefix = "practice/service-categories"
    icon = "folder-open-inverse"
    menu_label = "Service categories"
    add_to_reference_index = False
    copy_view_enabled = False
    index_view_class = ServiceCategoryIndexView
    list_display = [
        "name",
        "slug",
        Column("sort_order", label="Sort order"),
        Column("services_count", label="Services", sort_key="services_count"),
    ]
    search_fields = ["name", "slug"]
    search_backend_name = None
    ordering = ["sort_order", "name"]
    form_fields = ["name", "slug", "description", "sort_order"]
