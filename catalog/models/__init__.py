"""Catalog models, one module per area; imported here so Django (and `catalog.models.X`) finds them."""

from catalog.models.gifts import Gift, Partner, PartnerApiKey, gift_image_path  # noqa: F401
from catalog.models.offers import *  # noqa: F403  GamesDrop offers
from catalog.models.partner_sites import *  # noqa: F403  partner sites we push gifts to
from catalog.models.products import *  # noqa: F403  Tribute products, Giftly Telegram gifts
from catalog.models.rate_limits import RateCounter  # noqa: F401  shared throttle counters
from catalog.models.sync import *  # noqa: F403  SyncRun, SyncSource (on giftoffice.runs.Run)
