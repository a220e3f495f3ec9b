"""Times in 24-hour form everywhere (site, emails, admin lists): Django's British
defaults mix "10:31 p.m." with the 24-hour times Haven writes itself (issue 19)."""

TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
