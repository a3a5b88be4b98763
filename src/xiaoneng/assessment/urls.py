from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.periods, name="periods"),
    path("<int:pk>/", views.period, name="period"),
    path("schemes/<int:pk>/", views.scheme, name="scheme"),
    path("<int:pk>/units/<int:unit_pk>/", views.scorecard, name="scorecard"),
    path("<int:pk>/units/<int:unit_pk>/<str:source>/", views.drill, name="drill"),
    path("<int:pk>/workbook.xlsx", views.workbook, name="workbook"),
    path("<int:pk>/published.xlsx", views.public_workbook, name="public_workbook"),
    path("<int:pk>/pay.xlsx", views.pay, name="pay"),
    path("<int:pk>/report.docx", views.report, name="report"),
]
