"""Transactions: one transaction per request, writes serialised per tenant."""

from __future__ import annotations

import functools
import os
import re
import sqlite3
import threading
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    Insert,
    Table,
    bindparam,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from .engines import (
    SERVER_SCHEMAS_READY,
    WRITE_OPTION,
    check_columns,
    driver_errors,
    is_memory_url,
    keep_memory_engine,
    release_server_engine,
    server_engine,
    spare_memory_engine,
    sqlite_engine,
    sqlite_file,
    with_empty_schema,
)
from .errors import InsufficientStorage
from .filelocks import ChangeCounter, WriteGate
from .models import Base, Tenant

_NAMED = re.compile(r"(?<![:\w]):(\w+)")
_SETUP_LOCK = 7_204_117  # PostgreSQL advisory lock id held while a process prepares the schema
_DISK_FULL_SQLSTATE = "53100"  # PostgreSQL's disk_full


def is_disk_full(error: BaseException) -> bool:
    """Tell whether error (the driver's, or SQLAlchemy's around it) says storage is full."""
    cause = getattr(error, "orig", None) or error
    if isinstance(cause, sqlite3.Error):
        return getattr(cause, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or \
            "database or disk is full" in str(cause)
    return getattr(cause, "sqlstate", None) == _DISK_FULL_SQLSTATE or \
        getattr(cause, "pgcode", None) == _DISK_FULL_SQLSTATE


@contextmanager
def _full_as_507() -> Iterator[None]:
    """Raise a full disk as Affise's envelope would carry it: a 507, not a server error."""
    try:
        yield
    except Exception as exc:
        if is_disk_full(exc):
            raise InsufficientStorage() from exc
        raise


class Database:
    """An engine with read and write sessions for one database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        backend = make_url(url).get_backend_name()
        self.is_sqlite = backend == "sqlite"
        self.is_memory = is_memory_url(url)
        # A file database's real path, for the lock files beside it.
        self.file = sqlite_file(url)
        if self.is_memory:
            self.engine = spare_memory_engine() or sqlite_engine(url)
        elif self.is_sqlite:
            self.engine = sqlite_engine(url)
        else:
            self.engine = server_engine(url)
        # One in-memory connection is shared by every thread: let one transaction in at a time.
        self._lock = threading.RLock() if self.is_memory else None
        # A file database admits one writer at a time, and SQLite makes the others poll with
        # sleeps of 1 ms growing to 100 ms, while the threads queued behind the sleeper wait
        # too: writers queue at this gate instead, and each is woken the moment the write
        # before it ends, whichever process it is in.
        self._write_lock = WriteGate(self.file + "-mock-lock") if self.file else None
        # Only processes on one machine share a file: elsewhere every lookup asks the database.
        self.changes = ChangeCounter(self.file + "-mock-changes") if self.file else None
        self._closers: list[Callable[[], None]] = []
        self._released = False
        self._spares: tuple[int, list[Any]] | None = (
            (os.getpid(), []) if self.file else None)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )

    def create_schema(self) -> None:
        """Create the tables that do not exist yet; safe when several processes start at once."""
        if self.is_memory:
            # A new in-memory database is empty: it gets a page-for-page copy of one made once
            # per process (compiling and running the DDL took 45 ms of an app's 115 ms of CPU).
            with_empty_schema(self.load_memory_copy)
            return
        if self.url in SERVER_SCHEMAS_READY:
            return
        writer = self.engine.execution_options(**{WRITE_OPTION: True})
        with self._lock or nullcontext(), writer.begin() as connection:
            self.serialise_setup(connection)
            Base.metadata.create_all(connection)
            check_columns(connection)
        if not self.is_sqlite:
            # A database server's schema, once made or checked by this process, stays: the
            # check is 40 round trips (a table's existence, then its columns, per table).
            SERVER_SCHEMAS_READY.add(self.url)

    def memory_copy(self) -> sqlite3.Connection:
        """Return a page-for-page copy of this in-memory database, in a connection of its own."""
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        source = self.engine.raw_connection()
        try:
            with self._lock or nullcontext():
                source.driver_connection.backup(copy)
        finally:
            source.close()
        return copy

    def load_memory_copy(self, copy: sqlite3.Connection) -> None:
        """Make this in-memory database a page-for-page copy of copy (see memory_copy); the
        caller keeps copy from being used by another thread meanwhile."""
        target = self.engine.raw_connection()
        try:
            with self._lock or nullcontext():
                copy.backup(target.driver_connection)
        finally:
            target.close()

    def serialise_setup(self, connection: Connection | Session) -> None:
        """Make concurrent start-ups take turns (SQLite's BEGIN IMMEDIATE already does)."""
        if not self.is_sqlite:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SETUP_LOCK})

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[Session]:
        """Yield a session inside one transaction, committed on success, rolled back on error."""
        if not write:
            with self._lock or nullcontext(), _full_as_507(), self._reader.begin() as s:
                yield s
            return
        with self._lock or self._write_lock or nullcontext():
            try:
                with _full_as_507(), self._writer.begin() as s:
                    yield s
            finally:  # committed or not, counting one more is always safe
                if self.changes is not None:
                    self.changes.bump()

    @contextmanager
    def raw(self, write: bool = False) -> Iterator[Any]:
        """Yield the driver's own connection in one transaction, for the few statements on
        every request's path (key lookup, journal), which the ORM would make several times
        dearer. Statements go through native(); a read is a single statement. A raw write is
        not counted by `changes`: it is for the journal only, never for a tenant's data."""
        lock = self._lock or (self._write_lock if write else None) or nullcontext()
        with lock, _full_as_507(), self._driver_connection() as connection:
            if write and self.is_sqlite:
                connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    @contextmanager
    def _driver_connection(self) -> Iterator[Any]:
        if self._spares is None:  # the pool's: PostgreSQL, or the one in-memory connection
            pooled = self.engine.raw_connection()
            try:
                yield pooled.driver_connection
            finally:
                pooled.close()
            return
        # A file database: connections of this process's own, outside the pool, whose
        # check-out and return (with its rollback) cost more than the statement they run.
        pid, spares = self._spares
        if pid != os.getpid():  # forked: the parent's connections are not ours to use
            self._spares = (os.getpid(), [])
            pid, spares = self._spares
        try:
            connection = spares.pop()
        except IndexError:
            pooled = self.engine.raw_connection()  # opened with the engine's settings
            connection = pooled.driver_connection
            pooled.detach()
        try:
            yield connection
        finally:
            if connection.in_transaction:
                connection.rollback()
            spares.append(connection)

    def native(self, sql: str) -> str:
        """Return sql, written with :name parameters, in the driver's own parameter style."""
        return native_sql(sql, self.engine.dialect.name)

    def on_dispose(self, closer: Callable[[], None]) -> None:
        """Have dispose() call closer first (for what holds files beside the database)."""
        self._closers.append(closer)

    def dispose(self) -> None:
        """Close every connection (the pool's and the spare ones) and the files beside."""
        for closer in self._closers:
            closer()
        if not self.is_sqlite:
            if not self._released:  # one holder, released once
                self._released = True
                release_server_engine(self.url)
            return
        if self.is_memory:
            engine, self.engine = self.engine, None  # type: ignore[assignment]
            if engine is not None:  # disposed once: a second dispose keeps nothing twice
                keep_memory_engine(engine)
            return
        if self._spares is not None and self._spares[0] == os.getpid():
            spares = self._spares[1]
            while spares:
                spares.pop().close()
        for held in (self._write_lock, self.changes):
            if held is not None:
                held.close()
        self.engine.dispose()


def native_sql(sql: str, dialect: str) -> str:
    """Return sql, written with :name parameters, in dialect's driver's parameter style."""
    if dialect == "sqlite":
        return sql  # sqlite3 takes :name as it is
    return _NAMED.sub(r"%(\1)s", sql)


def driver_connection(session: Session) -> Any:
    """Return the driver's own connection under session's transaction (see Database.raw).

    Kept on the session for its transaction: SQLAlchemy's way to it (Session.connection())
    cost more than the statement a request's path then runs on it. A new transaction (after a
    commit) asks SQLAlchemy again, since it may hold another connection."""
    held = session.info.get(_DRIVER_HELD)
    transaction = session.get_transaction()
    if held is not None and held[0] is transaction and transaction is not None:
        return held[1]
    connection = session.connection().connection.driver_connection
    session.info[_DRIVER_HELD] = (session.get_transaction(), connection)
    return connection


_DRIVER_HELD = "mock_affise.driver_connection"


@dataclass(frozen=True)
class DriverStatement:
    """A statement as the driver's own SQL (named parameters), for a path every request takes,
    where SQLAlchemy's execution machinery cost more than the statement: its parameters'
    defaults and processors, the SQL for each length of its list parameters (IN and NOT IN),
    and each result column's name and the engine's processor for it."""

    sql: str
    defaults: dict[str, Any]
    readers: tuple[tuple[str, Callable[[Any], Any] | None], ...]
    binders: tuple[tuple[str, Callable[[Any], Any]], ...] = ()
    lists: tuple[str, ...] = ()
    expand: Callable[[tuple[int, ...]], str] | None = None  # the SQL for the lists' lengths
    record: Any = tuple  # the row type: a named tuple of the result columns
    filled: tuple[tuple[str, Any], ...] = ()  # an INSERT's columns left out: their defaults
    required: frozenset[str] = frozenset()  # the parameters with no value of their own

    def parameters(self, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """Return the SQL and the driver's parameters for params (each list spread out); a
        value the statement does not take is left out."""
        if not self.required <= params.keys():  # as SQLAlchemy refuses it: not as NULL
            missing = sorted(self.required - params.keys())
            raise TypeError(f"a value is required for parameter(s) {missing}")
        values = {name: params.get(name, default)
                  for name, default in self.defaults.items()}
        for name, default in self.filled:  # as SQLAlchemy fills them, on each execution
            if name not in params:
                values[name] = default.arg if default.is_scalar else default.arg(None)
        for name, bind in self.binders:
            value = values[name]
            values[name] = [bind(item) for item in value] if name in self.lists else bind(value)
        if not self.lists:
            return self.sql, values
        sql = self.expand(tuple(len(values[name]) for name in self.lists))  # type: ignore[misc]
        for name in self.lists:
            for place, item in enumerate(values.pop(name), 1):
                values[f"{name}_{place}"] = item
        return sql, values

    def row(self, values: Sequence[Any]) -> dict[str, Any]:
        """Read one result row by column name, each value through its column's processor."""
        return {name: value if read is None else read(value)
                for (name, read), value in zip(self.readers, values, strict=True)}

    def records(self, rows: Iterable[Sequence[Any]]) -> list[Any]:
        """Read result rows as named tuples (by position and by column name), each value
        through its column's processor."""
        new, record = tuple.__new__, self.record
        processed = [(place, read) for place, (_, read) in enumerate(self.readers)
                     if read is not None]
        if not processed:
            return [new(record, row) for row in rows]
        read_rows = []
        for row in rows:
            values = list(row)
            for place, read in processed:
                values[place] = read(values[place])
            read_rows.append(new(record, values))
        return read_rows


@functools.lru_cache(maxsize=1024)  # by engine and builder: generation has 512 shapes
def driver_statement(dialect: Dialect, build: Callable[[], Any]) -> DriverStatement:
    """Return build()'s statement for dialect (an engine's: its processors are the engine's),
    made once per engine and statement."""
    style = (type(dialect), dialect.positional, dialect.paramstyle)
    compiled = _compiled(*style, build)
    sql, defaults = str(compiled), compiled.construct_params(_check=False)
    columns = build().exported_columns
    readers = tuple((column.key, column.type.dialect_impl(dialect).result_processor(
        dialect, None)) for column in columns)
    binders = {}  # by the name the SQL gives each (a parameter used twice is one)
    for bind, name in compiled.bind_names.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            binders[name] = processor
    lists = tuple(dict.fromkeys(name for bind, name in compiled.bind_names.items()
                                if bind.expanding))
    expand = functools.partial(_expand, *style, build) if lists else None
    record = namedtuple("Record", [key for key, _ in readers], rename=True)  # type: ignore[misc]
    filled = []
    for column in getattr(compiled, "insert_prefetch", ()):  # Python-side column defaults
        if column.default is None or not (column.default.is_scalar
                                          or column.default.is_callable):
            raise TypeError(f"{column}: a driver statement fills plain defaults only")
        filled.append((compiled.bind_names[compiled.binds[column.key]], column.default))
    if getattr(compiled, "update_prefetch", ()):
        raise TypeError("a driver statement does not fill onupdate values")
    required = frozenset(name for bind, name in compiled.bind_names.items()
                         if bind.required and name not in dict(filled))
    return DriverStatement(sql, defaults, readers, tuple(binders.items()), lists, expand,
                           record, tuple(filled), required)


@functools.cache
def _compiled(dialect_class: type[Dialect], positional: bool, paramstyle: str,
              build: Callable[[], Any]) -> Any:
    """Compile build()'s statement once per dialect in a process, not per engine: a test
    suite builds an app, and an engine, per test."""
    # sqlite3 takes named parameters too: one dict a call, whatever the engine's style
    return build().compile(dialect=dialect_class(
        paramstyle="named" if positional else paramstyle))


def _expand(dialect_class: type[Dialect], positional: bool, paramstyle: str,
            build: Callable[[], Any], lengths: tuple[int, ...]) -> str:
    """Return _expanded's SQL, kept only for short lists: a long one's SQL is long too, and
    its length rarely comes again."""
    if max(lengths) > _KEPT_LENGTH:
        return _expanded.__wrapped__(dialect_class, positional, paramstyle, build, lengths)
    return _expanded(dialect_class, positional, paramstyle, build, lengths)


_KEPT_LENGTH = 128


@functools.lru_cache(maxsize=1024)
def _expanded(dialect_class: type[Dialect], positional: bool, paramstyle: str,
              build: Callable[[], Any], lengths: tuple[int, ...]) -> str:
    """Return the SQL of build()'s statement with its lists of these lengths, as SQLAlchemy
    writes it (an empty list's IN and NOT IN included), once per lengths."""
    compiled = _compiled(dialect_class, positional, paramstyle, build)
    lists = dict.fromkeys(name for bind, name in compiled.bind_names.items() if bind.expanding)
    dummies = {name: [None] * length for name, length in zip(lists, lengths, strict=True)}
    return compiled.construct_expanded_state(
        {**compiled.construct_params(_check=False), **dummies}).statement


def run_driver(session: Session, build: Callable[[], Any],
               params: Mapping[str, Any]) -> tuple[Any, DriverStatement]:
    """Run build()'s statement (see driver_statement) with params in session's transaction;
    return the driver's cursor and the statement (whose row() and records() read the cursor's
    rows)."""
    if session.autoflush:  # as SQLAlchemy's own execution: what the session holds goes first
        session.flush()
    statement = driver_statement(_dialect(session), build)
    return driver_execute(session, *statement.parameters(params)), statement


@functools.cache
def builder(make: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    """Return the one builder of make(*args)'s statement, the same each call: a statement
    built per shape (make's arguments) runs on the driver too, and driver statements are kept
    by builder."""
    return lambda: make(*args)


def driver_records(session: Session, build: Callable[[], Any],
                   params: Mapping[str, Any]) -> list[Any]:
    """Run build()'s statement (see run_driver); return its rows as named tuples."""
    cursor, statement = run_driver(session, build, params)
    return statement.records(_fetch(session, cursor.fetchall, statement))


def driver_tuples(session: Session, build: Callable[[], Any],
                  params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """Run build()'s statement (see run_driver); return its rows as the driver reads them, no
    value through its column's processor: for columns whose stored form serves as it is (ids,
    and timestamps only compared with each other: SQLite's text of them sorts as they do)."""
    cursor, statement = run_driver(session, build, params)
    return _fetch(session, cursor.fetchall, statement)


def _fetch(session: Session, fetch: Callable[[], Any], statement: DriverStatement) -> Any:
    """Return fetch()'s rows: SQLite runs a statement as its rows are read, so the driver's
    errors can come then too, and come out as SQLAlchemy's as well."""
    with driver_errors(_dialect(session), statement.sql, ()):
        return fetch()


def _dialect(session: Session) -> Dialect:
    return session.get_bind().dialect


def driver_execute(session: Session, sql: str, params: Mapping[str, Any]) -> Any:
    """Run sql (the driver's own, named parameters) with params in session's transaction and
    return the driver's cursor; the driver's errors come out as SQLAlchemy's."""
    connection = driver_connection(session)
    _announce(session, sql, params, False)
    with driver_errors(_dialect(session), sql, params):
        return connection.execute(sql, params)


def _announce(session: Session, sql: str, params: Any, many: bool) -> None:
    """Show a statement sent on the driver to the engine's before_cursor_execute listeners, as
    SQLAlchemy shows its own: what watches an engine's SQL (a test counting queries) sees all
    of it. Nothing is asked when none listens."""
    listeners = session.get_bind().dispatch.before_cursor_execute
    if listeners:
        listeners(session.connection(), None, sql, params, None, many)


def driver_execute_many(session: Session, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Run sql once per row of parameters in session's transaction (see driver_execute)."""
    cursor = driver_connection(session).cursor()
    _announce(session, sql, rows, True)
    with driver_errors(session.get_bind().dialect, sql, rows):
        cursor.executemany(sql, rows)


def driver_row(session: Session, build: Callable[[], Any],
               params: Mapping[str, Any]) -> dict[str, Any] | None:
    """Run build()'s statement (see run_driver); return its first row read by column name, or
    None when it has none."""
    cursor, statement = run_driver(session, build, params)
    row = _fetch(session, cursor.fetchone, statement)
    return None if row is None else statement.row(row)


def list_parameter(name: str) -> BindParameter[Any]:
    """Return a parameter taking a list, for IN and NOT IN in a statement built once."""
    return bindparam(name, expanding=True)


def insert_row(session: Session, build: Callable[[], Insert], values: Mapping[str, Any]) -> int:
    """Insert one row with build()'s statement (built once: see parameters_insert) on the
    driver (see run_driver), and return its new id: from RETURNING, or the driver's last row
    id on SQLite before 3.35."""
    if not _dialect(session).insert_returning:
        return run_driver(session, build, values)[0].lastrowid
    return driver_tuples(session, builder(_returning_id, build), values)[0][0]


def _returning_id(build: Callable[[], Insert]) -> Insert:
    return build().returning(build().table.c.id)


def parameters_insert(table: Table, names: Sequence[str]) -> Insert:
    """Build an INSERT into table of the columns names, each from the parameter of its name."""
    return insert(table).values({name: bindparam(name) for name in names})


def _bump_statement() -> Any:
    tenants = Tenant.__table__
    return (update(tenants).where(tenants.c.id == bindparam("id"))
            .values(data_version=tenants.c.data_version + 1))


def _lock_statement() -> Any:
    return _bump_statement().returning(*Tenant.__table__.c)


def _tenant_statement() -> Any:
    tenants = Tenant.__table__
    return select(tenants).where(tenants.c.id == bindparam("id"))


def lock_tenant(session: Session, tenant_id: int) -> Tenant | None:
    """Load the tenant row for update: every write on a tenant runs after the one before it.

    Taking the lock is what every change to a tenant does first, so it also bumps the tenant's
    data version: a read answer cached at the old version is never served again. One
    UPDATE ... RETURNING on the driver's connection: the UPDATE takes the row's lock (on
    PostgreSQL; SQLite's write transaction holds the whole database) and RETURNING reads the
    row as it stands under the lock. (The ORM's own UPDATE ... RETURNING was half a tenant's
    drop.)
    """
    session.flush()  # what the session holds first: the row below replaces its tenant's
    if session.get_bind().dialect.update_returning:
        values = driver_row(session, _lock_statement, {"id": tenant_id})
    else:  # SQLite before 3.35: no RETURNING
        run_driver(session, _bump_statement, {"id": tenant_id})
        values = driver_row(session, _tenant_statement, {"id": tenant_id})
    if values is None:
        return None
    held = session.identity_map.get(identity_key(Tenant, tenant_id))
    if held is not None:  # loaded earlier in this session: refreshed in place
        for name, value in values.items():
            set_committed_value(held, name, value)
        return held
    return _attach(session, Tenant, values)


def _attach(session: Session, model: type[Any], values: Mapping[str, Any]) -> Any:
    """Return model's object of a row read on the driver, in session as if it had loaded it."""
    entity = detached_entity(model, values)
    session.add(entity)
    return entity


def detached_entity(model: type[Any], values: Mapping[str, Any]) -> Any:
    """Return model's object of a row (values by column key), detached as if a session had
    loaded it and closed: no history, so a change to it once added is an UPDATE of that.

    Its values go in as SQLAlchemy's loading puts them, not through the constructor, whose
    instrumented set of each attribute cost six times as much."""
    entity = model.__mapper__.class_manager.new_instance()
    entity.__dict__.update(values)
    make_transient_to_detached(entity)
    return entity


def load_entity(session: Session, model: type[Any], key: tuple[Any, ...]) -> Any | None:
    """Return the object of model whose primary key is key, as Session.get does, or None.

    The row is read on the driver (one statement built once per model, see driver_statement):
    a write loads the invoice or partner it changes, and the ORM's way to it cost more than
    the rest of the write's reads together. One the session holds already is returned as it is.
    """
    if session.autoflush:  # as Session.get: an object added and not yet sent is found
        session.flush()
    held = session.identity_map.get(identity_key(model, key))
    if held is not None:
        return held
    names = [column.key for column in model.__table__.primary_key.columns]
    values = driver_row(session, builder(_entity_statement, model),
                        dict(zip(names, key, strict=True)))
    return None if values is None else _attach(session, model, values)


def update_entity(session: Session, entity: Any, changes: Mapping[str, Any]) -> None:
    """Write changes (by column key: every model's attribute keys are its column keys) to
    entity, an object session holds, with one UPDATE on the driver (one statement built per
    model and set of columns), and set them on it as written: the ORM's unit of work for a
    one-row change at commit cost more than the rest of a write's statements.

    Like insert_entity, for a session that is closed, not used again, after a rollback: what
    these wrote is not taken back from the objects (the endpoint's sessions are so used)."""
    model = type(entity)
    names = tuple(sorted(changes))
    key = {f"key_{column.key}": getattr(entity, column.key)
           for column in model.__table__.primary_key.columns}
    values = {f"new_{name}": value for name, value in changes.items()}
    cursor, _ = run_driver(session, builder(_update_statement, model, names), {**key, **values})
    if cursor.rowcount != 1:  # as the ORM's flush refuses it
        raise StaleDataError(f"UPDATE of {model.__name__} {tuple(key.values())} matched "
                             f"{cursor.rowcount} rows, not 1")
    for name, value in changes.items():
        set_committed_value(entity, name, value)


def _update_statement(model: type[Any], names: tuple[str, ...]) -> Any:
    table = model.__table__
    return (update(table)
            .where(*(column == bindparam(f"key_{column.key}")
                     for column in table.primary_key.columns))
            .values({name: bindparam(f"new_{name}") for name in names}))


def insert_entity(session: Session, model: type[Any], values: Mapping[str, Any]) -> Any:
    """Insert a row of model (values by column key; defaults fill the rest) with one INSERT on
    the driver, and return its object, in session as if loaded (see update_entity)."""
    run_driver(session, builder(_insert_statement, model, tuple(sorted(values))), values)
    return _attach(session, model, values)


def _insert_statement(model: type[Any], names: tuple[str, ...]) -> Insert:
    return parameters_insert(model.__table__, names)


def _entity_statement(model: type[Any]) -> Any:
    table = model.__table__
    return select(table).where(*(column == bindparam(column.key)
                                 for column in table.primary_key.columns))
