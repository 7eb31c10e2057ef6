"""Every write of the Fulfillment part. `timelogs` holds the shift and its verification,
`notifications` the outbox and the escalation ladders, `sync` the offline events, `photos` the project photos."""

from fulfillment.services.notifications import *  # noqa: F403
from fulfillment.services.photos import *  # noqa: F403
from fulfillment.services.sync import *  # noqa: F403
from fulfillment.services.timelogs import *  # noqa: F403
