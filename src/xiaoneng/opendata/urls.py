from django.urls import path, re_path

from . import views

app_name = "opendata"
MONTH = r"(?P<key>\d{4}-\d{2})"
urlpatterns = [
    path("", views.index, name="index"),
    path("feed.atom", views.feed, name="feed"),
    re_path(rf"^{MONTH}/$", views.period, name="period"),
    re_path(rf"^{MONTH}/(?P<name>[a-z][a-z0-9-]*\.(?:csv|json))$", views.data_file, name="file"),
]
