"""The back office's roles, as Wagtail groups (DESIGN §7).

- Editors: pages (add, change, publish, lock), images and documents. They also
  delete pages, on purpose: Wagtail's "change" includes deleting a page with no
  pages below it (live ones too, with "publish"), as for Wagtail's own Editors
  group, and whoever publishes the practice's website must be able to take a page
  down for good. Not a whole section at once (no "bulk_delete"), and never a
  privacy policy clients accepted (`cms/wagtail_hooks.py` refuses that).
- Booking admins: every booking action, phone bookings, setting up the practice
  (consultants, services, service categories, services' intake questions),
  anyone's availability and calendar, emails and failed jobs, spreadsheet imports
  (historical bookings too), clients' data requests (export, erasure); invite
  consultants and decide applications to join (booking.team).
- Staff: see bookings (list, inspect, history, calendar), export the list, and
  import consultants, services and weekly availability.
- Consultants: enter the admin and add or choose images. Their own bookings,
  calendar, availability and profile page come from being linked to a consultant
  (`Consultant.user`), not from a group permission.

`ensure_roles()` creates the groups and gives each the permissions listed here. It
only adds: a permission someone gave a group by hand stays, and running it again
changes nothing. Migration `0006_roles` runs it with the historical models, creating
any permission that does not exist yet (Django only creates permissions after all
migrations, in `post_migrate`), so it does not depend on the order of those signals.

The Consultants group's page permission (change pages under the consultant index)
belongs to `cms`, which knows pages: `cms/wagtail_hooks.py` grants it and
`cms/permissions.py` narrows it to each consultant's own profile page."""

from dataclasses import dataclass, field

from django.apps import apps as global_apps

EDITORS = "Editors"
BOOKING_ADMINS = "Booking admins"
STAFF = "Staff"
CONSULTANTS = "Consultants"

ACCESS_ADMIN = "wagtailadmin.admin.access_admin"


@dataclass(frozen=True)
class Role:
    """A group and what it may do. Permissions are "app_label.model.codename";
    page permissions apply from the root page down, collection permissions to
    the root collection and all inside it."""

    name: str
    permissions: tuple[str, ...]
    page_permissions: tuple[str, ...] = ()
    collection_permissions: tuple[str, ...] = field(default=())


IMAGES = tuple(
    f"wagtailimages.image.{action}_image"
    for action in ("add", "change", "choose", "delete")
)
DOCUMENTS = tuple(
    f"wagtaildocs.document.{action}_document"
    for action in ("add", "change", "choose", "delete")
)
BOOKING_ACTIONS = tuple(
    f"booking.booking.{codename}"
    for codename in (
        "add_booking",
        "change_booking",
        "view_booking",
        "approve_booking",
        "reject_booking",
        "cancel_booking",
        "complete_booking",
        "mark_no_show",
        "reschedule_booking",
        "record_offline_payment",
        "override_availability",
    )
)

IMPORT_SPREADSHEETS = "booking.spreadsheetimport.import_spreadsheets"

# Setting up the practice in the admin (migration 0016): consultants are never
# deleted (their bookings keep them; they leave instead), services are switched
# off rather than deleted, categories may go (their services keep no category).
PRACTICE_SETUP = (
    "booking.consultant.add_consultant",
    *(f"booking.service.{action}_service" for action in ("add", "change", "view")),
    *(
        f"booking.servicecategory.{action}_servicecategory"
        for action in ("add", "change", "view", "delete")
    ),
)

# Their own tokens for the staff JSON API (Settings → API tokens; migration 0012).
API_TOKENS = tuple(
    f"wagtailcore.apitoken.{action}_apitoken" for action in ("add", "view", "delete")
)

TEAM = (
    "booking.invitation.add_invitation",
    "booking.invitation.change_invitation",
    "booking.invitation.view_invitation",
    "booking.application.view_application",
    "booking.application.decide_application",
)

PRODUCTS = (
    *(f"booking.package.{action}_package" for action in ("add", "change", "view")),
    "booking.purchase.add_purchase",
    "booking.purchase.view_purchase",
    "booking.entitlement.add_entitlement",
    "booking.entitlement.view_entitlement",
    "booking.creditline.view_creditline",
    *(f"booking.bundle.{action}_bundle" for action in ("add", "change", "view")),
    *(
        f"booking.creditproduct.{action}_creditproduct"
        for action in ("add", "change", "view")
    ),
    "booking.creditgrant.add_creditgrant",
    "booking.creditgrant.view_creditgrant",
    "booking.moneyline.view_moneyline",
    "booking.packagerefund.add_packagerefund",
    "booking.packagerefund.view_packagerefund",
)

# Memberships (Stripe Billing): set up plans, see clients' memberships.
MEMBERSHIPS = (
    *(
        f"booking.membershipplan.{action}_membershipplan"
        for action in ("add", "change", "view")
    ),
    "booking.membership.view_membership",
)

ROLES = (
    Role(
        EDITORS,
        permissions=(ACCESS_ADMIN, *IMAGES, *DOCUMENTS),
        page_permissions=(
            "add_page",
            "change_page",
            "publish_page",
            "lock_page",
            "unlock_page",
        ),
        collection_permissions=(*IMAGES, *DOCUMENTS),
    ),
    Role(
        BOOKING_ADMINS,
        permissions=(
            ACCESS_ADMIN,
            *BOOKING_ACTIONS,
            "booking.consultant.view_consultant",
            "booking.consultant.change_consultant",
            *PRACTICE_SETUP,
            "booking.outboxemail.view_outboxemail",
            "booking.outboxemail.change_outboxemail",
            "django_q.failure.view_failure",
            "django_q.failure.change_failure",
            # Review moderation, payments and payouts (migration 0009).
            "booking.review.view_review",
            "booking.review.change_review",
            "booking.review.delete_review",
            "booking.payment.view_payment",
            "booking.refund.view_refund",  # migration 0013
            "booking.payout.view_payout",
            "booking.payout.mark_payout_paid",
            # Spreadsheet imports (migration 0010); historical bookings only here.
            IMPORT_SPREADSHEETS,
            "booking.spreadsheetimport.import_bookings",
            # Clients' data requests: export and erasure (migration 0011).
            "booking.accesslogentry.handle_data_requests",
            *API_TOKENS,
            # Services' intake questions (migration 0016).
            *(
                f"booking.servicequestion.{action}_servicequestion"
                for action in ("add", "change", "delete", "view")
            ),
            # The team: invitations to the admin and applications to join.
            *TEAM,
            # Packages: set them up, record offline purchases, grant sessions
            # (migration 0028).
            *PRODUCTS,
            *MEMBERSHIPS,  # migration 0037
        ),
    ),
    Role(
        STAFF,
        permissions=(
            ACCESS_ADMIN,
            "booking.booking.view_booking",
            IMPORT_SPREADSHEETS,
            *API_TOKENS,
        ),
    ),
    Role(
        CONSULTANTS,
        permissions=(ACCESS_ADMIN,),
        collection_permissions=(
            "wagtailimages.image.add_image",
            "wagtailimages.image.choose_image",
        ),
    ),
)


def ensure_roles(apps=global_apps) -> dict:
    """Create or complete the groups in `ROLES`; returns them by name. Pass a
    migration's `apps` to run with historical models."""
    Group = apps.get_model("auth", "Group")
    groups = {}
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role.name)
        group.permissions.add(*(_permission(apps, p) for p in role.permissions))
        _grant_on_root(apps, group, role)
        groups[role.name] = group
    return groups


def _permission(apps, dotted: str):
    """The permission named "app_label.model.codename", created if `post_migrate`
    has not made it yet."""
    app_label, model, codename = dotted.split(".")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(
        app_label=app_label, model=model
    )
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename=codename,
        defaults={"name": _permission_name(app_label, model, codename)},
    )
    return permission


def _permission_name(app_label: str, model: str, codename: str) -> str:
    """The name Django would give the permission, read from the current model."""
    try:
        opts = global_apps.get_model(app_label, model)._meta
    except LookupError:
        return codename
    names = dict(opts.permissions)
    action = codename.removesuffix(f"_{opts.model_name}")
    return names.get(codename, f"Can {action} {opts.verbose_name_raw}")


def _grant_on_root(apps, group, role: Role) -> None:
    if role.page_permissions:
        Page = apps.get_model("wagtailcore", "Page")
        GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
        root = Page.objects.filter(depth=1).first()
        for codename in role.page_permissions if root else ():
            GroupPagePermission.objects.get_or_create(
                group=group,
                page=root,
                permission=_permission(apps, f"wagtailcore.page.{codename}"),
            )
    if role.collection_permissions:
        Collection = apps.get_model("wagtailcore", "Collection")
        GroupCollectionPermission = apps.get_model(
            "wagtailcore", "GroupCollectionPermission"
        )
        root = Collection.objects.filter(depth=1).first()
        for dotted in role.collection_permissions if root else ():
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root, permission=_permission(apps, dotted)
            )
