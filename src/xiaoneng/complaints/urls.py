from django.urls import path

from . import views

app_name = "complaints"
urlpatterns = [
    path("complaints/new/", views.public_new, name="new"),
    path("complaints/thanks/", views.public_thanks, name="thanks"),
    path("complaints/lookup/", views.public_lookup, name="lookup"),
    path("office/complaints/", views.office_list, name="list"),
    path("office/complaints/new/", views.office_new, name="office_new"),
    path("office/complaints/<int:pk>/", views.detail, name="detail"),
    path("office/complaints/<int:pk>/route/", views.route, name="route"),
    path("office/complaints/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("office/complaints/<int:pk>/do/<slug:action>/", views.act, name="act"),
    path("office/complaints/<int:pk>/rectify/", views.rectify, name="rectify"),
    path("office/complaints/<int:pk>/notice/", views.written_notice, name="notice"),
    path(
        "office/complaints/<int:pk>/files/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
]
