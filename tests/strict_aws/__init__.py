"""Strict local AWS: moto's server behind a WSGI layer that rejects what real AWS rejects.

Start it with ``python -m tests.strict_aws`` or use :class:`tests.strict_aws.server.StrictAWS`.
"""
