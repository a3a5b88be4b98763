from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("office/", views.office_home, name="office_home"),
    path("accounts/start/", views.landing, name="landing"),
]
