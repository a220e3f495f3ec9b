"""Keeping clients' email addresses out of logs and audit text (issue 12).

Code logs references and ids, never names or addresses; but an exception from an
email provider or Stripe may quote an address. `RedactPersonalData`, installed on
the log handlers in settings, masks anything that looks like an email address
(also URL-encoded, as in a query string) before a line is written.

This module imports no models: logging is configured before Django's apps load."""

import logging
import re

EMAIL_LIKE = re.compile(r"[\w.+'-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
MASK = "[email removed]"


def redact(text: str) -> str:
    """`text` with every email address masked."""
    return EMAIL_LIKE.sub(MASK, text)


class RedactPersonalData(logging.Filter):
    """Masks email addresses in a record's message and traceback. It never drops a
    record: a log line with the address masked is still worth having."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if EMAIL_LIKE.search(message):
            record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
