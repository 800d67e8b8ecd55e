"""How the admin and the pages show an instant: in the farm's time zone (``TIME_ZONE``), with the zone named,
"1 Dec 2026, 13:05 WET" (Django's own en-GB format leaves the zone out and writes "1:05 p.m.")."""

DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATETIME_FORMAT = "j M Y, H:i T"
