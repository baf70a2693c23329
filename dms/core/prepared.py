"""Reads compiled once per process, for the few statements on the busiest paths.

Building and compiling a queryset costs Django about a millisecond (more with joins or a
subquery), several times what PostgreSQL spends answering a lookup by primary key. Receiving a
car runs a handful of the same reads thousands of times a day: `Prepared` builds such a read once
per process from its usual queryset (tenancy included: `for_tenant` of a stand-in tenant), keeps
the SQL, and then runs it with each call's values, turning the rows into model instances the
way Django's own ModelIterable does (select_related, only(), annotations). The results are the
same instances the queryset would have given; tests run every prepared read on SQLite and
PostgreSQL against its queryset.

`PreparedUpdate` does the same for an UPDATE of the rows such a queryset selects.

Values are passed by name; each is an int (an id), a str or an aware datetime. A value stands in
the compiled statement where the stand-in given to the builder came out; a builder whose query
does not carry a stand-in through as a parameter is refused when it is compiled.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connections, transaction
from django.db.models.query import get_related_populators
from django.db.models.sql import UpdateQuery

from .errors import NotFound
from .models import Store
from .tenancy import Tenant

# Stand-in ints: within an integer column's range (a lookup beyond it compiles to "no rows"), and
# odd enough never to be a constant of a query.
_INT_BASE = 2_147_418_111
_DT_BASE = datetime(1901, 3, 7, 11, 13, 17, tzinfo=UTC)


class BadValue(TypeError):
    """A value of the wrong type for its slot (an id that is not a whole number, say)."""


@dataclass
class _Compiled:
    sql: str
    slots: list  # per parameter: ("const", value) | ("int" | "str" | "dt", name)
    compiler: object
    init_list: list[str]
    model_start: int
    model_end: int
    populators: list
    annotations: dict
    converters: dict
    col_count: int
    trim: bool
    for_update: bool


class _Statement:
    """What a prepared read and a prepared update share: stand-ins in, parameters out."""

    def __init__(
        self,
        build: Callable,
        *,
        ints: tuple[str, ...] = (),
        strs: tuple[str, ...] = (),
        datetimes: tuple[str, ...] = (),
    ):
        self.build = build
        self.ints, self.strs, self.datetimes = ints, strs, datetimes
        self._compiled: dict[str, object] = {}

    def _stand_in_call(self, using: str):
        """Call the builder with stand-ins; returns its result and the parameter slots' lookup."""
        connection = connections[using]
        counter = itertools.count(1)
        ints = {name: _INT_BASE + next(counter) for name in self.ints}
        strs = {name: f"\x1fstand-in {next(counter)} for {name}\x1f" for name in self.strs}
        dts = {name: _DT_BASE + timedelta(microseconds=next(counter)) for name in self.datetimes}
        store = Store(id=_INT_BASE, group_id=_INT_BASE - 1)
        tenant = Tenant(user=None, store=store, role="", stores=(store,))
        built = self.build(tenant, **ints, **strs, **dts)
        by_value = {value: ("int", name) for name, value in ints.items()}
        by_value |= {value: ("str", name) for name, value in strs.items()}
        by_value[_INT_BASE] = ("int", "_store")
        by_value[_INT_BASE - 1] = ("int", "_group")
        adapt = connection.ops.adapt_datetimefield_value
        for name, value in dts.items():
            by_value[adapt(value)] = ("dt", name)
        return built, by_value

    def _slots(self, params, by_value) -> list:
        slots, seen = [], set()
        for value in params:
            slot = by_value.get(value) if isinstance(value, int | str | datetime) else None
            if slot is None:
                slots.append(("const", value))
            else:
                slots.append(slot)
                seen.add(slot[1])
        missing = (set(self.ints) | set(self.strs) | set(self.datetimes)) - seen
        if missing:
            raise ValueError(
                f"prepared statement: {', '.join(sorted(missing))} not found among the parameters"
            )
        return slots

    @staticmethod
    def _params(connection, slots, tenant, values, nullable=()) -> list:
        known = {"_store": tenant.store.id, "_group": tenant.group_id} if tenant is not None else {}
        params = []
        for kind, value in slots:
            if kind == "const":
                params.append(value)
                continue
            given = known[value] if value in known else values[value]
            if given is None and value in nullable:
                params.append(None)
            elif kind == "int":
                if isinstance(given, bool) or not isinstance(given, int):
                    raise BadValue(f"{value} must be an int")
                params.append(given)
            elif kind == "str":
                if not isinstance(given, str):
                    raise BadValue(f"{value} must be a str")
                params.append(given)
            else:
                params.append(connection.ops.adapt_datetimefield_value(given))
        return params


class Prepared(_Statement):
    """`build(tenant, **values) -> QuerySet`, compiled on first use per database connection.

    `get(tenant, **values)`: the one instance, or NotFound (as get_scoped); `first(...)`: the
    first or None; `all(...)`: a list."""

    # --- compiling ---------------------------------------------------------------------------------

    def _compile(self, using: str) -> _Compiled:
        queryset, by_value = self._stand_in_call(using)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = self._slots(params, by_value)
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        fields = [s[0] for s in select[0 : compiler.col_count]]
        return _Compiled(
            sql=sql,
            slots=slots,
            compiler=compiler,
            init_list=[f[0].target.attname for f in select[start:end]],
            model_start=start,
            model_end=end,
            populators=get_related_populators(klass_info, select, using),
            annotations=dict(compiler.annotation_col_map or {}),
            converters=compiler.get_converters(fields),
            col_count=compiler.col_count,
            trim=compiler.has_extra_select,
            for_update=bool(queryset.query.select_for_update),
        )

    # --- running -----------------------------------------------------------------------------------

    def all(self, tenant: Tenant | None, using: str = "default", **values) -> list:
        """Every row, as instances. `tenant` may be None for a read that is not scoped by it
        (reached through a record the caller has already fetched within its tenancy)."""
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(using)
        connection = connections[using]
        if compiled.for_update and connection.features.has_select_for_update and connection.get_autocommit():
            raise transaction.TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = self._params(connection, compiled.slots, tenant, values)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.trim:
            rows = [r[: compiled.col_count] for r in rows]
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        model = compiled.compiler.klass_info["model"]
        out = []
        for row in rows:
            obj = model.from_db(using, compiled.init_list, row[compiled.model_start : compiled.model_end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            for name, position in compiled.annotations.items():
                setattr(obj, name, row[position])
            out.append(obj)
        return out

    def first(self, tenant: Tenant | None, **values):
        found = self.all(tenant, **values)
        return found[0] if found else None

    def get(self, tenant: Tenant, **values):
        """The one record the tenant may see, or NotFound (an id that is not a whole number too)."""
        try:
            found = self.all(tenant, **values)
        except BadValue:
            raise NotFound() from None
        if len(found) != 1:
            raise NotFound()
        return found[0]


class PreparedUpdate(_Statement):
    """`build(tenant, **values) -> (QuerySet, {field: value})`: an UPDATE of the rows the
    queryset selects, compiled on first use; `run(tenant, **values)` answers how many rows it
    changed. Only the model's own columns (no related updates). Values named in `nullable` may be
    None: only those set by the UPDATE, never one its WHERE compares (= NULL matches nothing)."""

    def __init__(self, build: Callable, *, nullable: tuple[str, ...] = (), **kinds):
        super().__init__(build, **kinds)
        self.nullable = frozenset(nullable)

    def _compile(self, using: str) -> tuple[str, list]:
        (queryset, changes), by_value = self._stand_in_call(using)
        query = queryset.query.chain(UpdateQuery)
        query.add_update_values(changes)
        if query.related_updates:
            raise ValueError("prepared update: only the model's own columns")
        compiler = query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = self._slots(params, by_value)
        _where_sql, where_params = compiler.compile(query.where)
        compared = {name for kind, name in slots[len(slots) - len(where_params) :] if kind != "const"}
        if compared & self.nullable:
            raise ValueError(
                f"prepared update: {', '.join(sorted(compared & self.nullable))} compared, not nullable"
            )
        return sql, slots

    def run(self, tenant: Tenant | None, using: str = "default", **values) -> int:
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = self._compile(using)
        sql, slots = compiled
        connection = connections[using]
        params = self._params(connection, slots, tenant, values, self.nullable)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount
