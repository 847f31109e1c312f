"""Keep only the parts of Kubernetes-shaped data that a spec model has fields for.

Spec keys follow Kubernetes field names, so most of a Pod maps onto a spec by copying. What a
model has no field for is left out here (and then found missing by ``compare``, which names it),
rather than refused by the validator along with everything around it. Driven by the pydantic
models themselves, so a key the spec gains is imported without a change here.
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Any, Union

from pydantic import BaseModel, ValidationError


def _members(annotation: Any) -> list[Any]:
    """The alternatives of a union (``X | None``, ``Annotated[...]`` unwrapped), else itself."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _members(arg)]
    return [annotation]


def _model(annotation: Any) -> type[BaseModel] | None:
    models = [m for m in _members(annotation) if isinstance(m, type) and issubclass(m, BaseModel)]
    return models[0] if len(models) == 1 else None


@functools.cache
def _takes_empty(model: type[BaseModel] | None) -> bool:
    if model is None:
        return True
    try:
        model.model_validate({})
    except ValidationError:
        return False
    return True


def _container(annotation: Any) -> tuple[Any, Any] | None:
    """(origin, item annotation) for list[X] / dict[K, X] members of ``annotation``."""
    for member in _members(annotation):
        origin = typing.get_origin(member)
        if origin is list:
            return list, typing.get_args(member)[0]
        if origin is dict:
            return dict, typing.get_args(member)[1]
    return None


def item_annotation(annotation: Any) -> Any:
    """The item type of a ``list[X]`` / ``dict[K, X]`` annotation, else ``annotation`` itself."""
    shape = _container(annotation)
    return shape[1] if shape else annotation


def field_keys(model: type[BaseModel]) -> dict[str, str]:
    """Spec key (alias if any) → attribute name, for every field of ``model``."""
    return {(info.alias or name): name for name, info in model.model_fields.items()}


def fit_model(value: Any, model: type[BaseModel]) -> Any:
    """``value`` with only the keys ``model`` knows, recursively; non-mappings unchanged."""
    if not isinstance(value, dict):
        return value
    keys = field_keys(model)
    # A model that takes any further keys (e.g. extended resources) keeps them as they are.
    open_ended = model.model_config.get("extra") == "allow"
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in keys:
            annotation = model.model_fields[keys[key]].annotation
            fitted = fit(item, annotation)
            # A mapping none of whose keys the model knows is left out as a whole when the model
            # refuses it empty (a security context with no key it holds); one that means
            # "defaults" when empty (emptyDir) stays. compare names what was in it either way.
            if not (isinstance(fitted, dict) and not fitted and item
                    and not _takes_empty(_model(annotation))):
                out[key] = fitted
        elif open_ended:
            out[key] = item
    return out


def fit(value: Any, annotation: Any) -> Any:
    """``value`` fitted to the type ``annotation`` (a model, list/dict of models, or a scalar)."""
    model = _model(annotation)
    if model is not None and isinstance(value, dict):
        return fit_model(value, model)
    shape = _container(annotation)
    if shape is not None:
        origin, item = shape
        if origin is list and isinstance(value, list):
            return [fit(v, item) for v in value]
        if origin is dict and isinstance(value, dict):
            return {k: fit(v, item) for k, v in value.items()}
    return value
