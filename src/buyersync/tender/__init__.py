"""Tender forensics: read a tender, find the clauses written around one supplier, answer them.

Sits beside locate/ (imports method/ at most, never services/ or an entry point). The
service layer (services/tender.py) is what the CLI and the web call.
"""

from buyersync.tender.check import check, exchange_paragraph
from buyersync.tender.errors import TenderFileError
from buyersync.tender.model import Clause, Flag, FlagKind, ProductMatch, Summary, TenderLetter, TenderReport
from buyersync.tender.readers import Document, read_bytes, read_path

__all__ = ["Clause", "Document", "Flag", "FlagKind", "ProductMatch", "Summary", "TenderFileError",
           "TenderLetter", "TenderReport", "check", "exchange_paragraph", "read_bytes", "read_path"]
