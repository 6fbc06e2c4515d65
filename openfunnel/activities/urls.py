from django.urls import path
from rest_framework.routers import SimpleRouter

from openfunnel.activities import api, views

app_name = "activities"
urlpatterns = [
    path("my-day/", views.my_day, name="my_day"),
    path("my-day/all/", views.my_day_group, name="my_day_group"),
    path("calendar/", views.calendar, name="calendar"),
    path("activities/", views.activity_list, name="list"),
    path("activities/new/", views.activity_create, name="create"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="edit"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="delete"),
    path("attachments/new/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/complete/", views.task_action, {"action": "complete"}, name="task_complete"),
    path("tasks/<int:pk>/reopen/", views.task_action, {"action": "reopen"}, name="task_reopen"),
    path("tasks/<int:pk>/cancel/", views.task_action, {"action": "cancel"}, name="task_cancel"),
    path("reminders/<int:pk>/done/", views.reminder_done, name="reminder_done"),
]

router = SimpleRouter()
router.register("activities", api.ActivityViewSet, basename="activity")
router.register("attachments", api.AttachmentViewSet, basename="attachment")
router.register("tasks", api.TaskViewSet, basename="task")
router.register("reminders", api.ReminderViewSet, basename="reminder")
api_urlpatterns = router.urls
