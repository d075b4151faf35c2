"""The site's shared clock: NTP, the ZeroMQ time service, election, site sync and its announcements."""
