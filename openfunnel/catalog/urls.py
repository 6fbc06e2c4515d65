from django.urls import path
from rest_framework.routers import SimpleRouter

from openfunnel.catalog import api, views

app_name = "catalog"
urlpatterns = [
    path("products/", views.product_list, name="products"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:pk>/", views.product_edit, name="product_edit"),
]

router = SimpleRouter()
router.register("products", api.ProductViewSet, basename="product")
api_urlpatterns = router.urls
