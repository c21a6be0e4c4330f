"""Read-only queries that shape the portal's pages, one module per page.

Every figure comes from the KPI facts (`KpiFact`, `KpiPeriod`), in a constant number of queries
whatever the number of agencies or dossiers. The one exception is the agency page's list of
overdue dossiers: it is a list of dossiers, not a figure, so it reads them, one page at a time.
The plotly figures are built apart, in reports/charts.py, from the rows these modules build.

- `cells`: rate cells, their colour bands, table rows and the domain lines shared by pages;
- `periods`: the period choices and the default period of every report page;
- `overview`, `agency`, `domains`, `targets`: one module per page;
- the overview's cache fingerprint sits with its cache, in reports/overview_cache.py.
"""
