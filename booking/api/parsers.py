"""The API's JSON parser: DRF's, except that JSON nested too deeply for Python's
parser (a few hundred levels; no request of the API nests more than two) is a
parse error, answered 400, instead of a RecursionError, answered 500. The body
is parsed once, here; DRF keeps the result for throttles and views alike."""

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                "JSON parse error - the body is nested too deeply."
            ) from None
