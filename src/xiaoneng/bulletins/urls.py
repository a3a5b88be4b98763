from django.urls import path

from . import views

app_name = "bulletins"

ISSUED = "issued/<str:kind>/<int:year>-<int:seq>/v<int:version>/"

urlpatterns = [
    path("", views.page, name="page"),
    path("word/", views.word, name="word"),
    path("monthly/", views.monthly, name="monthly"),
    path("draft/<str:kind>/", views.draft_page, name="draft"),
    path("draft/<str:kind>/word/", views.draft_word, name="draft_word"),
    path("draft/<str:kind>/issue/", views.issue, name="issue"),
    path("issued/", views.issued_list, name="issued_list"),
    path(ISSUED, views.issued, name="issued"),
    path(f"{ISSUED}word/", views.issued_word, name="issued_word"),
    path(f"{ISSUED}correct/", views.correct, name="correct"),
]
