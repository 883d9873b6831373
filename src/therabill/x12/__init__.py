"""HIPAA X12 formats: the 837P claim writer and the 835 remittance reader."""
