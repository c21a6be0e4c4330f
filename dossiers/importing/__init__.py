"""The importers of agencies, procedures and dossiers (domain.md section 9).

How a file travels (the service in `dossiers.services` drives it):

1. `reading`   reads a CSV (UTF-8 with or without BOM, comma or semicolon) or XLSX file into
               text cells, or refuses it with one Vietnamese sentence (`ImportRefused`);
2. `headers`   matches the header row to the known columns, ignoring case, diacritics, spaces
               and punctuation, and refuses a file missing a required column;
3. `*_rows`    check each row with vectorised rules (`checks`, `parsing`): a rejected row is
               reported once per problem (row number as the user sees it, header row = 1; the
               column header as in the file; the reason in Vietnamese) and counted once;
4. `apply`     (dossiers) stages the accepted rows and upserts them set-wise; agencies and
               procedures, small tables, go through the ORM.

Decisions worth knowing:

* A code repeated within one file: the first row is imported, each later one is rejected with
  a reason naming the first row.
* A dossier's procedure unknown to the catalogue is registered (and its domain created) when a
  row of the file gives its Tên thủ tục and Lĩnh vực.
* An apology recorded in the portal is never overwritten or erased by an import; a row whose
  apology differs keeps the portal's, its other facts still apply, and the batch keeps a warning
  for that row (`ImportRowError.is_warning`). See `apply` for the full rule.
* Re-importing a file changes nothing: unchanged rows are not rewritten (`updated_at` stays).
"""
