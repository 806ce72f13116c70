"""Errors the environments raise on misuse, as Gymnasium's own classes that also read as ValueError/TypeError."""

from __future__ import annotations

from gymnasium.error import InvalidAction, ResetNeeded


class ActionTypeError(InvalidAction, TypeError):
    """The action is not of the action space's type (e.g. a float for a Discrete space, bytes for a Text space)."""


class ActionOutOfRange(InvalidAction, ValueError):
    """The action has the right type but lies outside the action space."""


class EpisodeEnded(ResetNeeded):
    """`step` was called before `reset`, or after the episode terminated or was truncated."""
