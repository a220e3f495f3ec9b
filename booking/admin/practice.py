"""The admin menu's "Practice" group: consultants, services, their intake
questions and service categories, beside Bookings, for booking admins setting up
the practice."""

from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from booking.admin import consultants
from booking.admin.intake import intake_questions
from booking.admin.services import ServiceCategoryViewSet, ServiceViewSet


class PracticeGroup(ViewSetGroup):
    menu_label = "Practice"
    menu_icon = "group"
    menu_order = 210
    items = (
        consultants.ConsultantViewSet,
        ServiceViewSet,
        intake_questions,
        ServiceCategoryViewSet,
    )


@hooks.register("register_admin_viewset")
def register_practice():
    return PracticeGroup()


@hooks.register("register_log_actions")
def register_consultant_log_actions(actions):
    consultants.register_log_actions(actions)
