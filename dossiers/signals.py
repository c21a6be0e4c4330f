"""Signals the dossiers app sends. It never imports `reports`: the KPI engine listens here.

`dossiers_changed` is sent after an import (or any edit of dossiers or apologies) has written its
`TouchedCell` rows, inside or after the transaction that wrote them. A receiver that starts work
must defer it with `transaction.on_commit` (the KPI engine does), so that it sees the new rows.
Sender: the code that changed the dossiers; keyword `batch_id`: the ImportBatch id or None.
"""

from __future__ import annotations

from django.dispatch import Signal

dossiers_changed = Signal()
