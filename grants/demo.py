"""demo of the grants app (being written)."""


def register() -> None:
    pass
