"""An instance's spec: what its description tells the solver beyond the examples, as values and as words.

Every family declares it with `TaskFamily.spec(instance)` and names its
fields in `TaskFamily.spec_fields` (emit-string: the bytes to output;
emit-repeated: the byte and the count; paper Factorial: n). It is empty when
the examples determine the task. The token envs encode these values after
the examples (`reasonenv.envs.encoding`); the text and feedback envs and the
benchmark prompts state them with `spec_statement`, so every observer of an
instance is told the same thing from the same source.
"""

from __future__ import annotations

from curricula.base import Instance, family_class

SpecValue = int | bytes


def instance_spec(instance: Instance) -> tuple[SpecValue, ...]:
    """The spec of `instance` (empty when the examples determine the task).

    Raises ValueError when the family returns something other than one int
    or bytes value per name in its `spec_fields`: a family bug, named here
    rather than surfacing as a wrong observation.
    """
    cls = family_class(instance.family)
    values = tuple(cls.spec(instance))
    if len(values) != len(cls.spec_fields):
        raise ValueError(
            f"family {instance.family!r} returned {len(values)} spec values for its {len(cls.spec_fields)} spec_fields {cls.spec_fields}"
        )
    for name, value in zip(cls.spec_fields, values):
        if isinstance(value, bool) or not isinstance(value, (int, bytes)):
            raise ValueError(f"family {instance.family!r} spec field {name!r} must be an int or bytes, got {value!r}")
    return values


def spec_field_names(instance: Instance) -> tuple[str, ...]:
    """The names of the spec fields of `instance`'s family, in order."""
    return family_class(instance.family).spec_fields


def show_value(value: SpecValue) -> str:
    """A spec value in words: a number in decimal; bytes as a decimal list, plus the text when it is printable ASCII."""
    if isinstance(value, int):
        return str(value)
    listed = "[" + ", ".join(str(b) for b in value) + "]"
    if value and all(32 <= b < 127 for b in value) and b'"' not in value:
        return f'{listed} (the text "{value.decode()}")'
    return listed


def spec_statement(instance: Instance) -> str:
    """One line stating the spec, e.g. 'Spec: byte to output = [1]; times to output it = 3.'; '' when it is empty."""
    values = instance_spec(instance)
    if not values:
        return ""
    names = family_class(instance.family).spec_fields
    return "Spec: " + "; ".join(f"{name} = {show_value(value)}" for name, value in zip(names, values)) + "."
