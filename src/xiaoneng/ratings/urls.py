from django.urls import path

from . import views

app_name = "ratings"
urlpatterns = [
    path("ratings/new/", views.public_rate, name="new"),
    path("office/ratings/", views.office, name="office"),
    path("office/ratings/new/", views.window_entry, name="enter"),
    path("office/ratings/rectifications/", views.rectification_list, name="rectifications"),
    path(
        "office/ratings/rectifications/<int:pk>/",
        views.rectification_detail,
        name="rectification",
    ),
]
