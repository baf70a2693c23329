"""Background work of scheduling."""

from django_tasks import task

from . import services


@task()
def confirmation_call_due(appointment_id: int) -> bool:
    """One hour before an appointment: if the customer has not confirmed yet, put a confirmation call
    on the SA's board (services.confirmation_call_raise)."""
    return services.confirmation_call_raise(appointment_id=appointment_id)
