from django.urls import path
from rest_framework.routers import SimpleRouter

from openfunnel.sales import api, views

app_name = "sales"
urlpatterns = [
    path("opportunities/", views.board, name="board"),
    path("opportunities/board/cards/", views.board_cards, name="board_cards"),
    path("opportunities/list/", views.opportunity_list, name="list"),
    path("opportunities/overdue/", views.overdue_report, name="overdue_report"),
    path("opportunities/new/", views.opportunity_create, name="create"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="detail"),
    path("opportunities/<int:pk>/edit/", views.opportunity_edit, name="edit"),
    path("opportunities/<int:pk>/move/", views.opportunity_move, name="move"),
    path("opportunities/<int:pk>/win/", views.opportunity_win, name="win"),
    path("opportunities/<int:pk>/lose/", views.opportunity_lose, name="lose"),
    path("opportunities/<int:pk>/reopen/", views.opportunity_reopen, name="reopen"),
    path("opportunities/<int:pk>/delete/", views.opportunity_delete, name="delete"),
    path("opportunities/<int:pk>/lines/", views.opportunity_lines, name="lines"),
    path("opportunities/<int:pk>/contacts/", views.opportunity_contacts, name="contacts"),
    path("opportunities/<int:pk>/shares/", views.opportunity_shares, name="shares"),
    path("opportunities/<int:pk>/checklist/", views.opportunity_checklist, name="checklist"),
    path("opportunities/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("opportunities/<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download,
         name="attachment_download"),
    path("opportunities/<int:pk>/attachments/<int:attachment_pk>/delete/", views.attachment_delete,
         name="attachment_delete"),
    path("pipelines/", views.pipeline_list, name="pipelines"),
    path("pipelines/new/", views.pipeline_create, name="pipeline_create"),
    path("pipelines/<int:pk>/", views.pipeline_edit, name="pipeline_edit"),
    path("pipelines/<int:pk>/stages/new/", views.stage_add, name="stage_add"),
    path("pipelines/<int:pk>/stages/<int:stage_pk>/", views.stage_edit, name="stage_edit"),
    path("pipelines/<int:pk>/stages/<int:stage_pk>/move/", views.stage_shift, name="stage_shift"),
    path("pipelines/<int:pk>/stages/<int:stage_pk>/retire/", views.stage_retire, name="stage_retire"),
    path("lost-reasons/", views.lost_reason_list, name="lost_reasons"),
    path("lost-reasons/<int:pk>/", views.lost_reason_edit, name="lost_reason_edit"),
]

router = SimpleRouter()
router.register("pipelines", api.PipelineViewSet, basename="pipeline")
router.register(r"pipelines/(?P<pipeline_pk>[^/.]+)/stages", api.PipelineStageViewSet, basename="pipeline-stage")
router.register("lost-reasons", api.LostReasonViewSet, basename="lost-reason")
router.register("opportunities", api.OpportunityViewSet, basename="opportunity")
router.register(r"opportunities/(?P<opportunity_pk>[^/.]+)/attachments", api.OpportunityAttachmentViewSet,
                basename="opportunity-attachment")
api_urlpatterns = router.urls
