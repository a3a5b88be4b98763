from django.urls import path

from . import views

app_name = "bulletins"

urlpatterns = [
    path("", views.page, name="page"),
    path("word/", views.word, name="word"),
]
