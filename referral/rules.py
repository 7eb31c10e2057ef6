"""The referral books' fixed rules, each written once (issue 23, item 3; decision 0047). The rule
numbers a hall may change are the books' own fields (`ReferralBook`: re-sign days, grace period,
check marks allowed, days on book) and `dispatch.models.HallSettings`."""

import datetime

# The 2024 procedure (rules 2 and 3; decisions 0031, 0033): the morning referral is over by 10:00.
# Registrations are held no later; the requests still unfilled then go to the Business Manager
# (the beat runs both then: a test holds CELERY_BEAT_SCHEDULE to it).
MORNING_REFERRAL_ENDS_BY = datetime.time(10, 0)
