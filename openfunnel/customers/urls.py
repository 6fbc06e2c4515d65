from django.urls import path
from rest_framework.routers import SimpleRouter

from openfunnel.customers import api, views

app_name = "customers"
urlpatterns = [
    path("customers/", views.customer_list, name="list"),
    path("customers/new/", views.customer_create, name="create"),
    path("customers/settings/", views.settings_page, name="settings"),
    path("customers/settings/levels/new/", views.level_create, name="level_create"),
    path("customers/settings/levels/<int:pk>/", views.level_edit, name="level_edit"),
    path("customers/settings/tags/new/", views.tag_create, name="tag_create"),
    path("customers/settings/tags/<int:pk>/", views.tag_edit, name="tag_edit"),
    path("customers/settings/tags/<int:pk>/delete/", views.tag_delete, name="tag_delete"),
    path("customers/settings/duplicates/", views.dedup_settings, name="dedup_settings"),
    path("customers/<int:pk>/", views.customer_detail, name="detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="edit"),
    path("customers/<int:pk>/delete/", views.customer_delete, name="delete"),
    path("customers/<int:pk>/transfer/", views.customer_transfer, name="transfer"),
    path("customers/<int:pk>/share/", views.customer_share, name="share"),
    path("customers/<int:pk>/unshare/", views.customer_unshare, name="unshare"),
    path("customers/<int:pk>/timeline/", views.customer_timeline, name="timeline"),
    path("customers/<int:pk>/panels/<slug:name>/", views.customer_panel, name="panel"),
    path("customers/<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/", views.contact_list, name="contacts"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("contacts/<int:pk>/primary/", views.contact_set_primary, name="contact_set_primary"),
]

router = SimpleRouter()
router.register("customers", api.CustomerViewSet, basename="customer")
router.register("contacts", api.ContactViewSet, basename="contact")
router.register("customer-levels", api.CustomerLevelViewSet, basename="customer-level")
router.register("tags", api.TagViewSet, basename="tag")
api_urlpatterns = [
    path("dedup-settings/", api.DedupSettingsView.as_view(), name="dedup-settings"),
    *router.urls,
]
