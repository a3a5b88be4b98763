"""Public (no login) pages of published assessment results, under /assessment/."""

from django.urls import path

from . import views_public

app_name = "assessment_public"
urlpatterns = [
    path("assessment/", views_public.published_list, name="list"),
    path("assessment/<int:pk>/", views_public.published_detail, name="detail"),
    path("assessment/<int:pk>/workbook.xlsx", views_public.published_workbook, name="workbook"),
    path("assessment/<int:pk>/report.docx", views_public.published_report, name="report"),
]
