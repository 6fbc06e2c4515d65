from django.urls import path
from rest_framework.routers import SimpleRouter

from openfunnel.sales import api, views

app_name = "sales"
urlpatterns = [path("opportunities/<int:pk>/", views.opportunity_detail, name="detail")]

router = SimpleRouter()
router.register("pipelines", api.PipelineViewSet, basename="pipeline")
router.register(r"pipelines/(?P<pipeline_pk>[^/.]+)/stages", api.PipelineStageViewSet, basename="pipeline-stage")
router.register("lost-reasons", api.LostReasonViewSet, basename="lost-reason")
router.register("opportunities", api.OpportunityViewSet, basename="opportunity")
router.register(r"opportunities/(?P<opportunity_pk>[^/.]+)/attachments", api.OpportunityAttachmentViewSet,
                basename="opportunity-attachment")
api_urlpatterns = router.urls
