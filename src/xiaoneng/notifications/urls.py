from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.open_notification, name="open"),
    path("inbox/read-all/", views.mark_all_read, name="mark_all_read"),
    path("notifications/settings/", views.settings_page, name="settings"),
    path("notifications/endpoints/new/", views.endpoint_edit, name="endpoint_new"),
    path("notifications/endpoints/<int:pk>/", views.endpoint_edit, name="endpoint_edit"),
    path(
        "notifications/endpoints/<int:pk>/deactivate/",
        views.endpoint_deactivate,
        name="endpoint_deactivate",
    ),
    path("notifications/endpoints/<int:pk>/rotate/", views.endpoint_rotate, name="endpoint_rotate"),
    path("notifications/deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
]
