"""A secret string (the API key) whose repr and str never show it."""

from __future__ import annotations

from typing import Final

_MASK: Final = "**********"


class Secret:
    """Holds a secret; only `reveal()` returns it, at the one place a header is built."""

    __slots__ = ("__value",)

    def __init__(self, value: str) -> None:
        self.__value = value

    def reveal(self) -> str:
        return self.__value

    def __bool__(self) -> bool:
        return bool(self.__value)

    def __repr__(self) -> str:
        return f"Secret('{_MASK}')" if self.__value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.__value == self.__value

    def __hash__(self) -> int:
        return hash(("Secret", self.__value))

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")

    def hint(self) -> str:
        """A safe hint of which key this is (its last four characters), for the status bar."""
        v = self.__value
        return f"…{v[-4:]}" if len(v) >= 12 else _MASK
