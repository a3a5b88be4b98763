from django.urls import path

from . import views

app_name = "ratings"
urlpatterns = [
    path("ratings/new/", views.public_rate, name="new"),
    path("office/ratings/", views.office, name="office"),
    path("office/ratings/export.xlsx", views.export, name="export"),
    path("office/ratings/new/", views.window_entry, name="enter"),
    path("office/ratings/<int:pk>/", views.detail, name="detail"),
    path("office/ratings/reviews/", views.review_list, name="reviews"),
    path("ratings/figures/", views.public_figures, name="figures"),
    # Before the move onto rectification tasks (old notifications link here).
    path("office/ratings/rectifications/", views.legacy_rectifications, name="rectifications"),
    path(
        "office/ratings/rectifications/<int:pk>/",
        views.legacy_rectification,
        name="rectification",
    ),
]
