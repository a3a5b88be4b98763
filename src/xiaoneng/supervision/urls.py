from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("", views.card_list, name="card_list"),
    path("<int:pk>/", views.card_detail, name="card_detail"),
    path("<int:pk>/action/", views.card_action, name="card_action"),
]
