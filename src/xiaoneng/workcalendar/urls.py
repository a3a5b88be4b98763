from django.urls import path

from . import views

app_name = "workcalendar"
urlpatterns = [
    path("calendar/", views.current_year, name="current"),
    path("calendar/<int:year>/", views.year_view, name="year"),
    path("calendar/due/", views.due_calc, name="due_calc"),
    path("office/calendar/", views.office, name="office"),
]
