"""Reads compiled once per process, for the few statements on the busiest paths.

Building and compiling a queryset costs Django about a millisecond (more with joins or a
subquery), several times what PostgreSQL spends answering a lookup by primary key. Receiving a
car runs a handful of the same reads thousands of times a day: `Prepared` builds such a read once
per process from its usual queryset (tenancy included: `for_tenant` of a stand-in tenant), keeps
the SQL, and then runs it with each call's values, turning the rows into model instances the
way Django's own ModelIterable does (select_related, only(), annotations). The results are the
same instances the queryset would have given; tests run every prepared read on SQLite and
PostgreSQL against its queryset.

`PreparedUpdate` does the same for an UPDATE of the rows such a queryset selects, and `insert`
for the INSERT of a new instance (Model.save's own path costs several times the statement).

Values are passed by name; each is an int (an id), a str or an aware datetime. A value stands in
the compiled statement where the stand-in given to the builder came out; a builder whose query
does not carry a stand-in through as a parameter is refused when it is compiled.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connections, transaction
from django.db.models import Model
from django.db.models.query import get_related_populators
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery, UpdateQuery

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


# --- Inserts ---------------------------------------------------------------------------------------


@dataclass
class _InsertPlan:
    sql: str
    fields: list  # the columns, in the statement's order
    returning: list  # fields the database returns (an auto-increment id)
    compiler: object
    converters: dict


_insert_plans: dict[tuple[type, bool, str], _InsertPlan] = {}


def _plain(model) -> bool:
    """May an instance of `model` be inserted without Model.save()? Not with parents, signal
    receivers (the audit log's, say), its own save(), an ordering column or database defaults."""
    meta = model._meta
    return (
        not meta.parents
        and model.save is Model.save
        and model.save_base is Model.save_base
        and not meta.order_with_respect_to
        and not pre_save.has_listeners(model)
        and not post_save.has_listeners(model)
        and not any(f.has_db_default() or f.generated for f in meta.local_concrete_fields)
    )


def insert(obj, using: str = "default"):
    """`obj.save(force_insert=True)` for a new instance, with the INSERT compiled once per model:
    the same row, the same instance afterwards (pk from the database when it makes it, saved
    state), with about 270 fewer Python calls than save() on the reception path. A model that is
    not plain (see _plain), or a value that is an expression (F(), Now()), goes through save()."""
    model = type(obj)
    meta = model._meta
    if not _plain(model):
        obj.save(force_insert=True, using=using)
        return obj
    obj._prepare_related_fields_for_save(operation_name="save")
    if not obj._is_pk_set(meta):
        setattr(obj, meta.pk.attname, meta.pk.get_pk_value_on_save(obj))
    pk_set = obj._is_pk_set(meta)
    connection = connections[using]
    key = (model, pk_set, using)
    plan = _insert_plans.get(key)
    if plan is None:
        plan = _insert_plans[key] = _plan_insert(model, pk_set, connection)
    values = [f.pre_save(obj, True) for f in plan.fields]
    if any(hasattr(v, "resolve_expression") for v in values):
        obj.save(force_insert=True, using=using)
        return obj
    params = [f.get_db_prep_save(v, connection=connection) for f, v in zip(plan.fields, values, strict=True)]
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        if plan.returning:
            cursor.execute(plan.sql, [*params, *plan.compiler.returning_params])
            rows = [connection.ops.fetch_returned_insert_columns(cursor, plan.compiler.returning_params)]
            if plan.converters:
                rows = list(plan.compiler.apply_converters(rows, plan.converters))
            for value, field in zip(rows[0], plan.returning, strict=True):
                setattr(obj, field.attname, value)
        else:
            cursor.execute(plan.sql, params)
    obj._state.db, obj._state.adding = using, False
    return obj


def _plan_insert(model, pk_set: bool, connection) -> _InsertPlan:
    meta = model._meta
    fields = [
        f for f in meta.local_concrete_fields if not f.generated and (pk_set or f is not meta.auto_field)
    ]
    returning = meta.db_returning_fields
    if returning and not connection.features.can_return_columns_from_insert:
        raise ValueError(f"insert: {connection.vendor} cannot return {model.__name__}'s new id")
    query = InsertQuery(model)
    query.insert_values(fields, [model()])  # a throwaway instance: its plain values give placeholders
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = returning
    [(sql, _params)] = compiler.as_sql()
    cols = [f.get_col(meta.db_table) for f in returning]
    return _InsertPlan(sql=sql, fields=fields, returning=returning, compiler=compiler,
                       converters=compiler.get_converters(cols) if returning else {})  # fmt: skip
