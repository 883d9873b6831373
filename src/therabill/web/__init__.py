"""The web app a practice runs its day in: pages (Jinja2 + HTMX) and the REST API.

A thin shell over the store's service layer: routes check who may see what, call a service,
and render. No billing logic lives here. Start it with ``therabill serve``; build it in code
with :func:`therabill.web.app.create_app`.
"""
