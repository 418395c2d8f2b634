"""Statements on the database driver's own connection, inside a session's transaction.

A request's path ran statements SQLAlchemy had built once, and its execution machinery (the
ORM's compile state, parameter processing, the expansion of IN lists, result rows) cost more
than the database took to run them. Here a statement is kept as the driver's own SQL, once per
dialect, with what SQLAlchemy would have done around it: parameters through their columns'
processors, Python-side defaults, lists spread out, rows read through the result processors,
the driver's errors raised as SQLAlchemy's, and each statement shown to the engine's listeners.
"""

from __future__ import annotations

import functools
import re
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from .engines import driver_errors

_NAMED = re.compile(r"(?<![:\w]):(\w+)")


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
    bind = session.get_bind()
    _announce(session, bind, sql, params, False)
    with driver_errors(bind.dialect, sql, params):
        return connection.execute(sql, params)


def _announce(session: Session, bind: Any, sql: str, params: Any, many: bool) -> None:
    """Show a statement sent on the driver to the engine's before_cursor_execute listeners, as
    SQLAlchemy shows its own: what watches an engine's SQL (a test counting queries) sees all
    of it. Nothing is asked when none listens."""
    listeners = bind.dispatch.before_cursor_execute
    if listeners:
        listeners(session.connection(), None, sql, params, None, many)


def driver_execute_many(session: Session, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Run sql once per row of parameters in session's transaction (see driver_execute)."""
    cursor = driver_connection(session).cursor()
    bind = session.get_bind()
    _announce(session, bind, sql, rows, True)
    with driver_errors(bind.dialect, sql, rows):
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
