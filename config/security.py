"""Response headers that browsers enforce: a Content-Security-Policy and a
Permissions-Policy on every HTML response.

Two policies, chosen by path. The public site runs no inline script at all, so its
policy allows scripts from Haven's own origin only. Wagtail's admin still renders a
few inline scripts (date pickers, inline panels), so the admin's policy allows
inline script but, like the public one, nothing from another origin: Haven loads
nothing from the internet. Both come from settings (`CONTENT_SECURITY_POLICY`), so
a deployment can add a source without code."""

from django.conf import settings


def policy_header(directives: dict[str, list[str]]) -> str:
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        policies = settings.CONTENT_SECURITY_POLICY
        self.public = policy_header(policies["public"])
        self.admin = policy_header(policies["admin"])
        self.admin_prefixes = tuple(settings.CONTENT_SECURITY_POLICY_ADMIN_PATHS)
        self.header = (
            "Content-Security-Policy-Report-Only"
            if settings.CONTENT_SECURITY_POLICY_REPORT_ONLY
            else "Content-Security-Policy"
        )

    def __call__(self, request):
        response = self.get_response(request)
        # Wagtail's image and document views set their own stricter policy.
        if "Content-Security-Policy" not in response:
            admin = request.path_info.startswith(self.admin_prefixes)
            response[self.header] = self.admin if admin else self.public
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
