from django.urls import path
from rest_framework.routers import SimpleRouter

from openfunnel.leads import api, views

app_name = "leads"
urlpatterns = [
    path("leads/", views.lead_list, name="list"),
    path("leads/new/", views.lead_create, name="create"),
    path("leads/<int:pk>/", views.lead_detail, name="detail"),
    path("leads/<int:pk>/edit/", views.lead_edit, name="edit"),
    path("leads/<int:pk>/delete/", views.lead_delete, name="delete"),
    path("leads/<int:pk>/status/", views.lead_status, name="status"),
    path("leads/<int:pk>/assign/", views.lead_assign, name="assign"),
    path("leads/<int:pk>/transfer/", views.lead_transfer, name="transfer"),
    path("leads/<int:pk>/convert/", views.lead_convert, name="convert"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
]

router = SimpleRouter()
router.register("campaigns", api.CampaignViewSet, basename="campaign")
router.register("leads", api.LeadViewSet, basename="lead")
api_urlpatterns = router.urls
