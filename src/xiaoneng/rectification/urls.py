from django.urls import path

from . import views, views_drives, views_public

app_name = "rectification"
office = "office/rectification/"
urlpatterns = [
    path("rectification/", views_public.public_list, name="public_list"),
    path("rectification/<int:pk>/", views_public.public_detail, name="public_detail"),
    path(office, views.board, name="board"),
    path(f"{office}supervised/", views.supervised, name="supervised"),
    path(f"{office}export.xlsx", views.export, name="export"),
    path(f"{office}new/", views.new, name="new"),
    path(f"{office}<int:pk>/", views.detail, name="detail"),
    path(f"{office}<int:pk>/plan/", views.plan, name="plan"),
    path(f"{office}<int:pk>/do/<str:action>/", views.act, name="act"),
    path(
        f"{office}<int:pk>/extension/<str:decision>/",
        views.decide_extension,
        name="decide_extension",
    ),
    path(f"{office}<int:pk>/files/<int:file_id>/", views.evidence, name="evidence"),
    path(f"{office}<int:pk>/notice.docx", views.notice, name="notice"),
    path(f"{office}<int:pk>/report.docx", views.report, name="report"),
    path(f"{office}drives/", views_drives.drive_list, name="drives"),
    path(f"{office}drives/new/", views_drives.drive_new, name="drive_new"),
    path(f"{office}drives/<int:pk>/", views_drives.drive_detail, name="drive"),
    path(f"{office}drives/<int:pk>/stage/", views_drives.drive_stage, name="drive_stage"),
    path(
        f"{office}drives/<int:pk>/reports/<int:report_id>/",
        views_drives.drive_report,
        name="drive_report",
    ),
    path(
        f"{office}drives/<int:pk>/reports/<int:report_id>/file/",
        views_drives.drive_report_file,
        name="drive_report_file",
    ),
]
