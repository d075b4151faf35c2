"""What the screen shows for a payment state: one path from the payment software's
state to the engine and the window, told once.

- A PCI prompt: picture and sound gone at once (the decks hidden and muted first,
  bookkeeping after), and nothing in any zone: the prompt owns the screen.
- Before and after fueling (prefueling, postfueling): the video in its transaction
  zone (picture in picture), the banner of the phase in the banner zone, the asset's
  coupon. POP `screenState` "Partial".
- Fueling, and idle: the video full screen, POP "Full" (GSTV's QA cases 195-198: the
  customer watches while the fuel flows). The coupon zone still shows the asset's
  coupon, drawn over the video's corner, as the zones say.
- A halted slot (the site offline too long, scheduler.timeline): no banner, no coupon.
- The switch between the two mid-asset is the zone's rectangle changing: the deck plays
  on, in step, and its POP record is split there (player.pop_tracker).

`screen_state` decides; `Screen.compose` (player.screen) carries it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from player.content import Content
from player.payment_protocol import PaymentState
from scheduler.banners import banners_for
from scheduler.playlist import Coupon
from scheduler.timeline import Slot


@dataclass(frozen=True)
class ScreenState:
    prompting: bool = False
    transaction: bool = False
    banner: Path | None = None
    coupon: Coupon | None = None

    @property
    def pop_state(self) -> str:
        """The POP record's `screenState` while this shows."""
        return "Partial" if self.transaction else "Full"


def screen_state(payment: PaymentState, *, slot: Slot | None, content: Content | None,
                 day: date, media: Path) -> ScreenState:
    banners = []
    halted = slot is not None and slot.kind == "halted"  # black and silent, zones too
    if content is not None and not halted and payment.phase in ("prefueling", "postfueling"):
        banners = banners_for(content.site, day, payment.phase, content.present)
    coupons = slot.asset.coupons if slot is not None and slot.asset is not None else ()
    return ScreenState(prompting=payment.prompting, transaction=picture_in_picture(payment),
                       banner=media / banners[0].filename if banners else None,
                       coupon=coupons[0] if coupons else None)


def picture_in_picture(payment: PaymentState) -> bool:
    """The video in the transaction zone: before and after fueling, not during it."""
    return payment.phase in ("prefueling", "postfueling")


def pop_state(payment: PaymentState) -> str:
    return "Partial" if picture_in_picture(payment) else "Full"
