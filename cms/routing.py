"""Fewer queries to serve a consultant's profile (issue 26, DESIGN §11).

Wagtail walks a URL one level at a time, two queries a level (the child, then its
specific page), and checks view restrictions in two more (the ancestors, then
their restrictions). A consultant's page sits at a known depth under the home
page, so `HomePage.route` finds it by its `url_path` in one query, and its view
restrictions are read in one query from the ancestors' paths, which are
prefixes of its own."""

from django.db.models import Q
from wagtail.models import PageViewRestriction


def page_at(home, path_components: list[str], model):
    """The `model` page at home/<a>/<b>/, or None: one query."""
    if len(path_components) != 2:
        return None
    url_path = f"{home.url_path}{path_components[0]}/{path_components[1]}/"
    return model.objects.filter(url_path=url_path).first()


def view_restrictions(page):
    """What `Page.get_view_restrictions` returns (restrictions on the page and
    its ancestors, an alias answering for its source page), in one query."""
    step = page.steplen
    paths = [page.path[:end] for end in range(step, len(page.path) + 1, step)]
    return PageViewRestriction.objects.filter(
        Q(page__path__in=paths, page__alias_of__isnull=True)
        | Q(page__aliases__path__in=paths)
    ).distinct()
