"""The worker side: arq workers acting as the checkpoint pool.

Importing this package does no I/O: ``arq worker.WorkerSettings --check`` imports it.
"""
