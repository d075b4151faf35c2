"""Pure logic, no clock and no I/O: message models and validation, the site timeline, hours, volume, banners."""
