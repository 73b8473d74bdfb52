"""Declared shapes: a body's fields described once, as data.

A domain app declares what a body holds (``referrals/shape.py`` for a referral); from that
one declaration follow the keys its validator accepts, the OpenAPI schema
(``serializer_for``), the form metadata clients build from (``Field.meta``) and the
questions a page asks (``Field.question``, ``hint``, ``options``). What a shape cannot say
(a rule across fields, a lookup) stays in the validator's code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any, Literal

from rest_framework import serializers

FieldType = Literal["boolean", "string", "integer", "number", "date", "datetime", "object", "array"]


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    description: str
    _: KW_ONLY
    required: bool = False
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    # The codes accepted: of the value itself, or of each value of an object or an array.
    choices: tuple[str, ...] = ()
    # What the validator says when a required field is missing ("" for its usual words).
    missing: str = ""
    # How a page asks for it, its hint, its words when left blank, and labelled choices.
    question: str = ""
    hint: str = ""
    blank: str = ""
    options: tuple[tuple[str, str], ...] = ()
    # The fields of an object, or of each item of an array, and the name of that shape in
    # the OpenAPI document.
    children: tuple[Field, ...] = ()
    component: str = ""

    def meta(self) -> dict[str, Any]:
        """The field as ``/api/v1/meta/`` describes it to clients building a form."""
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "description": self.description,
        }
        if self.choices:
            out["choices"] = list(self.choices)
        return out


def names(fields: Sequence[Field]) -> set[str]:
    return {f.name for f in fields}


def field_named(fields: Sequence[Field], name: str) -> Field:
    return next(f for f in fields if f.name == name)


def _serializer_field(f: Field, component: str) -> serializers.Field[Any, Any, Any, Any]:
    common: dict[str, Any] = {"required": f.required, "help_text": f.description}
    if f.type == "boolean":
        return serializers.BooleanField(**common)
    if f.type == "string":
        if f.choices:
            return serializers.ChoiceField(choices=list(f.choices), **common)
        return serializers.CharField(max_length=f.max_length, **common)
    if f.type == "integer":
        return serializers.IntegerField(min_value=f.minimum, max_value=f.maximum, **common)
    if f.type == "number":
        return serializers.FloatField(min_value=f.minimum, max_value=f.maximum, **common)
    if f.type == "date":
        return serializers.DateField(**common)
    if f.type == "datetime":
        return serializers.DateTimeField(**common)
    nested = f.component or component + f.name.title().replace("_", "")
    if f.type == "object":
        if f.children:
            return serializer_for(nested, f.children)(**common)
        if f.choices:
            return serializers.DictField(child=serializers.ChoiceField(list(f.choices)), **common)
        return serializers.DictField(**common)
    if f.children:
        return serializer_for(nested, f.children)(many=True, **common)
    if f.choices:
        return serializers.ListField(child=serializers.ChoiceField(list(f.choices)), **common)
    return serializers.ListField(**common)


def serializer_for(
    component: str,
    fields: Sequence[Field],
    *,
    overrides: dict[str, serializers.Field[Any, Any, Any, Any]] | None = None,
) -> type[serializers.Serializer[Any]]:
    """A serializer documenting ``fields`` in the OpenAPI schema, as component ``component``;
    ``overrides`` documents a field the shape cannot (one whose shape depends on another).

    It describes; the domain's validator judges (and names each bad field)."""
    attrs: dict[str, Any] = {f.name: _serializer_field(f, component) for f in fields}
    attrs.update(overrides or {})
    attrs["__module__"] = __name__
    return type(f"{component}Serializer", (serializers.Serializer,), attrs)
