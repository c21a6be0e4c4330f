"""The one import pipeline, for every kind: agencies, procedures, dossiers (domain.md section
9) and staff postings (docs/postings.md).

How a file travels (`pipeline` runs the steps; the service in `dossiers.services` moves the
batch from status to status and decides whether to count or to write):

1. `reading`   reads a CSV (UTF-8 with or without BOM, comma or semicolon) or XLSX file into
               text cells, or refuses it with one Vietnamese sentence (`ImportRefused`);
2. `headers`   matches the header row to the kind's columns, ignoring case, diacritics, spaces
               and punctuation, and refuses a file missing a required column;
3. `*_rows`    the kind's row rules (`registry` lists the kinds and their importers): each
               takes a frame of text cells keyed by column and checks every row with vectorised
               rules (`checks`, `parsing`): a rejected row is reported once per problem (row
               number as the user sees it, header row = 1; the column header as in the file; the
               reason in Vietnamese) and counted once;
4. writing     dossiers (`dossier_import`, `apply`) stage the accepted rows and upsert them
               set-wise; agencies, procedures and postings, small tables, go through the ORM.

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
