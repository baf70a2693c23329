"""Appointments: the board and the booking pages."""

ZH = {
    "deposit ¥%(amount)s": "订金 ¥%(amount)s",
}
