"""Each function declares one pydantic settings model; its fields are read from environment variables of
the same name in upper case, at first use, and a missing one is an error (never a silent default)."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

SettingsT = TypeVar("SettingsT", bound=BaseModel)


class FunctionSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def env_names(cls) -> set[str]:
        return {name.upper() for name in cls.model_fields}


class SettingsError(RuntimeError):
    pass


def load_settings(model: type[SettingsT]) -> SettingsT:
    names = {name: name.upper() for name in model.model_fields}
    missing = sorted(env for env in names.values() if env not in os.environ)
    if missing:
        raise SettingsError(f"{model.__qualname__}: missing environment variables {', '.join(missing)}")
    try:
        return model.model_validate({name: os.environ[env] for name, env in names.items()})
    except ValidationError as error:
        raise SettingsError(f"{model.__qualname__}: {error}") from error


def settings_loader(model: type[SettingsT]) -> Callable[[], SettingsT]:
    """A cached accessor: the environment is read on the first call, not at import."""

    @cache
    def get() -> SettingsT:
        return load_settings(model)

    return get
