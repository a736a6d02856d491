"""Import of any registered object from CSV or XLSX: the registry and the engine.

An app declares what it can import in its `imports.py` (registered from its AppConfig.ready):
an `ImportObject` with its fields (type, required, aliases in English and Chinese so that the
mapping is guessed from a file's header), the field that is the source system's key, and a
row handler that calls the app's own services. The engine here does the rest, the same way
for every object:

- the file is read by `core.tabular` (type by content, size, row, column, cell and zip limits);
- columns map to fields by an explicit mapping or by the guess; an unknown column, a mapping
  to a field the object does not have, two columns for one field or a required field without
  a column refuse the file (422) before any row is read;
- each row's cells are parsed by field type; a row with an error is rejected with stable codes
  and the row number; a key seen earlier in the file is `import.duplicate_key`;
- a known key (`ImportKey`, or the object's natural key such as a SKU) updates its record, a
  new one creates it, so importing the same file twice creates nothing the second time;
- rows are committed in chunks (a rejected row never stops the others: its reasons go to the
  error file, to be fixed and imported again), except for an `atomic` object such as an
  opening balance, whose file is written whole or not at all, then `finish`ed (e.g. posted
  as one balanced entry);
- a dry run does all of it and rolls back.
"""

from .engine import (
    ImportReport,
    domain_errors,
    import_check,
    import_run,
)
from .formats import (
    EXPORT_BATCH,
    FALSE_WORDS,
    MAX_BYTES,
    MAX_COLUMNS,
    TRUE_WORDS,
    CellInvalid,
    batches,
    count_rows,
    file_header,
    parse_cell,
    parse_decimal,
    text,
)
from .jobs import IMPORT_JOB, error_file, import_job, import_start
from .keys import OWN_KEY, keys_of, own_key
from .mappings import mapping_guess, mapping_resolve, mapping_save, mapping_saved
from .registry import (
    _OBJECTS,
    ERROR_COLUMNS,
    FIELD_TYPES,
    PREVIEW_ROWS,
    BulkRow,
    ChunkWriter,
    ImportField,
    ImportObject,
    ImportRun,
    RowHandler,
    import_object,
    import_objects,
    import_register,
)

__all__ = [
    "BulkRow",
    "CellInvalid",
    "ChunkWriter",
    "ERROR_COLUMNS",
    "EXPORT_BATCH",
    "FALSE_WORDS",
    "FIELD_TYPES",
    "IMPORT_JOB",
    "ImportField",
    "ImportObject",
    "ImportReport",
    "ImportRun",
    "MAX_BYTES",
    "MAX_COLUMNS",
    "OWN_KEY",
    "PREVIEW_ROWS",
    "RowHandler",
    "TRUE_WORDS",
    "_OBJECTS",
    "batches",
    "count_rows",
    "domain_errors",
    "error_file",
    "file_header",
    "import_check",
    "import_job",
    "import_object",
    "import_objects",
    "import_register",
    "import_run",
    "import_start",
    "keys_of",
    "mapping_guess",
    "mapping_resolve",
    "mapping_save",
    "mapping_saved",
    "own_key",
    "parse_cell",
    "parse_decimal",
    "text",
]
