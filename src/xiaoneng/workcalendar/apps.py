from django.apps import AppConfig


class WorkCalendarConfig(AppConfig):
    name = "xiaoneng.workcalendar"
    verbose_name = "工作日历"
