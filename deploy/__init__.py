"""Running Bridges in production: the nginx templates (nginx/) and the helper that renders them (render_nginx).

May import store (for the upload limit the app enforces); nothing in Bridges imports deploy.
"""
