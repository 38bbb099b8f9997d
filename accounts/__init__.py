"""Who may act on the store: analyst accounts, sign-in limits and the append-only audit log. May import model and store (its file helpers)."""
