"""Files kept at a stage of an opportunity, stored through Django's default storage."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from openfunnel.audit.services import event_record
from openfunnel.core.errors import PermissionDenied, ValidationFailed
from openfunnel.core.uploads import check_uploads
from openfunnel.sales.models import Opportunity, OpportunityAttachment, Stage
from openfunnel.sales.services.opportunities import lock, require_edit

MAX_FILE_SIZE = 20 * 1024 * 1024
MAX_FILES = 10


def check_files(files: list[Any], errors: dict[str, list[Any]], field: str = "file") -> None:
    """At most MAX_FILES files of at most 20 MB each, none empty."""
    check_uploads(files, errors, field=field, max_files=MAX_FILES, max_megabytes=MAX_FILE_SIZE // (1024 * 1024))


def attachments_store(*, actor: Any, opportunity: Opportunity, stage: Stage | None, files: Iterable[Any],
                      note: str = "") -> list[OpportunityAttachment]:
    """Saves already checked files (the caller holds the transaction and has checked access)."""
    stored = []
    for upload in files:
        name = os.path.basename(upload.name)[:255]
        attachment = OpportunityAttachment(
            opportunity=opportunity, stage=stage, stage_name=getattr(stage, "name", ""), name=name,
            size=upload.size or 0, content_type=(getattr(upload, "content_type", "") or "")[:100],
            note=note, uploaded_by=actor)
        attachment.file.save(name, upload, save=False)
        attachment.save()
        stored.append(attachment)
        event_record(actor=actor, verb="opportunity.attachment_added", obj=opportunity,
                     customer_id=opportunity.customer_id,
                     data={"attachment_id": attachment.pk, "name": name, "size": attachment.size,
                           "stage": getattr(stage, "pk", None), "stage_name": getattr(stage, "name", "")})
    return stored


@transaction.atomic
def opportunity_attachment_add(*, actor: Any, opportunity: Opportunity, file: Any, stage: Stage | None = None,
                               note: str = "") -> OpportunityAttachment:
    """Attaches a file at `stage` (default: the current stage) of an opportunity the actor may edit.
    Raises NotFound, PermissionDenied, ValidationFailed."""
    require_edit(actor, opportunity)
    opportunity = lock(opportunity)
    errors: dict[str, list[Any]] = {}
    if file is None:
        errors["file"] = [_("Choose a file.")]
    else:
        check_files([file], errors)
    stage = stage or opportunity.stage
    if stage.pipeline_id != opportunity.pipeline_id:
        errors["stage"] = [_("Choose a stage of this opportunity's pipeline.")]
    note = (note or "").strip()
    if len(note) > 300:
        errors["note"] = [_("At most %(n)d characters.") % {"n": 300}]
    if errors:
        raise ValidationFailed(fields=errors)
    [attachment] = attachments_store(actor=actor, opportunity=opportunity, stage=stage, files=[file], note=note)
    return attachment


@transaction.atomic
def opportunity_attachment_delete(*, actor: Any, attachment: OpportunityAttachment) -> None:
    """Removes a file: its uploader (while they may still edit the opportunity) or whoever may edit the
    opportunity. Raises NotFound, PermissionDenied."""
    opportunity = attachment.opportunity
    require_edit(actor, opportunity)
    if actor is None:
        raise PermissionDenied()
    event_record(actor=actor, verb="opportunity.attachment_deleted", obj=opportunity,
                 customer_id=opportunity.customer_id,
                 data={"attachment_id": attachment.pk, "name": attachment.name, "stage_name": attachment.stage_name})
    file_name, storage = attachment.file.name, attachment.file.storage
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(file_name))
