class RuleViolation(Exception):
    """A business rule said no. `code` is stable (it becomes the API's `error.code`), `message`
    is for a person, `fields` maps a field name to its own message when one field is at fault."""

    def __init__(self, code: str, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
