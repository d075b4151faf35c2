"""Errors of the scheduler package.

    SchedulerError
    └── UpdateRejected    an update message is invalid; `.message` is the
                          human-readable `additionalInformation` text (the seed's own
                          text where the seeds name the defect)
"""


class SchedulerError(Exception):
    """Root of every error raised by `scheduler`."""


class UpdateRejected(SchedulerError):
    """The whole update is rejected; `message` says why, in one line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
