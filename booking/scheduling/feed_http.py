"""Fetching an outside calendar's address over HTTP(S), carefully: the address is
typed by a person, so the server must not be made to reach into its own network.

- only http and https (webcal:// is https, as calendar apps mean it);
- the host is resolved once, every address it resolves to is checked (no private,
  loopback, link-local, multicast or reserved network unless `allow_private`), and
  the connection goes to a checked address (no second lookup to rebind);
- a timeout on connecting and on each read, and one for the whole fetch;
- at most `max_bytes` of body;
- conditional requests (ETag / If-Modified-Since): 304 is "not modified";
- up to three redirects, each checked like the first address.

Errors are `FeedError` with a message fit to show a consultant; they never carry
the address itself (it is a secret)."""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

USER_AGENT = "Haven calendar reader"
MAX_REDIRECTS = 3
CHUNK = 64 * 1024


class FeedError(Exception):
    """A fetch that failed, with a message to show."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Fetched:
    """A fetch's answer: `body` is None when the server said "not modified"."""

    body: bytes | None
    etag: str = ""
    last_modified: str = ""


def normalise_url(url: str) -> str:
    """The address as it will be fetched (webcal:// is https://), or FeedError if
    it cannot be one."""
    url = (url or "").strip()
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FeedError("This is not a valid web address.") from exc
    if parts.scheme not in ("http", "https"):
        raise FeedError(
            "Only http:// and https:// (or webcal://) calendar addresses can be read."
        )
    if not parts.hostname:
        raise FeedError("The address has no host name.")
    if port == 0:
        raise FeedError("The address names port 0.")
    return url


def check_host(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The addresses to connect to for `host`: resolved once, every result
    checked. FeedError when it does not resolve or any result is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FeedError(f"The host “{host}” could not be found.") from exc
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise FeedError(f"The host “{host}” could not be found.")
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise FeedError(
                    f"The host “{host}” is on a private or local network "
                    f"({address}); only public calendar addresses can be read."
                )
    return list(dict.fromkeys(addresses))


def is_public(address: str) -> bool:
    """Whether an IP address is on the public internet."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    timeout: float,
    max_bytes: int,
    allow_private: bool,
) -> Fetched:
    """GET `url` as the module docstring says."""
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        url = normalise_url(url)
        response, connection = _request(
            url, etag, last_modified, timeout, deadline, allow_private
        )
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FeedError(
                        f"The server answered {response.status} without saying where."
                    )
                url = urljoin(url, location)
                continue
            if response.status == 304:
                return Fetched(None, etag, last_modified)
            if response.status != 200:
                reason = response.reason or "error"
                raise FeedError(f"The server answered {response.status} {reason}.")
            body = _read(response, max_bytes, deadline)
            return Fetched(
                body,
                (response.getheader("ETag") or "")[:255],
                (response.getheader("Last-Modified") or "")[:64],
            )
        finally:
            connection.close()
    raise FeedError(f"The address redirects more than {MAX_REDIRECTS} times.")


def _request(url, etag, last_modified, timeout, deadline, allow_private):
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    addresses = check_host(parts.hostname, port, allow_private=allow_private)
    remaining = max(deadline - time.monotonic(), 0.1)
    cls = _PinnedHTTPSConnection if secure else _PinnedHTTPConnection
    connection = cls(parts.hostname, port, addresses, timeout=min(timeout, remaining))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        connection.request("GET", path, headers=headers)
        return connection.getresponse(), connection
    except TimeoutError as exc:
        connection.close()
        message = f"The server did not answer within {timeout:g} seconds."
        raise FeedError(message) from exc
    except ssl.SSLError as exc:
        connection.close()
        raise FeedError(f"The secure connection failed ({exc.reason}).") from exc
    except (OSError, http.client.HTTPException) as exc:
        connection.close()
        raise FeedError(
            f"The server could not be reached ({type(exc).__name__})."
        ) from exc


def _read(response, max_bytes: int, deadline: float) -> bytes:
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FeedError(_too_large(max_bytes))
    chunks, size = [], 0
    try:
        while True:
            if time.monotonic() > deadline:
                raise FeedError("The calendar took too long to download.")
            chunk = response.read(min(CHUNK, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                raise FeedError(_too_large(max_bytes))
    except TimeoutError as exc:
        raise FeedError("The calendar took too long to download.") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise FeedError(f"The download broke off ({type(exc).__name__}).") from exc
    return b"".join(chunks)


def _too_large(max_bytes: int) -> str:
    return f"The calendar is larger than {max_bytes // 1024:,} KB."


def _connect(addresses, port, timeout):
    """A socket to the first of the checked `addresses` that answers."""
    error = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to `addresses` (already checked) while naming `host` in the
    request."""

    def __init__(self, host, port, addresses, **kwargs):
        super().__init__(host, port, **kwargs)
        self._addresses = addresses

    def connect(self):
        self.sock = _connect(self._addresses, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As `_PinnedHTTPConnection`, with TLS checked against `host`."""

    def __init__(self, host, port, addresses, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self._addresses = addresses

    def connect(self):
        sock = _connect(self._addresses, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
