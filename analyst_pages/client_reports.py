"""/client-reports (analysts only): a client site's report for a period, previewed, approved for the client and downloaded."""
from ui.analyst import guard as analyst, client_reports

user = analyst.start("client-reports")
analyst.guarded(client_reports.body, user)
