"""The client API other services use: enqueue runs, wait for them, read the fleet's results.

The seed page's names are re-exported by `producer.async_runner`.
"""
