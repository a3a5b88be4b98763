from django.urls import path

from . import views

app_name = "casestats"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("windows/", views.windows, name="windows"),
    path("export.xlsx", views.export, name="export"),
    path("joint/", views.joint, name="joint"),
]
