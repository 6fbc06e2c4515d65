app_name = "audit"
urlpatterns: list = []
api_urlpatterns: list = []
