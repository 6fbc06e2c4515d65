from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from openfunnel.accounts import urls as accounts_urls
from openfunnel.activities import urls as activities_urls
from openfunnel.audit import urls as audit_urls
from openfunnel.automation import urls as automation_urls
from openfunnel.catalog import urls as catalog_urls
from openfunnel.core.routing import prefixed_include
from openfunnel.customers import urls as customers_urls
from openfunnel.leads import urls as leads_urls
from openfunnel.pool import urls as pool_urls
from openfunnel.sales import urls as sales_urls
from openfunnel.web import urls as web_urls

APPS = [web_urls, accounts_urls, audit_urls, automation_urls, leads_urls, customers_urls, activities_urls,
        catalog_urls, sales_urls, pool_urls]

api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
# each app's patterns behind their literal starts (core.routing): a path is tried against its own app's only
api_patterns += [prefixed_include(module.api_urlpatterns) for module in APPS]

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_patterns, "api"), namespace="api")),
]
urlpatterns += [prefixed_include(module.urlpatterns, module.app_name, namespace=module.app_name) for module in APPS]

handler404 = "openfunnel.web.views.not_found"
handler500 = "openfunnel.web.views.server_error"
