from django.urls import path
from rest_framework.routers import SimpleRouter

from openfunnel.accounts import api, views

app_name = "accounts"
urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/profile/tokens/", views.profile_token_create, name="token_create"),
    path("accounts/profile/tokens/<int:pk>/revoke/", views.profile_token_revoke, name="token_revoke"),
    path("accounts/profile/password/", views.profile_password, name="password_change"),
    path("accounts/users/", views.user_list, name="users"),
    path("accounts/users/new/", views.user_create, name="user_create"),
    path("accounts/users/<int:pk>/", views.user_edit, name="user_edit"),
    path("accounts/users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("accounts/users/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("accounts/users/<int:pk>/handover/", views.user_handover, name="user_handover"),
    path("accounts/handovers/<int:pk>/", views.handover_detail, name="handover_detail"),
    path("accounts/departments/", views.department_list, name="departments"),
    path("accounts/departments/new/", views.department_create, name="department_create"),
    path("accounts/departments/<int:pk>/", views.department_edit, name="department_edit"),
    path("accounts/departments/<int:pk>/delete/", views.department_delete, name="department_delete"),
    path("accounts/roles/", views.role_list, name="roles"),
    path("accounts/roles/permissions/", views.role_matrix_save, name="role_matrix_save"),
    path("accounts/roles/new/", views.role_create, name="role_create"),
    path("accounts/roles/<int:pk>/", views.role_edit, name="role_edit"),
    path("accounts/roles/<int:pk>/delete/", views.role_delete, name="role_delete"),
]

router = SimpleRouter()
router.register("departments", api.DepartmentViewSet, basename="department")
router.register("roles", api.RoleViewSet, basename="role")
router.register("users", api.UserViewSet, basename="user")
router.register("auth/tokens", api.ApiTokenViewSet, basename="apitoken")
api_urlpatterns = [
    path("auth/token/", api.TokenObtainView.as_view(), name="auth_token"),
    *router.urls,
]
