"""/crime-log: a campus's public daily crime log: the crimes reported in the last 60 days of the data, generalised by the gate."""
from ui.public import clery, page

ctx = page.start("crime_log")
clery.crime_log(ctx)
page.footer(ctx)
