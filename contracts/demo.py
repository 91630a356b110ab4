"""demo of the contracts app (being written)."""


def register() -> None:
    pass
