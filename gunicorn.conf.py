"""gunicorn's settings read from the working directory (make run / make serve start it here): its
access and error logs mask mobile numbers like Django's (a search's query string holds them)."""

logger_class = "dms.core.logmask.GunicornLogger"
# gunicorn's default access line, ending with the request id the app answered (X-Request-ID), the
# same id as on the app's own log lines of that request.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'
