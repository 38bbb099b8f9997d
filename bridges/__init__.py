"""The application's entry points: the command line and the audited actions it shares with the browser. May import every stage."""
