"""A fake NTP server speaking real NTP over UDP, for clocks that must differ from this
machine's."""

from __future__ import annotations

import socket
import threading
import time

import ntplib


class FakeNtpServer:
    """Answers NTP requests with a clock `skew_s` ahead of this machine's."""

    def __init__(self, skew_s: float) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.skew_s = skew_s
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                data, peer = self.sock.recvfrom(512)
            except OSError:
                return
            request = ntplib.NTPPacket()
            request.from_data(data)
            reply = ntplib.NTPPacket(version=3, mode=4, tx_timestamp=0)
            reply.stratum = 2
            reply.orig_timestamp = request.tx_timestamp
            now = ntplib.system_to_ntp_time(time.time() + self.skew_s)
            reply.recv_timestamp = now
            reply.tx_timestamp = now
            reply.ref_timestamp = now
            self.sock.sendto(reply.to_data(), peer)

    def close(self) -> None:
        self.sock.close()
