from django.urls import path

from openfunnel.automation import views

app_name = "automation"
urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
api_urlpatterns: list = []
