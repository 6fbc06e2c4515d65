from django.urls import path
from rest_framework.routers import SimpleRouter

from openfunnel.audit import api, views

app_name = "audit"
urlpatterns = [
    path("audit/", views.audit_log, name="log"),
    path("recycle-bin/", views.recycle_bin, name="recycle_bin"),
    path("recycle-bin/<slug:kind>/<int:pk>/restore/", views.recycle_restore, name="restore"),
]

router = SimpleRouter()
router.register("audit-events", api.AuditEventViewSet, basename="audit-event")
api_urlpatterns = [
    path("recycle-bin/", api.RecycleBinView.as_view(), name="recycle-bin"),
    path("recycle-bin/<slug:kind>/<str:pk>/restore/", api.RecycleRestoreView.as_view(),
         name="recycle-restore"),
    *router.urls,
]
