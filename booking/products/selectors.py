"""What the public pages and the API list: packages on sale."""

from booking.products.models import Package


def on_sale(*, services=None):
    """Active packages (covering any of `services`), with their services."""
    packages = Package.objects.filter(is_active=True)
    if services is not None:
        packages = packages.filter(services__in=list(services)).distinct()
    return packages.prefetch_related("services").order_by("name", "pk")
