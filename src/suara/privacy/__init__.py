"""Citizens' rights under UU PDP: download, correction, erasure, retention of contact data (issue 19).

- `proofs`: who may act on an item (tracking code + secret, or a phone verified by a one-time code);
- `export`: everything held about the citizen in one item, as JSON;
- `correction`: the citizen corrects their contact (an event through the workflow);
- `erasure`: personal data deleted or masked in every store (`erasure.STORES`), recorded for re-applying;
- `retention`: the job that erases items ended longer ago than ``SUARA_CONTACT_RETENTION_DAYS``;
- `access_log`: the contact reads of an agency's staff, for its admins.
"""

from suara.privacy.erasure import reapply_erasures

__all__ = ["reapply_erasures"]
