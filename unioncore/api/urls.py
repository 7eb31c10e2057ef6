"""`/api/v1/` (SPEC §9)."""

from django.urls import path

from dispatch import api as dispatch_api
from fulfillment import api as fulfillment_api
from referral import api as referral_api
from unioncore.api import auth

app_name = "api"

urlpatterns = [
    path("auth/login/", auth.LoginApi.as_view(), name="login"),
    path("auth/logout/", auth.LogoutApi.as_view(), name="logout"),
    path("me/", auth.MeApi.as_view(), name="me"),
    # Referral
    path("me/registrations/", referral_api.MyRegistrationsApi.as_view(), name="my-registrations"),
    path("registrations/<int:pk>/re-sign/", referral_api.RegistrationReSignApi.as_view(), name="registration-re-sign"),
    path(
        "registrations/<int:pk>/re-register/",
        referral_api.RegistrationReRegisterApi.as_view(),
        name="registration-re-register",
    ),
    # Dispatch
    path("jobs/", dispatch_api.JobsApi.as_view(), name="jobs"),
    path("jobs/<int:pk>/", dispatch_api.JobDetailApi.as_view(), name="job"),
    path("jobs/<int:pk>/bid/", dispatch_api.JobBidApi.as_view(), name="job-bid"),
    path("me/dispatches/", dispatch_api.MyDispatchesApi.as_view(), name="my-dispatches"),
    path("me/hours/", fulfillment_api.MyHoursApi.as_view(), name="my-hours"),
    path("dispatches/<int:pk>/accept/", dispatch_api.DispatchAcceptApi.as_view(), name="dispatch-accept"),
    path("dispatches/<int:pk>/decline/", dispatch_api.DispatchDeclineApi.as_view(), name="dispatch-decline"),
    path("dispatches/<int:pk>/check-in/", dispatch_api.DispatchCheckInApi.as_view(), name="dispatch-check-in"),
    # Fulfillment
    path("timelogs/", fulfillment_api.TimeLogListApi.as_view(), name="timelogs"),
    path("timelogs/clock-in/", fulfillment_api.ClockInApi.as_view(), name="timelog-clock-in"),
    path("timelogs/retroactive/", fulfillment_api.RetroactiveApi.as_view(), name="timelog-retroactive"),
    path("timelogs/<int:pk>/", fulfillment_api.TimeLogDraftEditApi.as_view(), name="timelog"),
    path("timelogs/<int:pk>/events/", fulfillment_api.TimeLogEventApi.as_view(), name="timelog-events"),
    path("timelogs/<int:pk>/submit/", fulfillment_api.TimeLogSubmitApi.as_view(), name="timelog-submit"),
    path("timelogs/<int:pk>/accept/", fulfillment_api.TimeLogAcceptApi.as_view(), name="timelog-accept"),
    path("timelogs/<int:pk>/reject/", fulfillment_api.TimeLogRejectApi.as_view(), name="timelog-reject"),
    path("timelogs/<int:pk>/verify/", fulfillment_api.TimeLogVerifyApi.as_view(), name="timelog-verify"),
    path("timelogs/<int:pk>/edit/", fulfillment_api.TimeLogEditApi.as_view(), name="timelog-edit"),
    path("timelogs/<int:pk>/dispute/", fulfillment_api.TimeLogDisputeApi.as_view(), name="timelog-dispute"),
    path("timelogs/<int:pk>/acknowledge/", fulfillment_api.TimeLogAcknowledgeApi.as_view(), name="timelog-acknowledge"),
    path("timelogs/<int:pk>/eject/", fulfillment_api.TimeLogEjectApi.as_view(), name="timelog-eject"),
    path(
        "timelogs/<int:pk>/force-clock-out/",
        fulfillment_api.TimeLogForceClockOutApi.as_view(),
        name="timelog-force-clock-out",
    ),
    path("sync/", fulfillment_api.SyncApi.as_view(), name="sync"),
    path("sync/conflicts/", fulfillment_api.SyncConflictListApi.as_view(), name="sync-conflicts"),
    path(
        "sync/conflicts/<int:pk>/resolve/",
        fulfillment_api.SyncConflictResolveApi.as_view(),
        name="sync-conflict-resolve",
    ),
]
