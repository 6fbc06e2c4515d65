"""Event verbs of pipelines and opportunities, as they read in the audit log and on timelines."""

from django.utils.translation import gettext_lazy as _

from openfunnel.audit.verbs import register_verbs

register_verbs({
    "pipeline.created": _("created the pipeline"),
    "pipeline.updated": _("changed the pipeline"),
    "pipeline.stages_reordered": _("reordered the pipeline's stages"),
    "stage.added": _("added the stage"),
    "stage.updated": _("changed the stage"),
    "stage.retired": _("retired the stage"),
    "lost_reason.created": _("created the lost reason"),
    "lost_reason.updated": _("changed the lost reason"),
    "opportunity.created": _("created the opportunity"),
    "opportunity.updated": _("changed the opportunity"),
    "opportunity.transferred": _("transferred the opportunity"),
    "opportunity.contacts_changed": _("changed the opportunity's contacts"),
    "opportunity.lines_changed": _("changed the opportunity's products"),
    "opportunity.shared": _("added a collaborator to the opportunity"),
    "opportunity.unshared": _("removed a collaborator from the opportunity"),
    "opportunity.stage_changed": _("moved the opportunity to another stage"),
    "opportunity.won": _("won the opportunity"),
    "opportunity.lost": _("lost the opportunity"),
    "opportunity.reopened": _("reopened the opportunity"),
    "opportunity.close_date_pushed": _("pushed back the expected close date"),
    "opportunity.checklist_marked": _("ticked a checklist item"),
    "opportunity.attachment_added": _("attached a file to the opportunity"),
    "opportunity.attachment_deleted": _("removed a file from the opportunity"),
    "opportunity.deleted": _("deleted the opportunity"),
    "opportunity.restored": _("restored the opportunity"),
    "opportunity.close_reminder_sent": _("reminded of the expected close date"),
    "opportunity.overdue": _("flagged the opportunity overdue"),
    "opportunity.auto_closed": _("closed the opportunity as lost automatically"),
    "opportunity.stage_sla_exceeded": _("warned that the opportunity stays too long in its stage"),
})
