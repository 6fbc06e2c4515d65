app_name = "sales"
urlpatterns: list = []
api_urlpatterns: list = []
