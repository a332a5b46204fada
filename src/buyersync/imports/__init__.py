"""CRM imports: Salesforce and HubSpot exports, or any CSV/XLSX with a column map."""

from buyersync.imports.crm import CrmReport, RowProblem, import_crm
from buyersync.imports.maps import CrmMap, load_map
from buyersync.imports.readers import read_table

__all__ = ["CrmMap", "CrmReport", "RowProblem", "import_crm", "load_map", "read_table"]
