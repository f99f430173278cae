"""登录锁定: the city's administrators (and superusers) read lockouts and lift them."""

from districts.models import Role
from districts.policy import CityPolicy, register

from .models import LoginLockout

lockouts = register(CityPolicy(LoginLockout, roles=(Role.ADMINISTRATOR,)))
