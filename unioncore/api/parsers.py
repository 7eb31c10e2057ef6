"""The API's JSON parser: DRF's, refusing what no endpoint can take before any view sees it.

- nesting deeper than MAX_DEPTH: Python's decoder recurses per level, so a body of 100,000
  brackets was a RecursionError (a 500) before the view ran — even unauthenticated, at login;
- a NUL character in any string or key: PostgreSQL stores none (text and jsonb refuse it), so
  it failed at the first write instead of at the door;
- NaN and Infinity literals (DRF's STRICT_JSON already refuses them; kept here explicitly).

Each is a 400 `parse_error` in the error format."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.") from None
        problem = refusal(data)
        if problem:
            raise ParseError(f"JSON parse error - {problem}.")
        return data


def refusal(data) -> str | None:
    """Why the parsed body cannot be taken (None when it can). Walked without recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels"
        if isinstance(value, str):
            if "\x00" in value:
                return "text may not contain a NUL character (\\u0000)"
        elif isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                return "NaN and Infinity are not numbers"
        elif isinstance(value, dict):
            stack.extend((key, depth + 1) for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return None
