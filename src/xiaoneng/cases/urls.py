from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("office/cases/", views.case_list, name="list"),
    path("office/cases/new/", views.case_register, name="register"),
    path("office/cases/<int:pk>/", views.case_detail, name="detail"),
    path("office/cases/<int:pk>/event/", views.case_event, name="event"),
    path("office/cases/<int:pk>/receipt/", views.case_receipt, name="receipt"),
    path("progress/", views.public_lookup, name="lookup"),
]
