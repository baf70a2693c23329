"""Names for plain SQL strings (the few reads on hot paths written as SQL: a statement the ORM would
compile on every call is built once from the models instead). The tables' and columns' names come
from the models, quoted for the database, so that a renamed field breaks the statement's test, not
production."""

from django.db import connection


def table(model) -> str:
    """`model`'s table, quoted."""
    return connection.ops.quote_name(model._meta.db_table)


def columns(model, *fields: str) -> dict[str, str]:
    """`model`'s columns of `fields` (field names: "owner" gives owner_id's column), quoted, by field
    name."""
    quote, meta = connection.ops.quote_name, model._meta
    return {f: quote(meta.get_field(f).column) for f in fields}
