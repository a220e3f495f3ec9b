"""The search backend of the site, Wagtail's search and the content API: Wagtail's
database backend (PostgreSQL's full text search, SQLite's FTS5), with double
quotes taken out of what people type.

SQLite's backend wraps each word in double quotes for FTS5 without escaping the
quotes inside it, so a search for `say "hi` was an FTS5 syntax error, a 500 on
/search/, the consultant listing and /api/v2/pages/?search=. A plain-text search
gives quotes no meaning on any database, so here they are spaces. A query of
nothing but spaces broke SQLite's backend the same way; it finds nothing now."""

from functools import cache

from wagtail.search.backends import database


def without_quotes(query):
    """The query with spaces for quotes, and without spaces around it: a query of
    spaces alone failed too, where an empty one finds nothing."""
    return query.replace('"', " ").strip() if isinstance(query, str) else query


class QuoteSafe:
    def search(self, query, *args, **kwargs):
        return super().search(without_quotes(query), *args, **kwargs)

    def autocomplete(self, query, *args, **kwargs):
        return super().autocomplete(without_quotes(query), *args, **kwargs)


@cache
def quote_safe(backend_class: type) -> type:
    return type(f"QuoteSafe{backend_class.__name__}", (QuoteSafe, backend_class), {})


def SearchBackend(params):  # noqa: N802 - the name Wagtail looks a backend up by
    """The database backend Wagtail would choose for this database, quote-safe."""
    backend = database.SearchBackend(params)
    backend.__class__ = quote_safe(type(backend))
    return backend
