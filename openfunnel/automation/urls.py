from django.urls import path
from rest_framework.routers import SimpleRouter

from openfunnel.automation import api, views

app_name = "automation"
urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
]

router = SimpleRouter()
router.register("notifications", api.NotificationViewSet, basename="notification")
api_urlpatterns = router.urls
