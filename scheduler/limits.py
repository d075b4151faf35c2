"""Hard limits on the size of an update, so a malformed or hostile message cannot make a
terminal run out of memory or spend minutes validating.

The values are generous multiples of the largest real update we plan for (31 daily
schedules of 24 loops of 40 assets, see `bench/validate.py`); they are listed in the
README. A message over a limit is rejected whole with a message naming the limit.
"""

MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # the update file / HTTP body
MAX_SITES = 64  # site objects in one `playlist` / `configuration` array
MAX_BANNERS = 1_000  # per site
MAX_SCHEDULES = 400  # per site: more than a year of days
MAX_LOOPS = 500  # per schedule
MAX_ASSETS_PER_LOOP = 2_000
MAX_ASSETS_PER_UPDATE = 500_000  # over all schedules, loops and sites
MAX_DAYPARTS = 96  # per asset: one every quarter hour
MAX_COUPONS = 32  # per asset
MAX_PERIODS_PER_DAY = 48  # opening periods per weekday
MAX_VOLUME_SETTINGS = 1_440  # one a minute
MAX_MEDIA_FILES = 10_000  # per media update
MAX_FILENAME_BYTES = 255  # what ext4 allows for one name
MAX_TEXT_CHARS = 1_024  # any other string field (ids, coupon texts, ...)
MAX_MEDIA_BYTES = 16 * 1024**3  # declared size of one media file
