"""The outbox: every message to a person (SMS, email fallback) is a row first, written in the
transaction of the event that caused it and sent after commit (decisions 0013, 0023, 0045).

Part of the shared kernel: it imports no domain app. Senders pass the recipient and the
rendered text; each app keeps its own texts (a catalogue it registers, `catalogue.register`)
and, for a message about a thing that may change before it goes, the check that cancels it."""
