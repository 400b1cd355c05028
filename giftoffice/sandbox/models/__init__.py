"""Sandbox tables, one module per provider, all imported here so Django finds them."""

from giftoffice.sandbox.models.core import Fault, FaultKind, Provider  # noqa: F401
from giftoffice.sandbox.models.gamesdrop import *  # noqa: F403
from giftoffice.sandbox.models.giftly import *  # noqa: F403
from giftoffice.sandbox.models.partner import *  # noqa: F403
from giftoffice.sandbox.models.telegram import *  # noqa: F403
from giftoffice.sandbox.models.tribute import *  # noqa: F403
