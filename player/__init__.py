"""The per-screen daemon: libVLC behind a Screen, the slot loop, proof of play, the payment socket (docs/architecture.md)."""
