from django.urls import path

from openfunnel.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("list-columns/", views.list_columns, name="list_columns"),
    path("pick/users/", views.user_picker, name="user_picker"),
]
api_urlpatterns: list = []
