"""Every write of the Fulfillment part, one module each, imported by module
(`from fulfillment.services import timelogs`; decision 0051): `timelogs` the shift and its
verification, `notifications` the outbox and the escalation ladders, `idempotency` a phone's
write applied once, `sync` the offline events, `photos` the project photos."""
