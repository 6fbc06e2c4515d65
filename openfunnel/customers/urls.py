app_name = "customers"
urlpatterns: list = []
api_urlpatterns: list = []
