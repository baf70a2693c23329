"""Background work of the customer file."""

from django_tasks import task

from . import xlsx


@task()
def import_customers(job_id: int) -> dict:
    """Import an uploaded customers-and-vehicles spreadsheet (an ImportJob); see xlsx.py."""
    return xlsx.import_job_run(job_id=job_id)
