"""HIPAA X12 formats: the 837P claim writer and the 835 remittance reader.

``reader`` is the transaction-independent part (delimiters from ISA, streaming segment split,
envelope checks, ``X12Error``); each transaction set has its own package (``claim_837p``,
``remittance_835``). Everything here is pure: bytes in, objects out, no database or CLI.
"""
