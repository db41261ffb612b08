"""Held instances: what the pipeline could not release because their pixels may carry text nothing masked,
kept at the spoke for a person to release (with masks) or reject. Nothing of a held instance leaves the
spoke before its release.

Public surface::

    HELD, HeldFolder(directory).write(project_id, deid_sop_uid, part10) -> path     the pipeline's side
    ReviewDesk(conn, outbox) / .for_data_dir(conn, data_dir)                       a reviewer's side
        .held(who, project_id=None) -> [HeldItem]   .item(who, project, uid)   .thumbnail(who, project, uid)
        .add_mask(who, project, uid, (x, y, w, h))  .release(who, project, uid, apply_proposed=True)
        .reject(who, project, uid)                  ReviewError names a refused request
    Reviewer(name, interface)   review_audit_entries(conn)   boxes_json(boxes)
"""

from imaging_hub.spoke.review.audit import ReviewAuditEntry, Reviewer, review_audit_entries
from imaging_hub.spoke.review.desk import REJECTED, HeldItem, ReviewDesk, ReviewError, boxes_json
from imaging_hub.spoke.review.held_folder import HELD, HeldFolder

__all__ = [
    "HELD",
    "REJECTED",
    "HeldFolder",
    "HeldItem",
    "ReviewAuditEntry",
    "ReviewDesk",
    "ReviewError",
    "Reviewer",
    "boxes_json",
    "review_audit_entries",
]
