from django.urls import path
from rest_framework.routers import SimpleRouter

from openfunnel.pool import api, api_log, views

app_name = "pool"
urlpatterns = [
    path("pool/", views.pool_list, name="list"),
    path("pool/new/", views.pool_create, name="create"),
    path("pool/events/", views.pool_event_list, name="events"),
    path("pool/statistics/", views.pool_statistics, name="statistics"),
    path("pool/dry-run/", views.reclaim_dry_run, name="dry_run"),
    path("pool/<int:pk>/", views.pool_detail, name="detail"),
    path("pool/<int:pk>/edit/", views.pool_edit, name="edit"),
    path("pool/<int:pk>/claim/", views.pool_claim, name="claim"),
    path("pool/<int:pk>/assign/", views.pool_assign, name="assign"),
    path("customers/<int:pk>/release/", views.customer_release, name="release"),
    path("leads/<int:pk>/release/", views.lead_release, name="lead_release"),
]

router = SimpleRouter()
router.register("pools", api.PoolViewSet, basename="pool")
router.register("pool-events", api_log.PoolEventViewSet, basename="pool-event")
api_urlpatterns = [
    *router.urls,
    path("customers/<str:pk>/release/", api.CustomerReleaseView.as_view(), name="customer-release"),
    path("leads/<str:pk>/release/", api.LeadReleaseView.as_view(), name="lead-release"),
    path("pool-statistics/", api_log.PoolStatisticsView.as_view(), name="pool-statistics"),
]
