from django.urls import path
from rest_framework.routers import SimpleRouter

from openfunnel.leads import api, views

app_name = "leads"
urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_edit, name="campaign_edit"),
]

router = SimpleRouter()
router.register("campaigns", api.CampaignViewSet, basename="campaign")
api_urlpatterns = router.urls
