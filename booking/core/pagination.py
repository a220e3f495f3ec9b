"""A paginator that never counts a whole table (the admin's lists and the API)."""

from django.db import connection
from django.utils.functional import cached_property
from wagtail.admin.paginator import WagtailPaginator


class CappedPaginator(WagtailPaginator):
    """Counts at most `cap + 1` matching rows (`SELECT COUNT(*) FROM (SELECT … LIMIT
    cap + 1)`), never the whole table; past the cap the list says "more than". On
    PostgreSQL an unfiltered list that reaches the cap shows the planner's
    estimate of the table's size (`pg_class.reltuples`), which costs nothing."""

    cap = 10_000
    capped = False

    @cached_property
    def count(self):
        counted = self.object_list.order_by()[: self.cap + 1].count()
        self.capped = counted > self.cap
        return min(counted, self.cap)

    @cached_property
    def items_count_label(self):
        if not (self.count and self.capped):
            return super().items_count_label
        if estimate := self.estimated_total():
            return f"About {estimate:,} {self.verbose_name_plural}"
        return f"More than {self.cap:,} {self.verbose_name_plural}"

    def estimated_total(self) -> int | None:
        query = self.object_list.query
        if connection.vendor != "postgresql" or query.where:
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [self.model._meta.db_table],
            )
            row = cursor.fetchone()
        return row[0] if row and row[0] > self.cap else None
