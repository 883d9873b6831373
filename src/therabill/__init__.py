"""therabill: therapy sessions to correct, payable insurance claims.

The pure core (code set, units, scrub rules, posting arithmetic) lives in plain modules; the
database, web pages, CLI and file formats sit at the edges and depend on the core, never the
other way round.
"""

__version__ = "0.1.0"
