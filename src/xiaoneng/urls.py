from django.contrib import admin
from django.urls import include, path

from xiaoneng.api.api import api

admin.site.site_header = "效能监察平台 · 系统配置"
admin.site.site_title = "效能监察平台"

urlpatterns = [
    path("", include("xiaoneng.web.urls")),
    path("", include("xiaoneng.workcalendar.urls")),
    path("accounts/", include("xiaoneng.accounts.urls")),
    path("office/", include("xiaoneng.org.urls")),
    path("office/audit/", include("xiaoneng.audit.urls")),
    path("", include("xiaoneng.catalog.urls")),  # /guide/… (public) and /office/catalog/…
    path("office/", include("xiaoneng.notifications.urls")),
    path("", include("xiaoneng.cases.urls")),
    path("", include("xiaoneng.complaints.urls")),  # /complaints/… and /office/complaints/…
    path("", include("xiaoneng.ratings.urls")),  # /ratings/new/ (public) and /office/ratings/
    path("", include("xiaoneng.evaluation.urls")),  # /evaluations/… and /office/evaluations/…
    path("", include("xiaoneng.rectification.urls")),  # /rectification/… (public), /office/…
    path("", include("xiaoneng.inspections.urls")),  # /office/inspections/…
    path("", include("xiaoneng.accountability.urls")),  # /accountability/ (public), /office/…
    path("office/assessment/", include("xiaoneng.assessment.urls")),
    path("", include("xiaoneng.assessment.public_urls")),  # /assessment/… (published, public)
    path("office/cards/", include("xiaoneng.supervision.urls")),
    path("office/stats/", include("xiaoneng.casestats.urls")),
    path("office/bulletins/", include("xiaoneng.bulletins.urls")),
    path("open/", include("xiaoneng.opendata.urls")),  # 开放数据 (public)
    path("api/v1/", api.urls),
    path("office/api-keys/", include("xiaoneng.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler400 = "xiaoneng.web.views.error_400"
handler403 = "xiaoneng.web.views.error_403"
handler404 = "xiaoneng.web.views.error_404"
handler500 = "xiaoneng.web.views.error_500"
