"""The scheduler process (``python -m producer``): evaluates triggers, serves the request stream
and enqueues each firing once, however many schedulers run."""
