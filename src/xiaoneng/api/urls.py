from django.urls import path

from . import views

app_name = "apikeys"
urlpatterns = [
    path("", views.key_list, name="key_list"),
    path("new/", views.key_new, name="key_new"),
    path("<int:pk>/", views.key_detail, name="key_detail"),
    path("<int:pk>/revoke/", views.key_revoke, name="key_revoke"),
    path("client/", views.client_home, name="client_home"),
]
