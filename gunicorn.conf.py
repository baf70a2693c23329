"""gunicorn's settings read from the working directory (make run / make serve start it here): its
access and error logs mask mobile numbers like Django's (a search's query string holds them)."""

logger_class = "dms.core.logmask.GunicornLogger"
