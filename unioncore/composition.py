"""Pages composed from several apps: the member's home and the member's console record (issue 23,
item 1; decision 0057's layers). The app that owns such a page sits below the apps that add to
it, so it may not import them (`.importlinter`): each adding app registers its part in its
AppConfig.ready(), and the page asks for the parts by the page's name."""

from collections.abc import Callable
from typing import Any

_parts: dict[str, dict[str, Callable[..., Any]]] = {}


def add_part(page: str, name: str, provide: Callable[..., Any]) -> None:
    """`provide(**context)` gives the part `name` of `page`. Registering a name again replaces it
    (ready() may run twice in tests), never adds a second copy."""
    _parts.setdefault(page, {})[name] = provide


def parts(page: str, **context: Any) -> dict[str, Any]:
    """Every registered part of `page`, by name, given the page's context (the member, the user…)."""
    return {name: provide(**context) for name, provide in _parts.get(page, {}).items()}
