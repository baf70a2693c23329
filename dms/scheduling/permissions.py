"""Permission codes of the scheduling app. They mirror dms.core.roles.Perm.APPOINTMENT_* and
CAPACITY_MANAGE (the role table there says who holds them); services check them with
`tenant.require(...)`."""

APPOINTMENT_VIEW = "appointment.view"  # every workshop role: the day's board, slots, technicians
APPOINTMENT_BOOK = "appointment.book"  # SA, customer care, managers: book, confirm, reschedule, cancel
CAPACITY_MANAGE = "capacity.manage"  # foreman, service manager, admin: bays, teams, hours, capacity
