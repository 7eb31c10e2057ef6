import factory

from reports.models import ExportJob, ReportRun
from unioncore.tests.factories import StaffFactory


class ReportRunFactory(factory.django.DjangoModelFactory):
    """An audit row as services.report_run_record writes it."""

    class Meta:
        model = ReportRun

    report = "out-of-work-list"
    title = "Out-of-work list"
    user = factory.SubFactory(StaffFactory)
    filters = factory.LazyFunction(lambda: {"book": 1})
    format = "pdf"
    row_count = 40


class ExportJobFactory(factory.django.DjangoModelFactory):
    """A queued background export."""

    class Meta:
        model = ExportJob

    run = factory.SubFactory(ReportRunFactory, background=True, row_count=12000)
    rows_total = factory.SelfAttribute("run.row_count")
