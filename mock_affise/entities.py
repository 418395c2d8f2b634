"""Rows as the session's objects, read and written on the driver (see driver): a write loads
the one row it changes and writes it with one statement, where the ORM's identity lookup and
unit of work cost more than the rest of the write."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Insert, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from .driver import builder, driver_row, driver_tuples, run_driver


def insert_row(session: Session, build: Callable[[], Insert], values: Mapping[str, Any]) -> int:
    """Insert one row with build()'s statement (built once: see parameters_insert) on the
    driver (see run_driver), and return its new id: from RETURNING, or the driver's last row
    id on SQLite before 3.35."""
    if not session.get_bind().dialect.insert_returning:
        return run_driver(session, build, values)[0].lastrowid
    return driver_tuples(session, builder(_returning_id, build), values)[0][0]


def _returning_id(build: Callable[[], Insert]) -> Insert:
    return build().returning(build().table.c.id)


def parameters_insert(table: Table, names: Sequence[str]) -> Insert:
    """Build an INSERT into table of the columns names, each from the parameter of its name."""
    return insert(table).values({name: bindparam(name) for name in names})


def attach(session: Session, model: type[Any], values: Mapping[str, Any]) -> Any:
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
    return None if values is None else attach(session, model, values)


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
    return attach(session, model, values)


def _insert_statement(model: type[Any], names: tuple[str, ...]) -> Insert:
    return parameters_insert(model.__table__, names)


def _entity_statement(model: type[Any]) -> Any:
    table = model.__table__
    return select(table).where(*(column == bindparam(column.key)
                                 for column in table.primary_key.columns))
