"""Paper: the PDF documents therabill prints (CMS-1500 claims, superbills, statements,
receipts). Pure: each takes plain data and returns the PDF's bytes; no database, web or
command-line import. ReportLab draws them (docs/paper.md says why)."""
