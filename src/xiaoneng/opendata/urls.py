from django.urls import path, re_path

from . import views

app_name = "opendata"
MONTH = r"(?P<key>\d{4}-\d{2})"
BULLETIN = "bulletins/<str:kind>/<int:year>-<int:seq>/v<int:version>/"
urlpatterns = [
    path("", views.index, name="index"),
    path("feed.atom", views.feed, name="feed"),
    path("bulletins/", views.bulletins, name="bulletins"),
    path(BULLETIN, views.bulletin, name="bulletin"),
    path(f"{BULLETIN}word/", views.bulletin_word, name="bulletin_word"),
    re_path(rf"^{MONTH}/$", views.period, name="period"),
    re_path(rf"^{MONTH}/(?P<name>[a-z][a-z0-9-]*\.(?:csv|json))$", views.data_file, name="file"),
]
