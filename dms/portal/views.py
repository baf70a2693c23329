"""The customer's pages (no login). Placeholders until the pages are built."""

from django.http import Http404


def status(request, token: str):
    raise Http404()


def approval(request, token: str):
    raise Http404()
