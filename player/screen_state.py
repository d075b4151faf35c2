"""What the screen shows for a payment state: one path from the payment software's
state to the engine and the window, told once.

- A PCI prompt: picture and sound gone at once (the decks hidden and muted first,
  bookkeeping after), and nothing in any zone: the prompt owns the screen.
- A transaction (prefueling, fueling, postfueling): the video in its transaction zone,
  the banner of the phase (pre/postfueling) in the banner zone, the asset's coupon.
  POP `screenState` "Partial".
- Idle: the video full screen, POP "Full" (the coupon zone still shows the asset's
  coupon, drawn over the video's corner, as the zones say).

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
    if content is not None and payment.phase in ("prefueling", "postfueling"):
        banners = banners_for(content.site, day, payment.phase, content.present)
    coupons = slot.asset.coupons if slot is not None and slot.asset is not None else ()
    return ScreenState(prompting=payment.prompting, transaction=payment.in_transaction,
                       banner=media / banners[0].filename if banners else None,
                       coupon=coupons[0] if coupons else None)


def pop_state(payment: PaymentState) -> str:
    return "Partial" if payment.in_transaction else "Full"
